// Backups to a folder the person picks once (File System Access, where the
// browser has it: showDirectoryPicker). Kith writes the encrypted backup
// there daily and after important changes (folder-schedule.ts), keeps the
// newest few (folder-files.ts), with a key made from the passphrase at setup
// (folder-key.ts). When the browser has forgotten the permission (after a
// restart, usually), it says so and the person allows it again with a press.
// Fires 'change' whenever what status() says may have changed.
import type { KithApi } from '../api/app-api'
import { makeFolderKey, preparedKey } from './folder-key'
import { writeAndRotate, type BackupDirectory } from './folder-files'
import { dueReason, type Counts, type DueReason } from './folder-schedule'
import { forgetSetup, loadSetup, saveSetup } from './folder-store'
import type { LastWrite } from './folder-schedule'

export type FolderStatus =
  | { kind: 'unsupported' }
  | { kind: 'none' }
  | { kind: 'ready' | 'needs-permission', folder: string, last: LastWrite | null, error: string }

type PermissionHandle = FileSystemDirectoryHandle & {
  queryPermission?: (d: { mode: 'readwrite' }) => Promise<PermissionState>
  requestPermission?: (d: { mode: 'readwrite' }) => Promise<PermissionState>
}
type PickerWindow = Window & { showDirectoryPicker?: (o?: { id?: string, mode?: 'readwrite' }) => Promise<FileSystemDirectoryHandle> }

/** Items counted for "many new items": enough to see a burst, bounded. */
const ITEMS_COUNTED = 1000
const CHECK_EVERY_MS = 60 * 60 * 1000
/** Changes come in bursts (a sync, an import): one look after they settle. */
const SETTLE_MS = 5000

export function folderBackupsSupported (): boolean {
  return typeof (window as PickerWindow).showDirectoryPicker === 'function'
}

async function permission (handle: PermissionHandle): Promise<PermissionState> {
  return handle.queryPermission ? await handle.queryPermission({ mode: 'readwrite' }) : 'granted'
}

export class FolderBackups extends EventTarget {
  private running: Promise<unknown> | null = null
  private settle: ReturnType<typeof setTimeout> | null = null
  private timer: ReturnType<typeof setInterval> | null = null

  constructor (private readonly api: KithApi) {
    super()
  }

  async status (): Promise<FolderStatus> {
    if (!folderBackupsSupported()) return { kind: 'unsupported' }
    const setup = await loadSetup()
    if (!setup) return { kind: 'none' }
    const granted = await permission(setup.handle) === 'granted'
    return { kind: granted ? 'ready' : 'needs-permission', folder: setup.handle.name, last: setup.last, error: setup.lastError }
  }

  /** The folder picker; call it straight from the press (it needs the gesture). */
  async pick (): Promise<FileSystemDirectoryHandle> {
    return await (window as PickerWindow).showDirectoryPicker!({ id: 'kith-backups', mode: 'readwrite' })
  }

  /** Keeps the folder and a key made from the passphrase, then writes the first backup. */
  async setUp (handle: FileSystemDirectoryHandle, passphrase: string, onProgress?: (f: number) => void): Promise<void> {
    const key = await makeFolderKey(passphrase, { onProgress })
    await saveSetup({ handle, key, last: null, lastError: '' })
    this.changed()
    await this.writeNow('first')
    this.start()
  }

  /** Asks the browser again for the folder (from a press). */
  async allow (): Promise<boolean> {
    const setup = await loadSetup()
    if (!setup) return false
    const handle = setup.handle as PermissionHandle
    const granted = (handle.requestPermission ? await handle.requestPermission({ mode: 'readwrite' }) : 'granted') === 'granted'
    this.changed()
    if (granted) await this.check()
    return granted
  }

  async stop (): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    if (this.settle) clearTimeout(this.settle)
    this.timer = null
    this.api.removeEventListener('change', this.onChange)
    await forgetSetup()
    this.changed()
  }

  /** Writes a backup now if one is due (and the folder may be written). */
  async check (): Promise<DueReason | null> {
    const setup = await loadSetup()
    if (!setup || await permission(setup.handle) !== 'granted') return null
    const reason = dueReason(setup.last, Date.now(), await this.counts())
    if (reason) await this.writeNow(reason)
    return reason
  }

  /** Writes a backup to the folder (one at a time); resolves with its file name. */
  async writeNow (_reason: DueReason | 'asked' = 'asked'): Promise<string> {
    while (this.running) await this.running.catch(() => {})
    const run = this.write()
    this.running = run
    try {
      return await run
    } finally {
      this.running = null
    }
  }

  /** Checks on start, after changes settle, and hourly. */
  start (): void {
    if (this.timer) return
    void this.check().catch(() => {})
    this.api.addEventListener('change', this.onChange)
    this.timer = setInterval(() => { void this.check().catch(() => {}) }, CHECK_EVERY_MS)
  }

  private readonly onChange = (): void => {
    if (this.settle) clearTimeout(this.settle)
    this.settle = setTimeout(() => { void this.check().catch(() => {}) }, SETTLE_MS)
  }

  private async write (): Promise<string> {
    const setup = await loadSetup()
    if (!setup) throw new Error('No backup folder is set up.')
    try {
      if (await permission(setup.handle) !== 'granted') throw new Error(`Kith needs permission to write to ${setup.handle.name}.`)
      const counts = await this.counts()
      const saved = await this.api.backup.save(preparedKey(setup.key))
      await writeAndRotate(setup.handle as unknown as BackupDirectory, saved.fileName, saved.blob)
      await saveSetup({ ...setup, last: { at: saved.savedAt, counts }, lastError: '' })
      return saved.fileName
    } catch (err) {
      await saveSetup({ ...setup, lastError: err instanceof Error ? err.message : String(err) })
      throw err
    } finally {
      this.changed()
    }
  }

  private async counts (): Promise<Counts> {
    const [friends, devices, items] = await Promise.all([this.api.listFriends(), this.api.devices.listDevices(), this.api.listMyItems({ limit: ITEMS_COUNTED })])
    return { friends: friends.length, devices: devices.length, items: items.length }
  }

  private changed (): void {
    this.dispatchEvent(new Event('change'))
  }
}

let shared: FolderBackups | null = null
/** The one instance for this page (the settings and the schedule share it). */
export function folderBackupsFor (api: KithApi): FolderBackups {
  return (shared ??= new FolderBackups(api))
}
