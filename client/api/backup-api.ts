// What the UI can ask about keeping this Kith safe: the browser's storage
// (persistent or not, used and quota) and encrypted backups (save, restore).
import type { BackupReminder, BackupState } from '../../node-tab/backup/reminder'
import type { PreparedBackupKey } from '../../shared/backup/backup-format'

export type { BackupReminder, BackupState }

export interface StorageInfo {
  /** Whether the browser promised not to clear Kith's data under pressure;
   *  null where the browser cannot say. */
  persisted: boolean | null
  /** Bytes used and available to this site, as the browser estimates them. */
  usage: number | null
  quota: number | null
}

export interface SavedBackup {
  blob: Blob
  fileName: string
  savedAt: number
}

/** Fires 'change' when a backup was saved or a reminder dismissed. */
export interface BackupApi extends EventTarget {
  storage (): Promise<StorageInfo>
  /** Asks the browser to keep Kith's data (it may decide on its own). */
  requestPersistence (): Promise<boolean>
  state (): Promise<BackupState>
  dismiss (reminder: BackupReminder): Promise<void>
  /** The encrypted backup, made piece by piece; onProgress 0..1. With a
   *  key prepared from the passphrase once (backups to a folder), no
   *  passphrase is asked. */
  save (secret: string | PreparedBackupKey, onProgress?: (fraction: number) => void): Promise<SavedBackup>
  /** Restores a backup into this (fresh) browser. On success the page must
   *  be reloaded to start the restored node; on failure nothing changed. */
  restore (file: Blob, passphrase: string, onProgress?: (fraction: number) => void): Promise<void>
}
