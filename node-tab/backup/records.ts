// What a backup file holds, record by record (the file format itself is
// shared/backup/backup-format.ts). In order:
//
//   { t: 'start', app: 'kith', schema, identityKey, exportedAt }   schema: db.verno
//   { t: 'rows', table, rows }        every table but fileChunks, in batches
//   { t: 'piece', itemId, index, bytes }   each piece of each file
//   { t: 'end', rows: { table: count }, pieces }
//
// Rows are the database's rows as they are (the change log and its clock
// included), so a restored node is the same device at the same point of its
// history; see import.ts for the one thing renumbered.
import type { NodeDatabase } from '../storage/db'

export const BACKUP_APP = 'kith'
/** The first node schema with backups (db.ts, SCHEMA: the change log came in 5). */
export const FIRST_BACKUP_SCHEMA = 5
/** Rows per record: big enough to be quick, small enough to stay in memory. */
export const ROWS_PER_RECORD = 500

export interface StartRecord { t: 'start', app: typeof BACKUP_APP, schema: number, identityKey: Uint8Array, exportedAt: number }
export interface RowsRecord { t: 'rows', table: string, rows: Array<Record<string, unknown>> }
export interface PieceRecord { t: 'piece', itemId: string, index: number, bytes: Uint8Array }
export interface EndRecord { t: 'end', rows: Record<string, number>, pieces: number }
export type BackupRecord = StartRecord | RowsRecord | PieceRecord | EndRecord

/** The settings key of when this device last saved a backup (device-local). */
export const LAST_BACKUP_KEY = 'backup.lastAt'
/** Whether this browser was asked to keep Kith's data (navigator.storage.persist):
 *  a fact about one browser, not carried to the one a backup is restored in. */
export const PERSIST_ASKED_KEY = 'storage.persistAsked'

/** Every table a backup holds rows of: all of them, but file pieces go as
 *  pieces (they are Blobs, read one at a time). */
export function rowTables (db: NodeDatabase): string[] {
  return db.tables.map((t) => t.name).filter((name) => name !== 'fileChunks').sort()
}

/** Remembers that a backup was saved (the reminder compares it with the
 *  newest change). Device-local: not a setting the person's devices share. */
export async function noteBackupSaved (db: NodeDatabase, at: number): Promise<void> {
  await db.putSetting(LAST_BACKUP_KEY, at)
}

export async function lastBackupAt (db: NodeDatabase): Promise<number | null> {
  return await db.getSetting(LAST_BACKUP_KEY, (v): v is number => Number.isSafeInteger(v)) ?? null
}
