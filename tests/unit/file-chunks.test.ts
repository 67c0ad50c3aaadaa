// Files stored in pieces on the owner's node: written slice by slice, read
// back by range from only the pieces under it, deleted whole, never left as
// half an item, and carried over from the schema that kept files whole.
import { describe, expect, it, vi } from 'vitest'
import { bytesEqual } from '../../shared/util/bytes'
import { MAX_FILE_RANGE_BYTES, type Audience, type NewItem } from '../../shared/protocol/items'
import { NodeDatabase } from '../../node-tab/storage/db'
import { FILE_CHUNK_BYTES, NO_SPACE, NO_SPACE_FOR_ITEM, UNREADABLE } from '../../node-tab/storage/file-chunks'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { befriend, collectRange, kithError, oldDatabase, person, setup } from './store-fixtures'
import type { ByteStream } from '../../shared/wire/byte-stream'

const MiB = 1024 * 1024
function pattern (size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff
  return bytes
}
/** toEqual walks megabytes element by element: slow. */
const same = (a: Uint8Array, b: Uint8Array): void => { expect(a.length).toBe(b.length); expect(bytesEqual(a, b)).toBe(true) }
const fileOf = (bytes: Uint8Array, audience: Audience = { kind: 'friends' }): NewItem =>
  ({ type: 'file', text: '', audience, file: { name: 'big.bin', mime: 'application/octet-stream', content: new Blob([bytes as Uint8Array<ArrayBuffer>]) } })
const read = async (blob: Blob | null): Promise<Uint8Array> => new Uint8Array(await blob!.arrayBuffer())
/** A save that failed left no half item: no item row, no piece. */
async function expectNothingSaved (db: NodeDatabase): Promise<void> {
  expect(await db.items.count()).toBe(0)
  expect(await db.fileChunks.count()).toBe(0)
}

async function withFriend () {
  const s = setup()
  const b = person('B')
  await befriend(s.friends, b)
  return { ...s, b }
}

