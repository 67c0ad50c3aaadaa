// The backup file format: what goes in comes out, and every way a file can be
// wrong (passphrase, cut short, altered, reordered, from a newer version,
// hostile parameters) is refused in words before anything is used.
import { describe, expect, it } from 'vitest'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { BackupError, BackupReader, BackupWriter, BACKUP_MAGIC, bytesSource, checkScryptParams, MAX_HEADER_BYTES, MAX_RECORD_BYTES, type ScryptParams } from '../../shared/backup/backup-format'
import { concatBytes, fromBase64, fromUtf8, uint32BE, utf8 } from '../../shared/util/bytes'
import { secretBoxWithNonce } from '../../shared/crypto/crypto'

// Cheap KDF settings and small chunks, so a test file has many chunks.
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const CHUNK = 1024

async function makeBackup (records: unknown[], passphrase = 'correct horse'): Promise<Uint8Array> {
  const writer = await BackupWriter.create(passphrase, { kdf: FAST, chunkBytes: CHUNK })
  const parts = [writer.header]
  for (const r of records) parts.push(...writer.write(r))
  parts.push(...writer.finish())
  return concatBytes(...parts)
}

async function readAll (bytes: Uint8Array, passphrase = 'correct horse'): Promise<unknown[]> {
  const reader = await BackupReader.open(bytesSource(bytes), passphrase)
  const out: unknown[] = []
  for await (const r of reader.records()) out.push(r)
  return out
}

async function failure (p: Promise<unknown>): Promise<BackupError> {
  const err = await p.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(BackupError)
  return err as BackupError
}

const RECORDS = [
  { t: 'meta', version: 1 },
  { t: 'row', table: 'items', row: { id: 'a', text: 'hello', n: 3 } },
  { t: 'piece', itemId: 'a', index: 0, bytes: new Uint8Array(3000).map((_, i) => i % 251) },
  { t: 'row', table: 'friends', row: { key: 'ff', name: 'Bob' } },
  { t: 'end', rows: 2 }
]

/** Where the header ends and the first frame begins. */
function bodyStart (bytes: Uint8Array): number {
  return BACKUP_MAGIC.length + 4 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(BACKUP_MAGIC.length)
}

