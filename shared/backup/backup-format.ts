// The encrypted backup file. It may hold a gigabyte of files, so it is
// written and read piece by piece, never as one buffer:
//
//   "KITHBAK\n"                       8 bytes, what the file is
//   header length                     u32 big-endian, at most MAX_HEADER_BYTES
//   header                            JSON: format version, KDF and its
//                                     parameters, salt, chunk size
//   frames, one per chunk             u32 length, then secretbox(chunk)
//
// The key: scrypt(passphrase, salt), then HMAC-SHA256 of that over the
// header's bytes, so a header changed in any way (weaker parameters, another
// chunk size) yields another key and the file does not open. Chunk i is
// sealed under the nonce (i, last?): reordered, dropped or repeated chunks do
// not open, and a file cut exactly between two chunks is caught because its
// new last chunk was not sealed as the last. Every chunk but the last holds
// exactly chunkBytes of plaintext, so where each frame starts is known from
// the header alone.
//
// Inside, the plaintext is a sequence of records: u32 length, then a msgpack
// value (the node's rows; see node-tab/backup/). Records may span chunks.
import { Decoder, Encoder } from '@msgpack/msgpack'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, fromBase64, fromUtf8, toBase64, uint32BE, utf8 } from '../util/bytes'
import { randomBytes, secretBoxOpenWithNonce, secretBoxWithNonce, SECRETBOX_NONCE_BYTES, SECRETBOX_OVERHEAD_BYTES } from '../crypto/crypto'

export const BACKUP_MAGIC = utf8('KITHBAK\n')
/** The format this code writes and the newest it reads. */
export const BACKUP_FORMAT_VERSION = 1
export const MAX_HEADER_BYTES = 4096
export { BACKUP_FILE_EXTENSION } from './backup-file'

export interface ScryptParams { N: number, r: number, p: number }

/** About 128 MiB and a second or two in a browser: costly to guess at. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
/** What a file may ask of the KDF when it is opened. A hostile file could
 *  otherwise ask for gigabytes of memory or an hour of work. */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
const MIN_LOG_N = 10
const MAX_LOG_N = 20
const MAX_R = 16
const MAX_P = 4

export const DEFAULT_CHUNK_BYTES = 1024 * 1024
const MIN_CHUNK_BYTES = 1024
const MAX_CHUNK_BYTES = 8 * 1024 * 1024
/** One record (a row, or one piece of a file) at most. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024

const SALT_BYTES = 16
const LENGTH_BYTES = 4
const KEY_BYTES = 32

export type BackupErrorCode = 'NOT_A_BACKUP' | 'NEWER_VERSION' | 'UNSAFE_PARAMETERS' | 'WRONG_PASSPHRASE' | 'DAMAGED' | 'TRUNCATED'

/** A backup that cannot be read, said in words a person can act on. */
export class BackupError extends Error {
  constructor (readonly code: BackupErrorCode, message: string) {
    super(message)
    this.name = 'BackupError'
  }
}

const NOT_A_BACKUP = 'This file is not a Kith backup.'
const DAMAGED = 'This backup file is damaged: part of it was changed after it was saved. Nothing was restored.'
const TRUNCATED = 'This backup file is incomplete: it ends before the backup does (was the download or copy cut short?). Nothing was restored.'
const WRONG_PASSPHRASE = 'The passphrase is wrong (or the file is damaged at its start). Nothing was restored.'

interface Header {
  version: number
  kdf: { name: 'scrypt' } & ScryptParams
  salt: string
  chunkBytes: number
  createdAt: number
}

function isPowerOfTwo (n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0
}

