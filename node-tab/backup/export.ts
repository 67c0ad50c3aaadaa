// Writes everything this node holds into one encrypted backup (a Blob made of
// parts, so a gigabyte of files never sits in script memory at once).
//
// The rows are read in one read transaction: a consistent picture of the
// node, change log included. File pieces are Blobs and are read afterwards,
// one at a time (IndexedDB commits a transaction that waits on anything
// else); a piece gone by then means its item was deleted meanwhile, and the
// export says so rather than save an item without its file.
import { BackupWriter, type PreparedBackupKey, type ScryptParams } from '../../shared/backup/backup-format'
import type { NodeDatabase } from '../storage/db'
import { BACKUP_APP, ROWS_PER_RECORD, rowTables, type BackupRecord } from './records'

export interface ExportOptions {
  /** Tests use cheap settings; the default is the format's. */
  kdf?: ScryptParams
  chunkBytes?: number
  now?: () => number
  /** 0..1 as the export goes on (the key first, then the data). */
  onProgress?: (fraction: number) => void
}

/** Parts are gathered into Blobs of about this size: the browser may keep
 *  those on disk, and script memory holds only the parts of the current one. */
const BLOB_BATCH_BYTES = 16 * 1024 * 1024

/** `secret`: the passphrase, or a key prepared from it once (backups to a folder). */
export async function exportBackup (db: NodeDatabase, secret: string | PreparedBackupKey, opts: ExportOptions = {}): Promise<Blob> {
  const now = opts.now ?? Date.now
  const progress = opts.onProgress ?? (() => {})
  const writer = await BackupWriter.create(secret, { kdf: opts.kdf, chunkBytes: opts.chunkBytes, now: now(), onKeyProgress: (f) => progress(f * 0.2) })

  const blobs: Blob[] = []
  let parts: Uint8Array[] = [writer.header]
  let partBytes = writer.header.length
  const emit = (frames: Uint8Array[]): void => {
    for (const f of frames) { parts.push(f); partBytes += f.length }
    if (partBytes >= BLOB_BATCH_BYTES) {
      blobs.push(new Blob(parts as BlobPart[]))
      parts = []
      partBytes = 0
    }
  }
  const write = (record: BackupRecord): void => emit(writer.write(record))

  if (!db.isOpen()) await db.open()
  const tables = rowTables(db)
  const snapshot = await db.transaction('r', [...tables, 'fileChunks'], async () => {
    const self = await db.identity.get('self')
    if (!self) throw new Error('This browser has no Kith identity to back up.')
    const rows: Record<string, Array<Record<string, unknown>>> = {}
    for (const name of tables) rows[name] = await db.table(name).toArray() as Array<Record<string, unknown>>
    // An item's visibility index entries are made again when it is restored.
    if (rows.items) rows.items = rows.items.map(({ seenBy: _index, ...row }) => row)
    const pieceKeys = await db.fileChunks.toCollection().primaryKeys()
    return { identityKey: self.publicKey, rows, pieceKeys }
  })

  write({ t: 'start', app: BACKUP_APP, schema: db.verno, identityKey: snapshot.identityKey, exportedAt: now() })
  const counts: Record<string, number> = {}
  for (const name of tables) {
    const rows = snapshot.rows[name]!
    counts[name] = rows.length
    for (let i = 0; i < rows.length; i += ROWS_PER_RECORD) write({ t: 'rows', table: name, rows: rows.slice(i, i + ROWS_PER_RECORD) })
    delete snapshot.rows[name] // written: no need to keep it
  }
  progress(0.3)

  const keys = snapshot.pieceKeys
  for (let i = 0; i < keys.length; i++) {
    const [itemId, index] = keys[i]!
    const piece = await db.fileChunks.get([itemId, index])
    if (!piece) throw new Error('A file was deleted while the backup was being made. Save the backup again.')
    write({ t: 'piece', itemId, index, bytes: new Uint8Array(await piece.data.arrayBuffer()) })
    progress(0.3 + 0.7 * (i + 1) / keys.length)
  }
  write({ t: 'end', rows: counts, pieces: keys.length })
  emit(writer.finish())
  blobs.push(new Blob(parts as BlobPart[]))
  progress(1)
  return new Blob(blobs, { type: 'application/octet-stream' })
}

// Kept with the records (no export code needed to read them): the reminder
// on the first screen uses them.
export { lastBackupAt, noteBackupSaved } from './records'
