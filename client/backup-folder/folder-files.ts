// Writing backups into the folder the person chose (File System Access) and
// keeping only the newest few there. Only Kith's own backup files are ever
// touched: names it wrote (kith-backup-<date>.kithbackup); anything else in
// the folder is left alone.
import { BACKUP_FILE_EXTENSION } from '../../shared/backup/backup-file'

export const KEEP_BACKUPS = 5
const OURS = new RegExp(`^kith-backup-\\d{4}-\\d{2}-\\d{2}-\\d{4}(-\\d+)?${BACKUP_FILE_EXTENSION.replace('.', '\\.')}$`)

/** The parts of a directory handle used here (a real FileSystemDirectoryHandle has them). */
export interface BackupDirectory {
  readonly name: string
  getFileHandle (name: string, opts?: { create?: boolean }): Promise<{ createWritable (): Promise<{ write (data: Blob): Promise<void>, close (): Promise<void>, abort? (): Promise<void> }> }>
  removeEntry (name: string): Promise<void>
  keys (): AsyncIterable<string>
}

/** Kith's backup files in the folder, oldest first (their names sort by date). */
export async function backupFilesIn (dir: BackupDirectory): Promise<string[]> {
  const names: string[] = []
  for await (const name of dir.keys()) if (OURS.test(name)) names.push(name)
  return names.sort()
}

/** Writes the file whole (a half-written file is discarded, never left
 *  under the name), then removes the oldest of Kith's files beyond `keep`. */
export async function writeAndRotate (dir: BackupDirectory, fileName: string, blob: Blob, keep = KEEP_BACKUPS): Promise<{ removed: string[] }> {
  if (!OURS.test(fileName)) throw new Error(`not a Kith backup file name: ${fileName}`)
  const file = await dir.getFileHandle(fileName, { create: true })
  const writable = await file.createWritable()
  try {
    await writable.write(blob)
    await writable.close()
  } catch (err) {
    await writable.abort?.().catch(() => {})
    throw err
  }
  const all = await backupFilesIn(dir)
  const removed = all.slice(0, Math.max(0, all.length - keep))
  for (const name of removed) await dir.removeEntry(name)
  return { removed }
}
