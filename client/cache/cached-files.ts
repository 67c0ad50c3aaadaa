// A friend's files in the cache, piece by piece (ranges of FILE_RANGE_BYTES):
// a piece is kept only while its item is cached with the size it was
// fetched for, and a file is whole once every piece is stored.
import Dexie from 'dexie'
import { FILE_RANGE_BYTES } from '../../shared/protocol/items'
import type { ClientDatabase } from './db'

/** Where a file's download stands: which pieces (ranges of FILE_RANGE_BYTES) are stored. */
export interface FileProgress {
  size: number
  pieces: number
  have: Set<number>
}

export function pieceCount (size: number): number {
  return Math.ceil(size / FILE_RANGE_BYTES)
}

/** Starts (or resumes) fetching a file item: its size as listed, and the
 *  pieces already stored. Null if the item is not cached or has no file. */
export async function beginFile (db: ClientDatabase, owner: string, id: string): Promise<FileProgress | null> {
  return db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, async () => {
    const size = (await db.cachedItems.get([owner, id]))?.item.file?.size
    if (size === undefined) return null
    const row = await db.cachedFiles.get([owner, id])
    if (row && row.size !== size) await dropFiles(db, [[owner, id]])
    if (!row || row.size !== size) await db.cachedFiles.put({ owner, id, size, complete: false })
    const keys = await piecesOf(db, owner, id).primaryKeys()
    return { size, pieces: pieceCount(size), have: new Set(keys.map(([, , index]) => index)) }
  })
}

/** Keeps one fetched piece, only while its item is cached with this size:
 *  bytes arriving after the item was deleted (or changed) are dropped.
 *  Returns whether they were kept. */
export async function storePiece (db: ClientDatabase, owner: string, id: string, size: number, index: number, bytes: Uint8Array): Promise<boolean> {
  const data = new Blob([bytes as Uint8Array<ArrayBuffer>])
  return db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, async () => {
    const item = await db.cachedItems.get([owner, id])
    const file = await db.cachedFiles.get([owner, id])
    if (item?.item.file?.size !== size || file?.size !== size) return false
    await db.cachedFileChunks.put({ owner, id, index, data })
    return true
  })
}

/** Forgets the pieces of a file not yet complete (a download given up,
 *  e.g. for lack of room: half a file is only in the way). */
export async function dropPartialFile (db: ClientDatabase, owner: string, id: string): Promise<void> {
  await db.transaction('rw', db.cachedFiles, db.cachedFileChunks, async () => {
    if ((await db.cachedFiles.get([owner, id]))?.complete) return
    await dropFiles(db, [[owner, id]])
  })
}

/** Marks the file complete if every piece is stored. Returns whether it is. */
export async function completeFile (db: ClientDatabase, owner: string, id: string, size: number): Promise<boolean> {
  return db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, async () => {
    const file = await db.cachedFiles.get([owner, id])
    if (file?.size !== size || (await db.cachedItems.get([owner, id]))?.item.file?.size !== size) return false
    if (await piecesOf(db, owner, id).count() !== pieceCount(size)) return false
    if (!file.complete) await db.cachedFiles.put({ ...file, complete: true })
    return true
  })
}

/** A completely cached file, as one Blob made of its stored pieces. */
export async function fileBlob (db: ClientDatabase, owner: string, id: string): Promise<Blob | null> {
  return db.transaction('r', db.cachedFiles, db.cachedFileChunks, async () => {
    if (!(await db.cachedFiles.get([owner, id]))?.complete) return null
    const rows = await piecesOf(db, owner, id).toArray()
    return new Blob(rows.map((row) => row.data))
  })
}

function piecesOf (db: ClientDatabase, owner: string, id: string) {
  return db.cachedFileChunks.where('[owner+id+index]').between([owner, id, Dexie.minKey], [owner, id, Dexie.maxKey], true, true)
}

/** Removes these files and all their pieces; inside the caller's transaction. */
export async function dropFiles (db: ClientDatabase, keys: Array<[string, string]>): Promise<void> {
  if (keys.length === 0) return
  // Pieces are stored only under a file row (beginFile, storePiece): the
  // pieces of the keys without one need no search (a flood of made-up ids
  // cost one range delete each).
  const files = await db.cachedFiles.bulkGet(keys)
  const withFile = keys.filter((_, i) => files[i] !== undefined)
  await db.cachedFiles.bulkDelete(withFile)
  for (const [owner, id] of withFile) await piecesOf(db, owner, id).delete()
}

/** Keeps whole files that came with their items (a friend's mailbox on
 *  relays, checked there against the owner's signed hash), in pieces as a
 *  download keeps them: each only if its item is cached with that size and
 *  no complete copy is there yet. Inside the caller's transaction (the one
 *  storing the items: the item is never shown before its file is there). */
export async function storeWholeFiles (db: ClientDatabase, owner: string, files: ReadonlyMap<string, Uint8Array>, maxBytes: number): Promise<void> {
  for (const [id, bytes] of files) {
    const size = (await db.cachedItems.get([owner, id]))?.item.file?.size
    if (size !== bytes.length || size === 0) continue
    const row = await db.cachedFiles.get([owner, id])
    if (row?.complete && row.size === size) continue
    await dropFiles(db, [[owner, id]])
    if (!await makeRoom(db, owner, id, size, maxBytes)) continue
    for (let index = 0; index < pieceCount(size); index++) {
      const piece = bytes.subarray(index * FILE_RANGE_BYTES, (index + 1) * FILE_RANGE_BYTES)
      await db.cachedFileChunks.put({ owner, id, index, data: new Blob([piece as Uint8Array<ArrayBuffer>]) })
    }
    await db.cachedFiles.put({ owner, id, size, complete: true })
  }
}

/** Drops the files of `owner`'s oldest items (never `keep`'s) until `size`
 *  more bytes fit within `maxBytes` of their cached files; false when it
 *  cannot fit at all. Inside the caller's transaction. */
async function makeRoom (db: ClientDatabase, owner: string, keep: string, size: number, maxBytes: number): Promise<boolean> {
  if (size > maxBytes) return false
  const cached = new Map((await db.cachedFiles.where('owner').equals(owner).toArray()).map((f) => [f.id, f.size]))
  let total = [...cached.values()].reduce((sum, bytes) => sum + bytes, 0)
  if (total + size <= maxBytes) return true
  const drop: Array<[string, string]> = []
  await db.cachedItems.where('[owner+updatedAt]').between([owner, Dexie.minKey], [owner, Dexie.maxKey])
    .until(() => total + size <= maxBytes)
    .each((row) => {
      const bytes = cached.get(row.id)
      if (bytes === undefined || row.id === keep) return
      drop.push([owner, row.id])
      total -= bytes
    })
  await dropFiles(db, drop)
  return total + size <= maxBytes
}
