// A file item's content as pieces of FILE_CHUNK_BYTES in the fileChunks
// table. Written piece by piece from a Blob, read back range by range, so
// neither saving nor serving a file ever holds the whole of it in memory.
import Dexie from 'dexie'
import { KithError } from '../../shared/wire/errors'
import { isQuotaError } from '../../shared/util/quota'
import type { NodeDatabase } from './db'
import type { FileChunkRow } from './rows'
import { chunkCount, FILE_CHUNK_BYTES } from './file-chunk-rows'
import { byteStream, type ByteStream } from '../../shared/wire/byte-stream'

export { chunkCount, chunkRowsOf, FILE_CHUNK_BYTES } from './file-chunk-rows'

/** Pieces written per transaction: fewer commits, still little memory. */
const CHUNKS_PER_WRITE = 4

export const NO_SPACE = 'There is not enough storage space on this device to save this file.'
export const NO_SPACE_FOR_ITEM = 'There is not enough storage space on this device to save this item.'
export const UNREADABLE = 'The file could not be read: it may have been moved, changed or deleted since you chose it. Choose it again.'

/** Every key of one item's pieces, in order. */
function allOf (db: NodeDatabase, itemId: string) {
  return db.fileChunks.where('[itemId+index]').between([itemId, Dexie.minKey], [itemId, Dexie.maxKey], true, true)
}

/**
 * Stores `content` under `itemId`, a few pieces per transaction. Each piece
 * is read into memory and stored as bytes, not as a slice of `content`: a
 * slice of a file the person picked refers to the file on their disk, and
 * Chromium's IndexedDB keeps that reference, so the item broke (friends'
 * fetches failed) once the person deleted, moved or edited the original
 * (seen in the browser tests). Only a few pieces are in memory at once. The
 * item row is written by the caller only after this resolves, so a crash
 * halfway leaves only orphan pieces (see removeOrphans), never a half item.
 */
export async function writeChunks (db: NodeDatabase, itemId: string, content: Blob, onProgress?: (fraction: number) => void): Promise<void> {
  const count = chunkCount(content.size)
  try {
    for (let first = 0; first < count; first += CHUNKS_PER_WRITE) {
      const indexes: number[] = []
      for (let index = first; index < Math.min(count, first + CHUNKS_PER_WRITE); index++) indexes.push(index)
      // Read before the transaction: it would commit while waiting on the file.
      const rows: FileChunkRow[] = await Promise.all(indexes.map(async (index) => ({
        itemId,
        index,
        data: new Blob([await content.slice(index * FILE_CHUNK_BYTES, (index + 1) * FILE_CHUNK_BYTES).arrayBuffer()])
      })))
      await db.fileChunks.bulkPut(rows)
      onProgress?.(Math.min(count, first + CHUNKS_PER_WRITE) / count)
    }
  } catch (err) {
    await deleteChunks(db, itemId).catch(() => { /* removeOrphans gets them later */ })
    if (isQuotaError(err)) throw new KithError('TOO_LARGE', NO_SPACE)
    // Reading a picked file that changed on disk since it was picked.
    if (err instanceof DOMException && (err.name === 'NotReadableError' || err.name === 'NotFoundError')) throw new KithError('BAD_REQUEST', UNREADABLE)
    throw err
  }
  if (count === 0) onProgress?.(1)
}

/** Whether all of the pieces of a file of `size` bytes are there. */
export async function hasAllChunks (db: NodeDatabase, itemId: string, size: number): Promise<boolean> {
  return await allOf(db, itemId).count() === chunkCount(size)
}

/** Deletes every piece of the item; inside the caller's transaction when there is one. */
export async function deleteChunks (db: NodeDatabase, itemId: string): Promise<void> {
  await allOf(db, itemId).delete()
}

/** The pieces that hold bytes [start, end) of the item, checked to be all there. */
export async function chunksCovering (db: NodeDatabase, itemId: string, start: number, end: number): Promise<FileChunkRow[]> {
  if (end <= start) return []
  const first = Math.floor(start / FILE_CHUNK_BYTES)
  const last = Math.floor((end - 1) / FILE_CHUNK_BYTES)
  const rows = await db.fileChunks.where('[itemId+index]').between([itemId, first], [itemId, last], true, true).toArray()
  if (rows.length !== last - first + 1) throw new KithError('INTERNAL', 'The file’s content is missing on this device.')
  return rows
}

/** The pieces under bytes [offset, offset + length) of a file of `size`
 *  bytes, the range cut at the file's end; a start past the end is refused. */
export async function rangeOfFile (db: NodeDatabase, itemId: string, size: number, offset: number, length: number): Promise<{ rows: FileChunkRow[], end: number }> {
  if (offset > size || (offset === size && size > 0)) throw new KithError('BAD_REQUEST', `The range starts past the end of the file (${size} bytes).`)
  const end = Math.min(size, offset + length)
  return { rows: await chunksCovering(db, itemId, offset, end), end }
}

/** Bytes [start, end) from the pieces chunksCovering returned, as a stream
 *  read from storage as the channel drains: a stored piece at a time while
 *  the node's byte budgets have room for it (each read is a round trip to
 *  the browser's storage, so a range of one piece is read once, not once per
 *  chunk), a chunk at a time when they do not. Only that range is read:
 *  slicing a Blob reads nothing until arrayBuffer(). */
export function streamRange (rows: FileChunkRow[], start: number, end: number): ByteStream {
  const blob = rangeBlob(rows, start, end)
  let at = 0
  return byteStream(blob.size, async (_wanted, room) => {
    const piece = at === 0 && room >= blob.size ? blob : blob.slice(at, at + room)
    at += piece.size
    return new Uint8Array(await piece.arrayBuffer())
  }, undefined, { readBytes: FILE_CHUNK_BYTES })
}

/** The part of the pieces under [start, end): the stored Blob itself when
 *  the range is one whole piece (the usual case), else a slice of them. */
function rangeBlob (rows: FileChunkRow[], start: number, end: number): Blob {
  if (rows.length === 0) return new Blob([])
  const base = rows[0]!.index * FILE_CHUNK_BYTES
  const only = rows.length === 1 ? rows[0]!.data : null
  if (only && start === base && end - base === only.size) return only
  return (only ?? new Blob(rows.map((row) => row.data))).slice(start - base, end - base)
}

/** The whole file as one Blob made of its stored pieces (not copied into memory). */
export async function fileBlob (db: NodeDatabase, itemId: string, mime: string): Promise<Blob> {
  const rows = await allOf(db, itemId).toArray()
  return new Blob(rows.map((row) => row.data), { type: mime })
}

/** Pieces whose item does not exist: left by a save that crashed or failed.
 *  `writing` are the items being saved right now, which must stay. */
export async function removeOrphans (db: NodeDatabase, writing: ReadonlySet<string>): Promise<number> {
  const itemIds = (await db.fileChunks.orderBy('itemId').uniqueKeys()) as string[]
  const candidates = itemIds.filter((id) => !writing.has(id))
  if (candidates.length === 0) return 0
  let removed = 0
  await db.transaction('rw', db.items, db.fileChunks, async () => {
    const rows = await db.items.bulkGet(candidates)
    for (const [i, id] of candidates.entries()) {
      if (rows[i] || writing.has(id)) continue
      await deleteChunks(db, id)
      removed++
    }
  })
  return removed
}