describe('a file in pieces on the node', () => {
  it('is written in pieces of 1 MiB, with progress, and read back whole by the owner', async () => {
    const { items, db } = setup()
    const bytes = pattern(2.5 * MiB)
    const fractions: number[] = []
    const row = await items.create(fileOf(bytes), (f) => fractions.push(f))
    expect(row.file!.size).toBe(bytes.length)
    const pieces = await db.fileChunks.where('itemId').equals(row.id).toArray()
    expect(pieces.map((p) => [p.index, p.data.size])).toEqual([[0, MiB], [1, MiB], [2, MiB / 2]])
    expect(fractions.at(-1)).toBe(1)
    same(await read(await items.fileBlob(row.id)), bytes)
  })

  /** What the RPC layer does with a streamed answer: pull until it is all
   *  there, with the room the budgets give (a chunk's, or the source's
   *  preferred read). Returns the bytes and how many pulls they took. */
  async function collect (stream: ByteStream, roomy = false): Promise<Uint8Array> {
    return (await pulls(stream, roomy)).bytes
  }
  async function pulls (stream: ByteStream, roomy: boolean): Promise<{ bytes: Uint8Array, count: number }> {
    const out = new Uint8Array(stream.totalBytes)
    let count = 0
    for (let at = 0; at < out.length; count++) {
      const wanted = 64 * 1024
      const room = roomy ? Math.max(wanted, Math.min(stream.readBytes ?? 0, out.length - at)) : wanted
      const piece = await stream.pull(wanted, room)
      expect(piece.length).toBeGreaterThan(0)
      expect(piece.length).toBeLessThanOrEqual(room) // never more than the room given, never the whole range unasked
      out.set(piece, at)
      at += piece.length
    }
    return { bytes: out, count }
  }

  it('answers a friend’s range from the pieces under it, across piece boundaries and to the end', async () => {
    const { items, b } = await withFriend()
    const bytes = pattern(2 * MiB + 100)
    const { id } = await items.create(fileOf(bytes))
    const ranges: Array<[number, number]> = [
      [0, 10], [MiB - 5, 10], [MiB - 1, MAX_FILE_RANGE_BYTES], [2 * MiB, MAX_FILE_RANGE_BYTES], [2 * MiB + 99, 5], [123_456, 1]
    ]
    for (const [offset, length] of ranges) {
      for (const roomy of [false, true]) {
        const answer = await items.fileRangeForFriend(b.key, { id, offset, length })
        expect(answer.size).toBe(bytes.length)
        same(await collect(answer.bytes, roomy), bytes.slice(offset, offset + length))
      }
    }
    // Given room for a stored piece, a range of one piece is read at once
    // (one storage round trip), not a chunk at a time.
    const aligned = await pulls((await items.fileRangeForFriend(b.key, { id, offset: MiB, length: MiB })).bytes, true)
    expect(aligned.count).toBe(1)
    same(aligned.bytes, bytes.slice(MiB, 2 * MiB))
    const chunked = await pulls((await items.fileRangeForFriend(b.key, { id, offset: MiB, length: MiB })).bytes, false)
    expect(chunked.count).toBe(16)
    // Past the end: refused, in words.
    const past = await kithError(items.fileRangeForFriend(b.key, { id, offset: bytes.length, length: 1 }), 'BAD_REQUEST')
    expect(past.message).toMatch(/past the end of the file/)
  })

  it('reads only the pieces a range covers', async () => {
    const { items, db, b } = await withFriend()
    const { id } = await items.create(fileOf(pattern(4 * MiB)))
    // Had the whole file been read, a missing far-away piece would be noticed.
    await db.fileChunks.delete([id, 0])
    await expect(items.fileRangeForFriend(b.key, { id, offset: 3 * MiB - 10, length: 20 })).resolves.toMatchObject({ size: 4 * MiB })
    await kithError(items.fileRangeForFriend(b.key, { id, offset: 10, length: 20 }), 'INTERNAL')
  })

  it('keeps an empty file as an item with no pieces', async () => {
    const { items, db, b } = await withFriend()
    const { id } = await items.create(fileOf(new Uint8Array(0)))
    expect(await db.fileChunks.count()).toBe(0)
    expect(await collectRange(items.fileRangeForFriend(b.key, { id, offset: 0, length: 10 }))).toEqual({ bytes: new Uint8Array(0), size: 0 })
    expect((await items.fileBlob(id))!.size).toBe(0)
  })

  it('deletes every piece with the item', async () => {
    const { items, db } = setup()
    const keep = await items.create(fileOf(pattern(MiB + 1)))
    const gone = await items.create(fileOf(pattern(3 * MiB)))
    await items.delete(gone.id)
    expect(await db.fileChunks.where('itemId').equals(gone.id).count()).toBe(0)
    expect(await db.fileChunks.where('itemId').equals(keep.id).count()).toBe(2)
    expect(await items.fileBlob(gone.id)).toBeNull()
  })

  it('leaves no half item when saving fails halfway, and says so plainly when space runs out', async () => {
    const { items, db } = setup()
    const realBulkPut = db.fileChunks.bulkPut.bind(db.fileChunks)
    let calls = 0
    const spy = vi.spyOn(db.fileChunks, 'bulkPut').mockImplementation(((rows: Parameters<typeof realBulkPut>[0]) => {
      if (++calls === 2) return Promise.reject(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))
      return realBulkPut(rows)
    }) as typeof realBulkPut)
    const err = await kithError(items.create(fileOf(pattern(6 * MiB))), 'TOO_LARGE')
    expect(err.message).toBe(NO_SPACE)
    spy.mockRestore()
    await expectNothingSaved(db)
  })

  it('a picked file changed or deleted on disk halfway through the save: no half item, and a message that says to choose it again', async () => {
    const { items, db } = setup()
    // A Blob standing for a file on disk: its slices read until the file goes away under them.
    class FileOnDisk extends Blob {
      constructor (private readonly content: Uint8Array<ArrayBuffer>, private readonly readable: () => boolean) { super([content]) }
      override slice (start?: number, end?: number): Blob {
        const bytes = this.content.subarray(start, end)
        const readable = this.readable
        return new (class extends Blob {
          override async arrayBuffer (): Promise<ArrayBuffer> {
            if (!readable()) throw new DOMException('The file could not be read', 'NotReadableError')
            return await super.arrayBuffer()
          }
        })([bytes])
      }
    }
    let reads = 0
    const content = new FileOnDisk(pattern(9 * MiB) as Uint8Array<ArrayBuffer>, () => ++reads <= 4)
    const err = await kithError(items.create({ type: 'file', text: '', audience: { kind: 'friends' }, file: { name: 'a.png', mime: 'image/png', content } }), 'BAD_REQUEST')
    expect(err.message).toBe(UNREADABLE)
    await expectNothingSaved(db)
  })

  it('stores each piece as bytes of its own, not as a slice of the picked file (which Chromium stores as a reference to it)', async () => {
    const { items, db } = setup()
    const bytes = pattern(3 * MiB)
    const content = new Blob([bytes as Uint8Array<ArrayBuffer>])
    const slices: Blob[] = []
    const realSlice = content.slice.bind(content)
    content.slice = (start?: number, end?: number) => { const piece = realSlice(start, end); slices.push(piece); return piece }
    const putRows: unknown[] = []
    const realBulkPut = db.fileChunks.bulkPut.bind(db.fileChunks)
    const spy = vi.spyOn(db.fileChunks, 'bulkPut').mockImplementation(((rows: Parameters<typeof realBulkPut>[0]) => {
      putRows.push(...rows.map((row) => row.data))
      return realBulkPut(rows)
    }) as typeof realBulkPut)
    const item = await items.create({ type: 'file', text: '', audience: { kind: 'friends' }, file: { name: 'a.bin', mime: 'application/octet-stream', content } })
    spy.mockRestore()
    expect(putRows).toHaveLength(3)
    for (const data of putRows) expect(slices).not.toContain(data)
    same(await read(await items.fileBlob(item.id)), bytes)
  })

  it('leaves no half item when space runs out writing the item itself, and says so plainly', async () => {
    const { items, db } = setup()
    const spy = vi.spyOn(db.items, 'add').mockRejectedValue(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))
    const err = await kithError(items.create(fileOf(pattern(2 * MiB))), 'TOO_LARGE')
    expect(err.message).toBe(NO_SPACE)
    const note = await kithError(items.create({ type: 'note', text: 'hi', audience: { kind: 'me' } }), 'TOO_LARGE')
    expect(note.message).toBe(NO_SPACE_FOR_ITEM)
    spy.mockRestore()
    await expectNothingSaved(db)
  })

  it('removes pieces left by a save that never finished (a crash), but not those of a save in progress', async () => {
    const { db, clock } = setup()
    const items = new ItemsStore(db, clock.now)
    const kept = await items.create(fileOf(pattern(10)))
    // A crash after the pieces, before the item row: pieces with no item.
    await db.fileChunks.bulkAdd([{ itemId: 'CrashedItem1', index: 0, data: new Blob(['a']) }, { itemId: 'CrashedItem1', index: 1, data: new Blob(['b']) }])
    // A save running now, in this tab.
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const slow = new Blob([pattern(2 * MiB) as Uint8Array<ArrayBuffer>])
    const realBulkPut = db.fileChunks.bulkPut.bind(db.fileChunks)
    const spy = vi.spyOn(db.fileChunks, 'bulkPut').mockImplementation((async (rows: Parameters<typeof realBulkPut>[0]) => {
      const result = await realBulkPut(rows)
      await gate
      return result
    }) as typeof realBulkPut)
    const saving = items.create({ type: 'file', text: '', audience: { kind: 'me' }, file: { name: 's', mime: 'a/b', content: slow } })
    await vi.waitFor(async () => expect(await db.fileChunks.count()).toBe(5))

    expect(await items.removeOrphanChunks()).toBe(1)
    expect(await db.fileChunks.where('itemId').equals('CrashedItem1').count()).toBe(0)
    release()
    const saved = await saving
    spy.mockRestore()
    expect((await items.fileBlob(saved.id))!.size).toBe(2 * MiB)
    expect((await items.fileBlob(kept.id))!.size).toBe(10)
  })

  it('moves files kept whole by schema v2 into pieces, keeping every byte', async () => {
    const name = `t-upgrade-${Math.random().toString(36).slice(2)}`
    const v2 = oldDatabase(name, 2)
    const big = pattern(FILE_CHUNK_BYTES * 2 + 7)
    const small = pattern(5)
    const file = (id: string, size: number) => ({ id, type: 'file', text: '', createdAt: 1, updatedAt: 1, audience: { kind: 'friends' }, file: { name: `${id}.bin`, mime: 'x/y', size } })
    await v2.table('items').bulkAdd([file('Big1', big.length), file('Small1', small.length)])
    await v2.table('blobs').bulkAdd([{ itemId: 'Big1', bytes: big }, { itemId: 'Small1', bytes: small }])
    v2.close()

    const db = new NodeDatabase(name)
    try {
      const items = new ItemsStore(db)
      expect(db.tables.map((t) => t.name)).not.toContain('blobs')
      expect(await db.fileChunks.where('itemId').equals('Big1').count()).toBe(3)
      same(await read(await items.fileBlob('Big1')), big)
      same(await read(await items.fileBlob('Small1')), small)
    } finally {
      await db.delete()
    }
  })
})