/** Refuses parameters outside what this code is willing to run. */
export function checkScryptParams (params: unknown): ScryptParams {
  const p = params as Partial<ScryptParams> | null
  const ok = p !== null && typeof p === 'object' &&
    isPowerOfTwo(p.N!) && p.N! >= 2 ** MIN_LOG_N && p.N! <= 2 ** MAX_LOG_N &&
    Number.isSafeInteger(p.r) && p.r! >= 1 && p.r! <= MAX_R &&
    Number.isSafeInteger(p.p) && p.p! >= 1 && p.p! <= MAX_P &&
    128 * p.N! * p.r! <= MAX_SCRYPT_MEMORY_BYTES
  if (!ok) throw new BackupError('UNSAFE_PARAMETERS', 'This backup asks for unusual key-derivation settings that could freeze this device; it was not opened. Nothing was restored.')
  return { N: p.N!, r: p.r!, p: p.p! }
}

/** The scrypt half of the key. Alone it opens nothing: each file's key is
 *  HMAC-SHA256 of it over that file's header. */
export async function scryptBase (passphrase: string, salt: Uint8Array, params: ScryptParams, onProgress?: (f: number) => void): Promise<Uint8Array> {
  return await scryptAsync(utf8(passphrase.normalize('NFC')), salt, {
    ...params, dkLen: KEY_BYTES, maxmem: MAX_SCRYPT_MEMORY_BYTES + 1024 * 1024, onProgress
  })
}

async function deriveKey (passphrase: string, salt: Uint8Array, params: ScryptParams, headerBytes: Uint8Array, onProgress?: (f: number) => void): Promise<Uint8Array> {
  return hmac(sha256, await scryptBase(passphrase, salt, params, onProgress), headerBytes)
}

/** A key made from the passphrase once (scrypt with this salt and these
 *  parameters), for backups written without asking for it again: `keyFor`
 *  is HMAC-SHA256 of scryptBase over a header (client/backup/folder-key.ts
 *  keeps the base as a non-extractable WebCrypto key). Files written with
 *  it open with the passphrase like any other. */
export interface PreparedBackupKey {
  salt: Uint8Array
  kdf: ScryptParams
  keyFor: (headerBytes: Uint8Array) => Promise<Uint8Array>
}

export const BACKUP_SALT_BYTES = SALT_BYTES

/** Chunk i's nonce: the counter, big-endian, then whether it is the last. */
function nonceOf (index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(SECRETBOX_NONCE_BYTES)
  const view = new DataView(nonce.buffer)
  view.setUint32(0, Math.floor(index / 2 ** 32))
  view.setUint32(4, index >>> 0)
  nonce[8] = last ? 1 : 0
  return nonce
}

const encoder = new Encoder({ ignoreUndefined: true })

export interface WriterOptions {
  kdf?: ScryptParams
  chunkBytes?: number
  now?: number
  onKeyProgress?: (fraction: number) => void
}

/**
 * Writes a backup: `header` first, then whatever write() and finish()
 * return, in order. The parts are small; the caller makes a Blob of them
 * (in the browser a Blob of parts is kept out of script memory).
 */
export class BackupWriter {
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private index = 0
  private finished = false

  private constructor (readonly header: Uint8Array, private readonly key: Uint8Array, private readonly chunkBytes: number) {}

