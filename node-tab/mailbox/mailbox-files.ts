// Small files through the mailbox (docs/networks.md "Files in the mailbox"):
// a file item's bytes, up to MAILBOX_FILE_MAX_BYTES, travel with the item's
// bundle as chunk events. Each chunk is padded to the largest bucket (every
// chunk looks alike; a relay learns how many, not the length), sealed under
// a random key F made for the file alone, and published under a random tag
// of its own by a throwaway key. The bundle names, for each file, F, its
// size and SHA-256, and each chunk's event id, content hash and tag, signed
// by the owner with the bundle (mailbox-bundles.ts). A reader asks only for
// the chunks a bundle it opened names, checks each against what the bundle
// says (id, tag, content hash, F, its length at its place), and the
// assembled bytes against the file's hash: a relay can withhold a file,
// never change one. Cost: the chunks go once per relay, whatever the
// number of friends (they share the bundle).
import { sha256 } from '@noble/hashes/sha2.js'
import { finalizeEvent, type Event } from 'nostr-tools/pure'
import { randomBytes, secretOpen, secretSeal } from '../../shared/crypto/crypto'
import { bytesEqual, concatBytes, fromBase64, fromHex, toBase64, toHex, uint32BE, utf8 } from '../../shared/util/bytes'
import { SIZE_BUCKETS } from './mailbox-letters'

/** A file larger than this waits for a live session. 1 MiB holds a photo
 *  as messaging apps and "share" exports make them (a JPEG of about 2000 px
 *  is 0.3–1 MB), not a camera's full-size original (2–5 MB: it waits, as
 *  Kith does not shrink what it shares). 1 MiB is 24 chunk events, about
 *  1.45 MB on each relay, which public relays take (each event under their
 *  64 KiB) and the pacing sends in 2 s (20 events at once, then 5 a
 *  second, under the strict relay's 40 at once and 10 a second). Larger
 *  files would cost relays (which keep them two weeks) more than a live
 *  session costs anyone. */
export const MAILBOX_FILE_MAX_BYTES = 1024 * 1024
/** Every chunk's sealed plaintext: the largest bucket, as a full bundle's. */
export const CHUNK_PLAIN_BYTES = SIZE_BUCKETS.at(-1)!
/** A chunk's bytes: the plaintext less its 4-byte length. */
export const CHUNK_DATA_BYTES = CHUNK_PLAIN_BYTES - 4
export const MAX_CHUNKS_PER_FILE = Math.ceil(MAILBOX_FILE_MAX_BYTES / CHUNK_DATA_BYTES)
/** Sealed (24-byte nonce and 16-byte tag) and in base64: every chunk event's content is exactly this long. */
export const CHUNK_CONTENT_CHARS = Math.ceil((CHUNK_PLAIN_BYTES + 40) / 3) * 4
/** Files one bundle may name (a bundle holds at most 200 items; a file's
 *  chunk list is about 5 KB of it, so a few fit the largest bucket). */
export const MAX_FILES_PER_BUNDLE = 8
/** Files a reader takes in one read (the rest wait for a live session):
 *  what one read may hold in memory is this many times the file limit. */
export const MAX_FILES_PER_READ = 16

const CHUNK_KEY_LABEL = utf8('kith mailbox chunk key v1\0')
const HEX64 = /^[0-9a-f]{64}$/
const ITEM_ID = /^[A-Za-z0-9]{1,64}$/

/** One chunk as the bundle names it. */
export interface ChunkRef { event: string, hash: string, tag: string }

/** A file as the bundle names it (hex throughout). */
export interface FileRef {
  /** The item the bytes belong to (a file item in the same bundle). */
  item: string
  size: number
  /** SHA-256 of the file's bytes. */
  sha256: string
  /** F, the key its chunks are sealed under. */
  key: string
  chunks: ChunkRef[]
}

/** Why a file did not come with its bundle (it waits for a live session):
 *  the bundle's references were not as they must be, a chunk was not the
 *  one named, a chunk was not found on any relay, or the read had taken
 *  MAX_FILES_PER_READ files already. */
export type FileRefusal = 'files-refused' | 'chunk-mismatch' | 'file-missing' | 'file-deferred'

/** The chunk events of one file and its reference for the bundle; each
 *  event's throwaway key comes from `seed` and the chunk's place, so the
 *  writer keeps one seed per bundle to withdraw them (mailbox-bundle-withdraw.ts). */
