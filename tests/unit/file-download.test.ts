// Fetching a friend's file range by range: every answer checked against what
// was asked (rejected whole otherwise), and a download cut short by a reload
// resuming from the pieces already stored, asking only for the rest.
import { describe, expect, it, vi } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { FriendCache } from '../../client/cache/friend-cache'
import { BAD_PIECE, checkRangeAnswer, FILE_TOO_LARGE, NO_SPACE_HERE } from '../../client/files/file-download'
import { NO_ROOM } from '../../client/browser/no-room'
import type { FriendFeedImpl } from '../../client/friends/friend-feed'
import { bytesEqual } from '../../shared/util/bytes'
import { FILE_RANGE_BYTES, MAX_FILE_BYTES, type SharedItem } from '../../shared/protocol/items'
import { parseFileRangeParams } from '../../shared/protocol/protocol'
import type { NodeSession } from '../../node-tab/node'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { connect, FakeOwner, feedOver, fileItem, person, readBlob, uniqueName, until, type Handlers } from './friend-fixtures'

/** Out of room, in words: "Your browser has no room left for Kith…", then what happened. */
const NO_ROOM_HERE = expect.stringMatching(new RegExp(`^${NO_ROOM}[^]*${NO_SPACE_HERE.replace(/\./g, '\\.')}$`))

const cleanups = cleanupsAfterEach()

const alice = person()
const R = FILE_RANGE_BYTES

function pattern (size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 13 + (i >> 10)) & 0xff
  return bytes
}

/** A feed for Alice's items over `db`, talking to a session with `handlers`. */
async function feedWith (db: ClientDatabase, handlers: () => Handlers): Promise<{ feed: FriendFeedImpl, session: NodeSession }> {
  const { b: session } = await connect(alice, person(), handlers, () => ({}))
  cleanups.push(() => session.rpc.close())
  const feed = feedOver(alice, db, session, { retryBaseMs: 10 })
  cleanups.push(() => feed.close())
  return { feed, session }
}

const database = (name?: string): ClientDatabase => clientDatabase(cleanups, name)

/** An owner sharing one file item, 'f1', with these bytes. */
function ownerWithFile (bytes: Uint8Array): { owner: FakeOwner, bytes: Uint8Array } {
  const owner = new FakeOwner()
  owner.add(fileItem('f1', 1, bytes.length))
  owner.files.set('f1', bytes)
  return { owner, bytes }
}

describe('checkRangeAnswer', () => {
  const asked = { offset: R, length: R, size: R + 10 }
  it('takes exactly the bytes asked for, with the listed size', () => {
    expect(checkRangeAnswer({ bytes: new Uint8Array(10), size: R + 10 }, asked)).toHaveLength(10)
    expect(checkRangeAnswer({ bytes: new Uint8Array(R), size: 3 * R }, { ...asked, size: 3 * R })).toHaveLength(R)
  })

  it('rejects anything else whole, in plain words', () => {
    const hostile: unknown[] = [
      null, 'bytes', [], {},
      { bytes: new Uint8Array(11), size: R + 10 }, // longer than the file's rest
      { bytes: new Uint8Array(9), size: R + 10 }, // shorter
      { bytes: new Uint8Array(R), size: 2 * R }, // another size than listed
      { bytes: new Uint8Array(10), size: String(R + 10) },
      { bytes: Array.from({ length: 10 }, () => 0), size: R + 10 },
      { bytes: new Uint8Array(10) }
    ]
    for (const answer of hostile) {
      expect(() => checkRangeAnswer(answer, asked), JSON.stringify(answer)?.slice(0, 40)).toThrow(BAD_PIECE)
    }
  })
})