  static async create (secret: string | PreparedBackupKey, opts: WriterOptions = {}): Promise<BackupWriter> {
    if (typeof secret === 'string' && secret.length === 0) throw new Error('A backup needs a passphrase.')
    const kdf = checkScryptParams(typeof secret === 'string' ? opts.kdf ?? DEFAULT_SCRYPT : secret.kdf)
    const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) throw new Error('chunk size out of range')
    const salt = typeof secret === 'string' ? randomBytes(SALT_BYTES) : secret.salt
    if (salt.length !== SALT_BYTES) throw new Error('a backup salt is 16 bytes')
    const header: Header = { version: BACKUP_FORMAT_VERSION, kdf: { name: 'scrypt', ...kdf }, salt: toBase64(salt), chunkBytes, createdAt: opts.now ?? Date.now() }
    const headerBytes = utf8(JSON.stringify(header))
    const key = typeof secret === 'string' ? await deriveKey(secret, salt, kdf, headerBytes, opts.onKeyProgress) : await secret.keyFor(headerBytes)
    return new BackupWriter(concatBytes(BACKUP_MAGIC, uint32BE(headerBytes.length), headerBytes), key, chunkBytes)
  }

  /** Adds one record; returns the frames it completed. */
  write (record: unknown): Uint8Array[] {
    if (this.finished) throw new Error('the backup is finished')
    const body = encoder.encode(record)
    if (body.length > MAX_RECORD_BYTES) throw new Error('a backup record is too large')
    this.pending.push(uint32BE(body.length), body)
    this.pendingBytes += LENGTH_BYTES + body.length
    const frames: Uint8Array[] = []
    // Strictly more than a chunk: the last chunk must be sealed as the last,
    // so a full chunk waits until we know whether more follows.
    while (this.pendingBytes > this.chunkBytes) frames.push(...this.seal(this.take(this.chunkBytes), false))
    return frames
  }

  /** The last frame (sealed as the last). */
  finish (): Uint8Array[] {
    if (this.finished) throw new Error('the backup is finished')
    this.finished = true
    return this.seal(this.take(this.pendingBytes), true)
  }

  private take (n: number): Uint8Array {
    const all = concatBytes(...this.pending)
    const rest = all.subarray(n)
    this.pending = rest.length > 0 ? [rest.slice()] : []
    this.pendingBytes = rest.length
    return all.subarray(0, n)
  }

  private seal (chunk: Uint8Array, last: boolean): Uint8Array[] {
    const box = secretBoxWithNonce(chunk, nonceOf(this.index++, last), this.key)
    return [uint32BE(box.length), box]
  }
}

/** Where a backup is read from: a File in the browser, bytes in tests. */
export interface ByteSource {
  readonly size: number
  read (offset: number, length: number): Promise<Uint8Array>
}

export function bytesSource (bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (offset, length) => bytes.slice(offset, offset + length) }
}

export function blobSource (blob: Blob): ByteSource {
  return { size: blob.size, read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()) }
}

function readU32 (bytes: Uint8Array, at = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at)
}

function parseHeader (bytes: Uint8Array): Header {
  let header: Partial<Header>
  try {
    header = JSON.parse(fromUtf8(bytes)) as Partial<Header>
  } catch {
    throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  }
  if (header === null || typeof header !== 'object' || !Number.isSafeInteger(header.version) || header.version! < 1) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  if (header.version! > BACKUP_FORMAT_VERSION) {
    throw new BackupError('NEWER_VERSION', `This backup was made by a newer version of Kith (backup format ${header.version}; this version reads format ${BACKUP_FORMAT_VERSION}). Update Kith (reload the page, or ask whoever hosts it), then try again. Nothing was restored.`)
  }
  if (header.kdf?.name !== 'scrypt') throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  checkScryptParams(header.kdf)
  const chunkBytes = header.chunkBytes!
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  if (typeof header.salt !== 'string' || header.salt.length > 64) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  if (!Number.isSafeInteger(header.createdAt)) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
  return header as Header
}

export interface OpenOptions { onKeyProgress?: (fraction: number) => void }

/**
 * An opened backup: the header checked, the key derived and the first chunk
 * decrypted (so a wrong passphrase fails here, before anything else).
 * records() may be walked more than once: once to check the whole file, then
 * again to write it.
 */
export class BackupReader {
  private constructor (
    private readonly source: ByteSource,
    private readonly key: Uint8Array,
    private readonly bodyStart: number,
    private readonly chunkBytes: number,
    readonly createdAt: number
  ) {}