describe('backup format', () => {
  it('gives back every record in order, across many chunks', async () => {
    const bytes = await makeBackup(RECORDS)
    expect(bytes.length).toBeGreaterThan(3 * CHUNK)
    expect(await readAll(bytes)).toEqual(RECORDS)
  })

  it('keeps the content secret: no plaintext in the file', async () => {
    const bytes = await makeBackup([{ text: 'a very secret note' }])
    expect(new TextDecoder().decode(bytes.subarray(bodyStart(bytes)))).not.toContain('secret note')
  })

  it('opens an empty backup and a record exactly one chunk long', async () => {
    expect(await readAll(await makeBackup([]))).toEqual([])
    const exact = [new Uint8Array(CHUNK - 4 - 3)] // with its length prefix and msgpack's bin header: one chunk
    expect(await readAll(await makeBackup(exact))).toEqual(exact)
  })

  it('refuses a wrong passphrase, in words, before reading records', async () => {
    const err = await failure(readAll(await makeBackup(RECORDS), 'wrong horse'))
    expect(err.code).toBe('WRONG_PASSPHRASE')
    expect(err.message).toMatch(/passphrase is wrong/)
  })

  it('refuses a file cut short at any offset', async () => {
    const bytes = await makeBackup(RECORDS)
    const start = bodyStart(bytes)
    const frame = 4 + CHUNK + 16
    const cuts = [3, 10, start - 1, start, start + 2, start + 30, start + frame, start + frame + 1, start + 2 * frame, bytes.length - 1]
    for (const cut of cuts) {
      const err = await failure(readAll(bytes.slice(0, cut)))
      expect([cut, err.code]).toEqual([cut, cut < BACKUP_MAGIC.length + 4 ? 'NOT_A_BACKUP' : 'TRUNCATED'])
    }
  })

  it('says a file cut exactly between two chunks is incomplete', async () => {
    const bytes = await makeBackup(RECORDS)
    const err = await failure(readAll(bytes.slice(0, bodyStart(bytes) + 2 * (4 + CHUNK + 16))))
    expect(err.code).toBe('TRUNCATED')
    expect(err.message).toMatch(/incomplete/)
  })

  it('refuses a file with one byte changed anywhere in it', async () => {
    const bytes = await makeBackup(RECORDS)
    const start = bodyStart(bytes)
    for (const at of [BACKUP_MAGIC.length + 6, start - 3, start + 1, start + 40, start + 4 + CHUNK + 16 + 100, bytes.length - 1]) {
      const bad = bytes.slice()
      bad[at]! ^= 0x01
      const err = await failure(readAll(bad))
      expect(['NOT_A_BACKUP', 'WRONG_PASSPHRASE', 'DAMAGED', 'TRUNCATED']).toContain(err.code)
    }
  })

  it('refuses chunks in another order', async () => {
    const bytes = await makeBackup(RECORDS)
    const start = bodyStart(bytes)
    const frame = 4 + CHUNK + 16
    const first = bytes.slice(start, start + frame)
    const second = bytes.slice(start + frame, start + 2 * frame)
    const swapped = concatBytes(bytes.subarray(0, start), second, first, bytes.subarray(start + 2 * frame))
    const err = await failure(readAll(swapped))
    expect(err.code).toBe('WRONG_PASSPHRASE') // the first chunk no longer opens
    const swappedLater = concatBytes(bytes.subarray(0, start + frame), bytes.subarray(start + 2 * frame, start + 3 * frame), second, bytes.subarray(start + 3 * frame))
    expect((await failure(readAll(swappedLater))).code).toBe('DAMAGED')
  })

  function withHeader (bytes: Uint8Array, change: (h: Record<string, unknown>) => void): Uint8Array {
    const start = bodyStart(bytes)
    const header = JSON.parse(fromUtf8(bytes.subarray(BACKUP_MAGIC.length + 4, start))) as Record<string, unknown>
    change(header)
    const text = utf8(JSON.stringify(header))
    return concatBytes(BACKUP_MAGIC, uint32BE(text.length), text, bytes.subarray(start))
  }

  it('says a file from a newer version needs a newer Kith', async () => {
    const bytes = withHeader(await makeBackup(RECORDS), (h) => { h.version = 2 })
    const err = await failure(readAll(bytes))
    expect(err.code).toBe('NEWER_VERSION')
    expect(err.message).toMatch(/newer version of Kith/)
  })

  it('refuses a header changed to other (valid) settings: the key depends on it', async () => {
    const bytes = withHeader(await makeBackup(RECORDS), (h) => { h.createdAt = 1 })
    expect((await failure(readAll(bytes))).code).toBe('WRONG_PASSPHRASE')
  })

  it('refuses hostile key-derivation settings before running them', async () => {
    const bytes = await makeBackup(RECORDS)
    for (const kdf of [{ N: 2 ** 24, r: 8, p: 1 }, { N: 2 ** 18, r: 16, p: 1 }, { N: 2 ** 14, r: 8, p: 1000 }, { N: 1000, r: 8, p: 1 }, { N: 2, r: 1, p: 1 }, { N: 2 ** 14, r: -1, p: 1 }]) {
      const bad = withHeader(bytes, (h) => { h.kdf = { name: 'scrypt', ...kdf } })
      expect((await failure(readAll(bad))).code).toBe('UNSAFE_PARAMETERS')
    }
    expect(() => checkScryptParams({ N: 2 ** 17, r: 8, p: 1 })).not.toThrow()
  })

  it('refuses an oversized or malformed header without reading it', async () => {
    const big = concatBytes(BACKUP_MAGIC, uint32BE(MAX_HEADER_BYTES + 1), new Uint8Array(16))
    expect((await failure(readAll(big))).code).toBe('NOT_A_BACKUP')
    const junk = utf8('{not json')
    expect((await failure(readAll(concatBytes(BACKUP_MAGIC, uint32BE(junk.length), junk)))).code).toBe('NOT_A_BACKUP')
    expect((await failure(readAll(utf8('PK\u0003\u0004 a zip file, not a backup')))).code).toBe('NOT_A_BACKUP')
    const huge = withHeader(await makeBackup([]), (h) => { h.chunkBytes = 2 ** 30 })
    expect((await failure(readAll(huge))).code).toBe('NOT_A_BACKUP')
  })

  it('refuses a record claiming more than a record may hold, before reading on', async () => {
    // A file sealed properly (its maker knew the passphrase) whose plaintext
    // claims a 4 GiB record, then goes on for chunks: refused at the claim,
    // not buffered chunk after chunk.
    const writer = await BackupWriter.create('correct horse', { kdf: FAST, chunkBytes: CHUNK })
    const headerBytes = writer.header.subarray(BACKUP_MAGIC.length + 4)
    const header = JSON.parse(fromUtf8(headerBytes)) as { salt: string }
    const key = hmac(sha256, await scryptAsync(utf8('correct horse'), fromBase64(header.salt), { ...FAST, dkLen: 32 }), headerBytes)
    const frames: Uint8Array[] = []
    const CHUNKS = 6
    for (let i = 0; i < CHUNKS; i++) {
      const nonce = new Uint8Array(24)
      nonce[7] = i
      nonce[8] = i === CHUNKS - 1 ? 1 : 0
      const plain = new Uint8Array(CHUNK)
      if (i === 0) plain.set(uint32BE(0xffffffff))
      const box = secretBoxWithNonce(plain, nonce, key)
      frames.push(uint32BE(box.length), box)
    }
    const file = concatBytes(writer.header, ...frames)
    let furthest = 0
    const source = bytesSource(file)
    const counting = { size: source.size, read: async (offset: number, length: number) => { furthest = Math.max(furthest, offset + length); return source.read(offset, length) } }
    const reader = await BackupReader.open(counting, 'correct horse')
    const err = await (async () => { for await (const _ of reader.records()) { /* none */ } })().then(() => null, (e: unknown) => e)
    expect((err as BackupError).code).toBe('DAMAGED')
    expect(furthest).toBe(writer.header.length + 4 + CHUNK + 16) // the first chunk only
    expect(MAX_RECORD_BYTES).toBeLessThan(0xffffffff)
  })

  it('refuses to write without a passphrase', async () => {
    await expect(BackupWriter.create('', { kdf: FAST })).rejects.toThrow(/passphrase/)
  })
})
