// Runs device sync over every session with one of my other devices: a pull
// as soon as the session opens (a device back after a week catches up then),
// then again every few seconds while it stays open, so a change on one device
// reaches the others without anyone asking. Each side pulls from the other.
// What a pull changed is handed to the node (swarms, notices, UI, settings).
// The pulling code (sync/pull.ts, with the record checks and msgpack) loads
// with the first session with another device, not when the node opens.
import type { RpcPeer } from '../../shared/wire/rpc'
import type { RemoteDevice } from '../../shared/identity/device-credentials'
import type { OwnerDeviceMethods } from '../../shared/protocol/protocol'
import type { NodeSession } from '../connections/sessions'
import type { NodeDatabase } from '../storage/db'
import type { AppliedChanges } from '../sync/apply'
import type { DeviceSync, DeviceSyncOptions, SyncProgress } from '../sync/pull'
import { devicesToWaitFor, pruneTombstones } from '../sync/prune'

/** Tombstones are looked at again at most this often (a scan of the log). */
const PRUNE_EVERY_MS = 60_000

/** Between pulls while a session stays open: a change elsewhere shows here
 *  within this long, and an idle pull (nothing new) is one small message. */
export const DEVICE_PULL_EVERY_MS = 2_000

interface Running { sync: DeviceSync | null, stop: AbortController, state: 'syncing' | 'up to date' | 'failed', pulled: number, error: string | null }

export class DeviceSyncSessions extends EventTarget {
  private readonly running = new Map<string, Running>()
  private lastPrune = 0

  constructor (
    private readonly db: NodeDatabase,
    private readonly myDeviceKey: string,
    private readonly onChanges: (changes: AppliedChanges) => void,
    /** accept, or loadAccept to load it with the sync code (the node's
     *  grant checks are not on the first screen), for the device pulled
     *  from as its handshake proved it (what it may bring depends on its role). */
    private readonly options: { accept?: DeviceSyncOptions['accept'], loadAccept?: (peer: RemoteDevice) => Promise<DeviceSyncOptions['accept']>, pullEveryMs?: number } = {}
  ) {
    super()
  }

  /** Starts pulling from `deviceHex` over `session` until it closes. */
  attach (deviceHex: string, session: NodeSession): void {
    this.running.get(deviceHex)?.stop.abort()
    const run: Running = { sync: null, stop: new AbortController(), state: 'syncing', pulled: 0, error: null }
    this.running.set(deviceHex, run)
    session.transport.onClose(() => {
      run.stop.abort()
      if (this.running.get(deviceHex) === run) this.running.delete(deviceHex)
      this.dispatchEvent(new Event('change'))
    })
    void this.loop(run, session, deviceHex)
  }

  private async loop (run: Running, session: NodeSession, deviceHex: string): Promise<void> {
    let sync: DeviceSync
    try {
      const { DeviceSync, NEWEST_FIRST } = await import('../sync/pull')
      const peer = session.rpc as unknown as RpcPeer<OwnerDeviceMethods>
      const accept = this.options.loadAccept ? await this.options.loadAccept(session.remoteDevice) : this.options.accept
      // A device new to this one shows its first screen of items first.
      sync = run.sync = new DeviceSync(this.db, peer, deviceHex, { accept, newestFirst: NEWEST_FIRST })
    } catch (err) {
      if (!run.stop.signal.aborted) this.set(run, 'failed', `the sync code could not load: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    sync.addEventListener('changes', (ev) => this.onChanges((ev as CustomEvent<AppliedChanges>).detail))
    sync.addEventListener('progress', (ev) => {
      const progress = (ev as CustomEvent<SyncProgress>).detail
      run.pulled = progress.pulled
      this.set(run, progress.done ? 'up to date' : 'syncing', null)
    })
    while (!run.stop.signal.aborted && !session.rpc.closed) {
      try {
        await sync.pull(run.stop.signal)
        this.set(run, 'up to date', null)
        await this.pruneNowAndThen()
      } catch (err) {
        if (run.stop.signal.aborted || session.rpc.closed) return
        this.set(run, 'failed', err instanceof Error ? err.message : String(err))
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pullEveryMs ?? DEVICE_PULL_EVERY_MS))
    }
  }

  /** Forgets tombstones every device has pulled past (see prune.ts). */
  private async pruneNowAndThen (): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return
    this.lastPrune = Date.now()
    await pruneTombstones(this.db, await devicesToWaitFor(this.db, this.myDeviceKey))
  }

  private set (run: Running, state: Running['state'], error: string | null): void {
    if (run.state === state && run.error === error) return
    run.state = state
    run.error = error
    this.dispatchEvent(new Event('change'))
  }

  /** One phrase for the status line: "up to date", "syncing", or the last failure. */
  summary (): string | null {
    const runs = [...this.running.values()]
    if (runs.length === 0) return null
    const failed = runs.find((r) => r.state === 'failed')
    if (failed) return `sync failed: ${failed.error}`
    return runs.some((r) => r.state === 'syncing') ? 'syncing' : 'up to date'
  }

  stopAll (): void {
    for (const run of this.running.values()) run.stop.abort()
    this.running.clear()
  }
}