  static async open (source: ByteSource, passphrase: string, opts: OpenOptions = {}): Promise<BackupReader> {
    const start = await source.read(0, BACKUP_MAGIC.length + LENGTH_BYTES)
    if (start.length < BACKUP_MAGIC.length + LENGTH_BYTES || !BACKUP_MAGIC.every((b, i) => start[i] === b)) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
    const headerLength = readU32(start, BACKUP_MAGIC.length)
    if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
    const headerBytes = await source.read(start.length, headerLength)
    if (headerBytes.length < headerLength) throw new BackupError('TRUNCATED', TRUNCATED)
    const header = parseHeader(headerBytes)
    let salt: Uint8Array
    try {
      salt = fromBase64(header.salt)
    } catch {
      throw new BackupError('NOT_A_BACKUP', NOT_A_BACKUP)
    }
    const key = await deriveKey(passphrase, salt, header.kdf, headerBytes, opts.onKeyProgress)
    const reader = new BackupReader(source, key, start.length + headerLength, header.chunkBytes, header.createdAt)
    if (reader.source.size <= reader.bodyStart) throw new BackupError('TRUNCATED', TRUNCATED)
    // The passphrase is checked now, on the first chunk alone.
    await reader.chunk(0, true)
    return reader
  }

  private get frameBytes (): number { return LENGTH_BYTES + this.chunkBytes + SECRETBOX_OVERHEAD_BYTES }

  private get chunkTotal (): number { return Math.max(1, Math.ceil((this.source.size - this.bodyStart) / this.frameBytes)) }

  /** Chunk `index`, decrypted and authenticated. */
  private async chunk (index: number, first = false): Promise<Uint8Array> {
    const total = this.chunkTotal
    const last = index === total - 1
    const offset = this.bodyStart + index * this.frameBytes
    const frame = await this.source.read(offset, Math.min(this.frameBytes, this.source.size - offset))
    if (frame.length < LENGTH_BYTES + SECRETBOX_OVERHEAD_BYTES) throw new BackupError('TRUNCATED', TRUNCATED)
    const length = readU32(frame)
    // A full frame's length is known; only the last may be shorter.
    if (length !== frame.length - LENGTH_BYTES) {
      throw last && length > frame.length - LENGTH_BYTES && length <= this.chunkBytes + SECRETBOX_OVERHEAD_BYTES
        ? new BackupError('TRUNCATED', TRUNCATED)
        : new BackupError('DAMAGED', first ? WRONG_PASSPHRASE : DAMAGED)
    }
    const box = frame.subarray(LENGTH_BYTES)
    const opened = secretBoxOpenWithNonce(box, nonceOf(index, last), this.key)
    if (opened) return opened
    // Not the last chunk as sealed: more chunks were meant to follow.
    if (last && secretBoxOpenWithNonce(box, nonceOf(index, false), this.key)) throw new BackupError('TRUNCATED', TRUNCATED)
    if (first) throw new BackupError('WRONG_PASSPHRASE', WRONG_PASSPHRASE)
    throw new BackupError('DAMAGED', DAMAGED)
  }

  /** Every record, in order; throws BackupError where the file is not whole.
   *  onProgress: the fraction of the file read (0..1), after each chunk. */
  async * records (onProgress?: (fraction: number) => void): AsyncGenerator<unknown, void, undefined> {
    const decoder = new Decoder({ maxBinLength: MAX_RECORD_BYTES, maxStrLength: MAX_RECORD_BYTES, maxArrayLength: 1_000_000, maxMapLength: 100_000 })
    let buffered: Uint8Array = new Uint8Array(0)
    for (let i = 0; i < this.chunkTotal; i++) {
      buffered = buffered.length > 0 ? concatBytes(buffered, await this.chunk(i)) : await this.chunk(i)
      let at = 0
      while (buffered.length - at >= LENGTH_BYTES) {
        const length = readU32(buffered, at)
        if (length > MAX_RECORD_BYTES) throw new BackupError('DAMAGED', DAMAGED)
        if (buffered.length - at - LENGTH_BYTES < length) break
        let record: unknown
        try {
          record = decoder.decode(buffered.subarray(at + LENGTH_BYTES, at + LENGTH_BYTES + length))
        } catch {
          throw new BackupError('DAMAGED', DAMAGED)
        }
        at += LENGTH_BYTES + length
        yield record
      }
      buffered = buffered.subarray(at)
      onProgress?.((i + 1) / this.chunkTotal)
    }
    // Authenticated, yet ends inside a record: not a file this code wrote.
    if (buffered.length > 0) throw new BackupError('DAMAGED', DAMAGED)
  }
}