export function fileChunkEvents (item: string, bytes: Uint8Array, kind: number, seed: Uint8Array, firstIndex: number, exp: number, now: number): { ref: FileRef, events: Event[] } | null {
  if (bytes.length === 0 || bytes.length > MAILBOX_FILE_MAX_BYTES) return null
  const key = randomBytes(32)
  const events: Event[] = []
  for (let at = 0, i = firstIndex; at < bytes.length; at += CHUNK_DATA_BYTES, i++) {
    const piece = bytes.subarray(at, at + CHUNK_DATA_BYTES)
    const plain = new Uint8Array(CHUNK_PLAIN_BYTES)
    plain.set(uint32BE(piece.length), 0)
    plain.set(piece, 4)
    events.push(finalizeEvent({
      kind,
      created_at: Math.floor(now / 1000),
      tags: [['t', toHex(randomBytes(32))], ['expiration', String(Math.floor(exp / 1000))]],
      content: toBase64(secretSeal(plain, key))
    }, chunkEventKey(seed, i)))
  }
  const ref: FileRef = {
    item,
    size: bytes.length,
    sha256: toHex(sha256(bytes)),
    key: toHex(key),
    chunks: events.map((e) => ({ event: e.id, hash: contentHash(e.content), tag: e.tags[0]![1]! }))
  }
  return { ref, events }
}

/** The throwaway secret key of a bundle's chunk event number `index`. */
export function chunkEventKey (seed: Uint8Array, index: number): Uint8Array {
  return sha256(concatBytes(CHUNK_KEY_LABEL, seed, uint32BE(index)))
}

function contentHash (content: string): string {
  return toHex(sha256(utf8(content)))
}

/** The file references a bundle carries, checked whole against the bundle's
 *  items: each names a file item of the bundle with the same size, within
 *  the limit, with exactly the chunks that size needs, no chunk twice. Null
 *  when any is not so (the items still count; the files wait for a live session). */
export function checkFileRefs (refs: unknown, items: readonly unknown[]): FileRef[] | null {
  if (!Array.isArray(refs) || refs.length > MAX_FILES_PER_BUNDLE) return null
  const sizes = new Map<string, unknown>()
  for (const item of items) {
    if (isRecord(item) && item.type === 'file' && typeof item.id === 'string' && isRecord(item.file)) sizes.set(item.id, item.file.size)
  }
  const events = new Set<string>()
  const named = new Set<string>()
  for (const ref of refs) {
    if (!isRecord(ref) || Object.keys(ref).some((k) => !['item', 'size', 'sha256', 'key', 'chunks'].includes(k))) return null
    if (typeof ref.item !== 'string' || !ITEM_ID.test(ref.item) || named.has(ref.item)) return null
    if (!Number.isSafeInteger(ref.size) || (ref.size as number) < 1 || (ref.size as number) > MAILBOX_FILE_MAX_BYTES) return null
    if (sizes.get(ref.item) !== ref.size) return null
    if (!isHex(ref.sha256) || !isHex(ref.key) || !Array.isArray(ref.chunks)) return null
    if (ref.chunks.length !== Math.ceil((ref.size as number) / CHUNK_DATA_BYTES)) return null
    for (const c of ref.chunks) {
      if (!isRecord(c) || Object.keys(c).length !== 3 || !isHex(c.event) || !isHex(c.hash) || !isHex(c.tag) || events.has(c.event)) return null
      events.add(c.event)
    }
    named.add(ref.item)
  }
  return refs as FileRef[]
}

/** One chunk event's bytes, if it is the chunk `ref` names at `index` (the
 *  event's id was asked for and its signature checked by the visit). */
export function openChunk (event: Pick<Event, 'id' | 'content' | 'tags'>, file: FileRef, index: number): Uint8Array | null {
  const ref = file.chunks[index]
  if (!ref || event.id !== ref.event) return null
  if (!event.tags.some((t) => t[0] === 't' && t[1] === ref.tag)) return null
  // Exactly one bucket sealed (its base64 has no padding): refused before any work, and what opens is that bucket.
  if (event.content.length !== CHUNK_CONTENT_CHARS) return null
  if (!bytesEqual(fromHex(contentHash(event.content)), fromHex(ref.hash))) return null
  let sealed: Uint8Array
  try { sealed = fromBase64(event.content) } catch { return null }
  const plain = secretOpen(sealed, fromHex(file.key))
  if (!plain) return null
  const length = new DataView(plain.buffer, plain.byteOffset, 4).getUint32(0)
  const last = index === file.chunks.length - 1
  const expected = last ? file.size - CHUNK_DATA_BYTES * index : CHUNK_DATA_BYTES
  if (length !== expected) return null
  return plain.slice(4, 4 + length)
}

/** The file from its chunks, in order, if its bytes are the ones the bundle names. */
export function assembleFile (file: FileRef, chunks: readonly Uint8Array[]): Uint8Array | null {
  if (chunks.length !== file.chunks.length) return null
  const bytes = concatBytes(...chunks)
  if (bytes.length !== file.size) return null
  return bytesEqual(sha256(bytes), fromHex(file.sha256)) ? bytes : null
}

function isHex (v: unknown): v is string {
  return typeof v === 'string' && HEX64.test(v)
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
