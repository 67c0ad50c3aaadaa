// The backup benchmark (bench/systems/kith-backup.mjs): a node with many
// notes, exported to an encrypted backup file as the Settings button does it
// (real KDF settings), timed from the press to the finished Blob.
import { exportBackup } from '../../node-tab/backup/export'
import { NodeDatabase, type ItemRow } from '../../node-tab/storage/db'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { newId } from '../../node-tab/storage/ids'

const SEED_BATCH = 1000
let db: NodeDatabase | null = null

export const backupBench = {
  /** A node database with `items` notes for all friends (written as the app
   *  would, so the change log holds an entry for each). */
  backupBenchSeed: async (items: number) => {
    db = new NodeDatabase(`kith-backup-bench-${Math.random()}`)
    await loadOrCreateIdentity(db)
    const now = Date.now()
    for (let from = 0; from < items; from += SEED_BATCH) {
      const rows: ItemRow[] = []
      for (let i = from; i < Math.min(items, from + SEED_BATCH); i++) {
        const at = now - (items - i) * 1000
        rows.push({ id: newId(), type: 'note', text: `note ${i}: ${'a short line of text '.repeat(3)}`, createdAt: at, updatedAt: at, listedAt: at, audience: { kind: 'friends' } })
      }
      await db.items.bulkAdd(rows)
    }
    return { items: await db.items.count(), logEntries: await db.syncLog.count() }
  },
  /** Seconds to export it (of which the key derivation), and the file's size in bytes. */
  backupBenchExport: async (passphrase: string) => {
    if (!db) throw new Error('seed first')
    const t0 = performance.now()
    let keyAt = 0
    // The first 20% of progress is the key derivation.
    const blob = await exportBackup(db, passphrase, { onProgress: (f) => { if (f >= 0.2 && keyAt === 0) keyAt = performance.now() } })
    const seconds = (performance.now() - t0) / 1000
    return { seconds, kdfSeconds: (keyAt - t0) / 1000, bytes: blob.size }
  }
}
