// The backup benchmark (bench/systems/kith-backup.mjs): a node with many
// notes, exported to an encrypted backup file as the Settings button does it
// (real KDF settings), timed from the press to the finished Blob. And the
// large-file memory test (tests/e2e/backup-memory.e2e.test.ts): a node with
// one big file, exported and restored in pieces.
import { blobSource } from '../../shared/backup/backup-format'
import { exportBackup } from '../../node-tab/backup/export'
import { importBackup } from '../../node-tab/backup/import'
import { NodeDatabase } from '../../node-tab/storage/db'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { seedNotes } from './people'

let db: NodeDatabase | null = null

export const backupBench = {
  /** A node database with `items` notes for all friends (written as the app
   *  would, so the change log holds an entry for each). */
  backupBenchSeed: async (items: number) => {
    db = new NodeDatabase(`kith-backup-bench-${Math.random()}`)
    await loadOrCreateIdentity(db)
    await seedNotes(db, items)
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

/** Byte i of the big test file: a pattern that shows a piece out of place. */
const patternByte = (i: number): number => (i * 31 + (i >>> 20)) & 0xff
const PATTERN_PIECE = 1024 * 1024
/** Cheap key derivation: scrypt's own memory (128 MiB at the real settings)
 *  is fixed and by design; what this measures is what the file size costs. */
const MEMORY_TEST_KDF = { N: 2 ** 12, r: 8, p: 1 }
let bigBackup: Blob | null = null
let bigSize = 0

function patternPiece (start: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = patternByte(start + i)
  return out
}

export const backupMemory = {
  /** A node holding one file of `size` bytes (made from pieces; not kept in script memory). */
  backupMemorySeed: async (size: number) => {
    db = new NodeDatabase(`kith-backup-memory-${Math.random()}`)
    await loadOrCreateIdentity(db)
    const parts: Blob[] = []
    for (let at = 0; at < size; at += PATTERN_PIECE) parts.push(new Blob([patternPiece(at, Math.min(PATTERN_PIECE, size - at)) as Uint8Array<ArrayBuffer>]))
    await new ItemsStore(db).create({ type: 'file', text: 'big', audience: { kind: 'friends' }, file: { name: 'big.bin', mime: 'application/octet-stream', content: new Blob(parts) } })
    bigSize = size
  },
  backupMemoryExport: async () => {
    bigBackup = await exportBackup(db!, 'memory test passphrase', { kdf: MEMORY_TEST_KDF })
    return bigBackup.size
  },
  /** Restores it into a fresh database; checks the file's size and samples of its bytes. */
  backupMemoryImport: async () => {
    const fresh = new NodeDatabase(`kith-backup-memory-restored-${Math.random()}`)
    await loadOrCreateIdentity(fresh)
    const summary = await importBackup(fresh, blobSource(bigBackup!), 'memory test passphrase')
    const items = new ItemsStore(fresh)
    const [row] = await items.listMine()
    const file = await items.fileBlob(row!.id)
    if (!file || file.size !== bigSize) throw new Error(`restored file is ${file?.size} bytes, not ${bigSize}`)
    for (const at of [0, Math.floor(bigSize / 2), bigSize - 100]) {
      const got = new Uint8Array(await file.slice(at, at + 100).arrayBuffer())
      const want = patternPiece(at, got.length)
      if (got.length === 0 || got.some((b, i) => b !== want[i])) throw new Error(`restored bytes differ at ${at}`)
    }
    fresh.close()
    return summary.pieces
  }
}