describe('FriendFeedImpl.fetchFile in ranges', () => {
  it('asks range by range and assembles the file', async () => {
    const { owner, bytes } = ownerWithFile(pattern(3 * R + 5))
    const db = database()
    const { feed } = await feedWith(db, () => owner.handlers())
    await feed.sync()
    const file = await feed.fetchFile('f1')
    expect(file.size).toBe(bytes.length)
    expect(bytesEqual((await readBlob(file))!, bytes)).toBe(true)
    expect([...owner.rangeCalls].sort((a, b) => a - b)).toEqual([0, R, 2 * R, 3 * R])
    expect(await db.cachedFileChunks.count()).toBe(4)
    expect((await feed.items())[0]!.fileCached).toBe(true)
  })

  for (const [what, answer] of [
    ['more bytes than asked', (bytes: Uint8Array, offset: number) => ({ bytes: new Uint8Array(R + 1), size: bytes.length, offset })],
    ['another size than listed', (bytes: Uint8Array, offset: number) => ({ bytes: bytes.slice(offset, offset + R), size: bytes.length + 1 })],
    ['a size beyond the limit', (bytes: Uint8Array, offset: number) => ({ bytes: bytes.slice(offset, offset + R), size: MAX_FILE_BYTES + 1 })]
  ] as const) {
    it(`rejects a node that answers with ${what}, keeping no file`, async () => {
      const owner = new FakeOwner()
      const bytes = pattern(2 * R)
      owner.add(fileItem('f1', 1, bytes.length))
      const hostile = (): Handlers => ({
        ...owner.handlers(),
        fetchFile: (params) => {
          const { offset } = parseFileRangeParams(params)
          // The second range is the bad one: the first was fine.
          return offset === 0 ? { bytes: bytes.slice(0, R), size: bytes.length } : answer(bytes, offset) as never
        }
      })
      const db = database()
      const { feed } = await feedWith(db, hostile)
      await feed.sync()
      await expect(feed.fetchFile('f1')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: BAD_PIECE })
      expect(await feed.fileBlob('f1')).toBeNull()
      expect((await feed.items())[0]!.fileCached).toBe(false)
      await until(() => feed.state === 'idle')
      expect(feed.lastError).toBe(BAD_PIECE)
      expect(await db.outbox.count()).toBe(0) // dropped: asking again gets the same answer
    })
  }

  it('stops at the first bad range, cancelling the ranges still in flight instead of waiting for them', async () => {
    const owner = new FakeOwner()
    const bytes = pattern(4 * R)
    owner.add(fileItem('f1', 1, bytes.length))
    let cancelled = 0
    const hostile = (): Handlers => ({
      ...owner.handlers(),
      fetchFile: (params, ctx) => {
        const { offset } = parseFileRangeParams(params)
        if (offset === 0) return { bytes: new Uint8Array(1), size: bytes.length } as never
        // The other ranges never come (each would wait a minute for its
        // timeout): only a cancel ends them.
        return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => { cancelled++; reject(new Error('cancelled')) }))
      }
    })
    const { feed } = await feedWith(database(), hostile)
    await feed.sync()
    await expect(feed.fetchFile('f1')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: BAD_PIECE })
    await until(() => cancelled === 3)
  })

  it('refuses a listing that holds a file larger than the limit, and never asks for it', async () => {
    const owner = new FakeOwner()
    owner.add(fileItem('huge', 1, MAX_FILE_BYTES + 1))
    const { feed } = await feedWith(database(), () => owner.handlers())
    await feed.sync()
    expect(await feed.items()).toEqual([])
    expect(feed.lastError).toMatch(/could not be used/)
    await expect(feed.fetchFile('huge')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(owner.rangeCalls).toEqual([])
  })

  it('does not even ask for a cached file whose listed size is beyond the limit', async () => {
    const owner = new FakeOwner()
    const db = database()
    // However it got into the cache (an older version, a bug), it is not fetched.
    await new FriendCache(db).storePage(alice.keyHex, [fileItem('huge', 1, MAX_FILE_BYTES + 1)], null)
    const { feed } = await feedWith(db, () => owner.handlers())
    await expect(feed.fetchFile('huge')).rejects.toMatchObject({ code: 'TOO_LARGE', message: FILE_TOO_LARGE })
    expect(owner.rangeCalls).toEqual([])
  })

  it('stops, saying so plainly, when this device runs out of space', async () => {
    const { owner, bytes } = ownerWithFile(pattern(2 * R))
    const db = database()
    const { feed } = await feedWith(db, () => owner.handlers())
    await feed.sync()
    vi.spyOn(db.cachedFileChunks, 'put').mockRejectedValue(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
    await expect(feed.fetchFile('f1')).rejects.toMatchObject({ code: 'TOO_LARGE', message: NO_ROOM_HERE })
    await until(() => feed.state === 'idle')
    expect(feed.lastError).toEqual(NO_ROOM_HERE)
    expect(await db.outbox.count()).toBe(0)
  })

  it('keeps no half file when space runs out partway', async () => {
    const { owner } = ownerWithFile(pattern(3 * R))
    const db = database()
    const { feed } = await feedWith(db, () => owner.handlers())
    await feed.sync()
    const realPut = db.cachedFileChunks.put.bind(db.cachedFileChunks)
    let puts = 0
    vi.spyOn(db.cachedFileChunks, 'put').mockImplementation(((row: Parameters<typeof realPut>[0]) => {
      if (++puts === 2) return Promise.reject(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
      return realPut(row)
    }) as typeof realPut)
    await expect(feed.fetchFile('f1')).rejects.toMatchObject({ code: 'TOO_LARGE', message: NO_ROOM_HERE })
    expect(puts).toBeGreaterThanOrEqual(2)
    expect(await db.cachedFileChunks.count()).toBe(0)
    expect(await feed.fileBlob('f1')).toBeNull()
  })

  it('fetches an empty file with one call and keeps it', async () => {
    const owner = new FakeOwner()
    owner.add(fileItem('e1', 1, 0))
    owner.files.set('e1', new Uint8Array(0))
    const { feed } = await feedWith(database(), () => owner.handlers())
    await feed.sync()
    expect((await feed.fetchFile('e1')).size).toBe(0)
    expect(owner.rangeCalls).toEqual([0])
    expect((await feed.items())[0]!.fileCached).toBe(true)
  })

  it('resumes after a reload from the pieces already stored, asking only for the rest', async () => {
    const { owner, bytes } = ownerWithFile(pattern(6 * R + 123))
    const name = uniqueName('kith-client')

    // The first tab gets the first two ranges; the others never come back.
    const first = new ClientDatabase(name)
    const honest = owner.handlers()
    const stalling = (): Handlers => ({
      ...honest,
      fetchFile: (params, ctx) => parseFileRangeParams(params).offset < 2 * R ? honest.fetchFile!(params, ctx) : new Promise<never>(() => {})
    })
    const before = await feedWith(first, stalling)
    await before.feed.sync()
    const fractions: number[] = []
    const abandoned = before.feed.fetchFile('f1', (f) => fractions.push(f))
    await until(async () => await first.cachedFileChunks.count() === 2)
    before.feed.close() // the tab goes away mid-download
    await expect(abandoned).rejects.toMatchObject({ code: 'CANCELLED' })
    first.close()
    expect(fractions.at(-1)).toBeCloseTo(2 * R / bytes.length)

    // The next tab: same database, new cache and feed; the queued request goes out.
    owner.rangeCalls = []
    const db = database(name)
    const after = await feedWith(db, () => owner.handlers())
    const resumed: number[] = []
    const file = await after.feed.fetchFile('f1', (f) => resumed.push(f))
    expect([...owner.rangeCalls].sort((a, b) => a - b)).toEqual([2 * R, 3 * R, 4 * R, 5 * R, 6 * R])
    expect(resumed[0]).toBeCloseTo(2 * R / bytes.length) // progress starts where it stopped
    expect(resumed.at(-1)).toBe(1)
    expect(bytesEqual((await readBlob(file))!, bytes)).toBe(true)
    expect(await db.outbox.count()).toBe(0)
  })

  it('keeps no piece of a file deleted by its owner while it was being fetched', async () => {
    const { owner, bytes } = ownerWithFile(pattern(4 * R))
    const db = database()
    let cache: FriendCache | null = null
    const honest = owner.handlers()
    const deleting = (): Handlers => ({
      ...honest,
      fetchFile: async (params, ctx) => {
        // The delete notice arrives while the third range is on its way.
        if (parseFileRangeParams(params).offset === 2 * R) await cache!.applyDeleteNotices(alice.keyHex, ['f1'])
        return honest.fetchFile!(params, ctx)
      }
    })
    const { feed } = await feedWith(db, deleting)
    cache = feed['opts'].cache
    await feed.sync()
    await expect(feed.fetchFile('f1')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await db.cachedFileChunks.count()).toBe(0)
    expect(await db.cachedFiles.count()).toBe(0)
  })
})

describe('the client cache from before pieces', () => {
  it('moves whole cached files (client DB v1) into pieces, keeping every byte', async () => {
    const name = uniqueName('kith-client')
    const v1 = new Dexie(name)
    v1.version(1).stores({ cachedItems: '[owner+id], owner, [owner+updatedAt]', cachedFiles: '[owner+id], owner', syncState: 'owner', outbox: '++seq, &dedupeKey, peer' })
    const bytes = pattern(2 * R + 3)
    const item: SharedItem = fileItem('f1', 1, bytes.length)
    await v1.table('cachedItems').add({ owner: alice.keyHex, id: 'f1', item, updatedAt: 1, cachedAt: 1 })
    await v1.table('cachedFiles').add({ owner: alice.keyHex, id: 'f1', bytes })
    v1.close()

    const db = database(name)
    const cache = new FriendCache(db)
    expect(await db.cachedFileChunks.count()).toBe(3)
    expect((await cache.items(alice.keyHex))[0]!.fileCached).toBe(true)
    expect(bytesEqual((await readBlob(await cache.fileBlob(alice.keyHex, 'f1')))!, bytes)).toBe(true)
  })
})
