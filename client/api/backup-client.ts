// The BackupApi on top of my node's database and the browser's storage API.
// The file format and its key derivation (msgpack, scrypt: export.ts,
// import.ts) load only when the owner saves or restores a backup; the
// reminder on the first screen needs only timestamps (records.ts).
import { BACKUP_FILE_EXTENSION } from '../../shared/backup/backup-file'
import { noteBackupSaved, PERSIST_ASKED_KEY } from '../../node-tab/backup/records'
import { backupState, dismissReminder, type BackupReminder, type BackupState } from '../../node-tab/backup/reminder'
import type { NodeDatabase } from '../../node-tab/storage/db'
import type { BackupApi, SavedBackup, StorageInfo } from './backup-api'
import type { PreparedBackupKey } from '../../shared/backup/backup-format'
import { storageInfo, storageManager } from '../browser/storage-info'
import { loadCrypto } from '../../shared/crypto/crypto'

function dateStamp (at: number): string {
  const d = new Date(at)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`
}

export class NodeBackupApi extends EventTarget implements BackupApi {
  constructor (private readonly db: NodeDatabase, private readonly now: () => number = Date.now) {
    super()
  }

  storage (): Promise<StorageInfo> { return storageInfo() }

  async requestPersistence (): Promise<boolean> {
    const storage = storageManager()
    await this.db.putSetting(PERSIST_ASKED_KEY, true)
    if (!storage || typeof storage.persist !== 'function') return false
    return storage.persist().catch(() => false)
  }

  async state (): Promise<BackupState> {
    const state = await backupState(this.db, this.now())
    // Asked once, by itself, when there is first something to lose; after
    // that only when the owner presses the button (no nagging).
    if (!state.fresh && !await this.db.getSetting(PERSIST_ASKED_KEY, (v): v is boolean => v === true)) await this.requestPersistence()
    return state
  }

  async dismiss (reminder: BackupReminder): Promise<void> {
    await dismissReminder(this.db, reminder, this.now())
    this.dispatchEvent(new Event('change'))
  }

  async save (secret: string | PreparedBackupKey, onProgress?: (fraction: number) => void): Promise<SavedBackup> {
    const savedAt = this.now()
    // The cryptography code too: saved in the first seconds, before serving loaded it (start-node.ts).
    const [{ exportBackup }] = await Promise.all([import('../../node-tab/backup/export'), loadCrypto()])
    const blob = await exportBackup(this.db, secret, { now: () => savedAt, onProgress })
    await noteBackupSaved(this.db, savedAt)
    if (!await this.db.getSetting(PERSIST_ASKED_KEY, (v): v is boolean => v === true)) await this.requestPersistence()
    this.dispatchEvent(new Event('change'))
    return { blob, fileName: `kith-backup-${dateStamp(savedAt)}${BACKUP_FILE_EXTENSION}`, savedAt }
  }

  async restore (file: Blob, passphrase: string, onProgress?: (fraction: number) => void): Promise<void> {
    const [{ importBackup }, { blobSource }] = await Promise.all([import('../../node-tab/backup/import'), import('../../shared/backup/backup-format'), loadCrypto()])
    await importBackup(this.db, blobSource(file), passphrase, { now: this.now, onProgress })
  }
}
