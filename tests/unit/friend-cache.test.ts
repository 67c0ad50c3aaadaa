// The friend cache: what a friend's node sends is checked before it is kept,
// syncs are incremental from a cursor, and purging forgets a friend entirely.
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import type { FriendFeedImpl } from '../../client/friends/friend-feed'
import type { SharedItem } from '../../shared/protocol/items'
import type { NodeSession } from '../../node-tab/node'
import { clientDatabase as database, cleanupsAfterEach } from './cleanups'
import { connect, cursorOf, FakeOwner, feedOver, fileItem, note, person, readBlob, storeWholeFile, type Handlers, type Person } from './friend-fixtures'

const cleanups = cleanupsAfterEach()

const clientDatabase = () => database(cleanups)

const alice = person()
const bob = person()

async function ids (cache: FriendCache, owner: Person): Promise<string[]> {
  return (await cache.items(owner.keyHex)).map((item) => item.id)
}

describe('FriendCache', () => {
  it('keeps only valid items, newest first, without extra fields', async () => {
    const cache = new FriendCache(clientDatabase())
    const page = [
      note('n1', 10),
      note('n2', 30),
      { ...note('n3', 20), evil: '<script>' },
      { id: 'bad-id', type: 'note', text: '', createdAt: 1, updatedAt: 1 },
      { id: 'f1', type: 'file', text: 'no meta', createdAt: 1, updatedAt: 1 },
      { id: 't1', type: 'note', text: 'x'.repeat(20_001), createdAt: 1, updatedAt: 1 },
      { id: 'c1', type: 'note', text: '', createdAt: 1.5, updatedAt: 1 },
      { id: 'k1', type: 'poem', text: '', createdAt: 1, updatedAt: 1 },
      null,
      'n4'
    ] as unknown as SharedItem[]
    expect(await cache.storePage(alice.keyHex, page, '30:n2')).toBe(3)
    expect(await ids(cache, alice)).toEqual(['n2', 'n3', 'n1'])
    expect((await cache.items(alice.keyHex))[1]).toEqual({ ...note('n3', 20), fileCached: false })
    expect(await cache.cursor(alice.keyHex)).toBe('30:n2')
    // A malformed cursor from the friend is not stored.
    await cache.storePage(alice.keyHex, [], '../../etc')
    expect(await cache.cursor(alice.keyHex)).toBe('30:n2')
  })

  it('never replaces a newer version with an older one, and drops file bytes when the file changed', async () => {
    const cache = new FriendCache(clientDatabase())
    const file: SharedItem = { id: 'p1', type: 'file', text: 'v2', createdAt: 1, updatedAt: 5, file: { name: 'a.jpg', mime: 'image/jpeg', size: 3 } }
    await cache.storePage(alice.keyHex, [file], null)
    expect(await storeWholeFile(cache, alice.keyHex, 'p1', new Uint8Array([1, 2, 3]))).toBe(true)
    await cache.storePage(alice.keyHex, [{ ...file, text: 'v1', updatedAt: 4 }], null)
    expect((await cache.items(alice.keyHex))[0]).toMatchObject({ text: 'v2', fileCached: true })
    // Only the caption changed: the bytes are still good.
    await cache.storePage(alice.keyHex, [{ ...file, text: 'v3', updatedAt: 6 }], null)
    expect((await cache.items(alice.keyHex))[0]).toMatchObject({ text: 'v3', fileCached: true })
    await cache.storePage(alice.keyHex, [{ ...file, updatedAt: 7, file: { name: 'b.jpg', mime: 'image/jpeg', size: 4 } }], null)
    expect((await cache.items(alice.keyHex))[0]).toMatchObject({ fileCached: false })
    expect(await cache.fileBlob(alice.keyHex, 'p1')).toBeNull()
    expect(await cache['db'].cachedFileChunks.count()).toBe(0)
  })

  it('does not keep file bytes for an item it does not hold', async () => {
    const cache = new FriendCache(clientDatabase())
    expect(await storeWholeFile(cache, alice.keyHex, 'ghost', new Uint8Array([1]))).toBe(false)
    expect(await cache.storePiece(alice.keyHex, 'ghost', 1, 0, new Uint8Array([1]))).toBe(false)
    expect(await cache.fileBlob(alice.keyHex, 'ghost')).toBeNull()
    // Nor for a note, nor with a size other than the listed one.
    await cache.storePage(alice.keyHex, [note('n1', 1), fileItem('f1', 2, 3)], null)
    expect(await cache.beginFile(alice.keyHex, 'n1')).toBeNull()
    expect(await cache.beginFile(alice.keyHex, 'f1')).toMatchObject({ size: 3, pieces: 1 })
    expect(await cache.storePiece(alice.keyHex, 'f1', 4, 0, new Uint8Array(4))).toBe(false)
    expect(await cache.completeFile(alice.keyHex, 'f1', 3)).toBe(false) // no piece yet
    expect(await cache['db'].cachedFileChunks.count()).toBe(0)
  })

  it('does not let a page requested before a delete notice bring the item back', async () => {
    const cache = new FriendCache(clientDatabase())
    await cache.storePage(alice.keyHex, [note('a1', 1)], null)
    const mark = cache.deletionMark(alice.keyHex)
    await cache.applyDeleteNotices(alice.keyHex, ['a1'])
    await cache.storePage(alice.keyHex, [note('a1', 1), note('a2', 2)], '2:a2', mark)
    expect(await ids(cache, alice)).toEqual(['a2'])
    // A page requested after the deletion may hold it again (e.g. shared anew).
    await cache.storePage(alice.keyHex, [note('a1', 3)], '3:a1', cache.deletionMark(alice.keyHex))
    expect(await ids(cache, alice)).toEqual(['a1', 'a2'])
    expect(cache.pagesInFlight.openOwners).toBe(0)
  })

  it('a flood of made-up notices from another peer cannot undo an owner’s deletion', async () => {
    const cache = new FriendCache(clientDatabase())
    await cache.storePage(alice.keyHex, [note('a1', 1)], null)
    const mark = cache.deletionMark(alice.keyHex)
    await cache.applyDeleteNotices(alice.keyHex, ['a1'])
    // Mallory (any authenticated peer) sends 40 batches of 500 made-up ids.
    const mallory = person()
    for (let batch = 0; batch < 40; batch++) {
      await cache.applyDeleteNotices(mallory.keyHex, Array.from({ length: 500 }, (_, i) => `m${batch}x${i}`))
    }
    // Alice's page, asked for before her notice, arrives now.
    await cache.storePage(alice.keyHex, [note('a1', 1), note('a2', 2)], '2:a2', mark)
    expect(await ids(cache, alice)).toEqual(['a2'])
    // Nothing was remembered for Mallory: no page of hers was in flight.
    expect(cache.pagesInFlight.openOwners).toBe(0)
  })

  it('an owner flooding their own notices only spoils their own page, which is asked again', async () => {
    const cache = new FriendCache(clientDatabase())
    await cache.storePage(alice.keyHex, [note('a1', 1)], '1:a1')
    const mark = cache.deletionMark(alice.keyHex)
    await cache.applyDeleteNotices(alice.keyHex, ['a1'])
    for (let batch = 0; batch < 25; batch++) {
      await cache.applyDeleteNotices(alice.keyHex, Array.from({ length: 500 }, (_, i) => `a${batch}x${i}`))
    }
    expect(await cache.storePage(alice.keyHex, [note('a1', 1), note('a2', 2)], '2:a2', mark)).toBe(0)
    expect(await ids(cache, alice)).toEqual([])
    expect(await cache.cursor(alice.keyHex)).toBe('1:a1')
  })

  it('purges one friend (items, files, cursor) or everyone', async () => {
    const cache = new FriendCache(clientDatabase())
    await cache.storePage(alice.keyHex, [fileItem('a1', 1, 1)], '1:a1')
    await cache.storePage(bob.keyHex, [fileItem('b1', 1, 1)], '1:b1')
    expect(await storeWholeFile(cache, alice.keyHex, 'a1', new Uint8Array([9]))).toBe(true)
    expect(await storeWholeFile(cache, bob.keyHex, 'b1', new Uint8Array([8]))).toBe(true)
    await cache.purge(alice.keyHex)
    expect(await ids(cache, alice)).toEqual([])
    expect(await cache.fileBlob(alice.keyHex, 'a1')).toBeNull()
    expect(await cache.cursor(alice.keyHex)).toBeNull()
    expect(await ids(cache, bob)).toEqual(['b1'])
    expect(await readBlob(await cache.fileBlob(bob.keyHex, 'b1'))).toEqual(new Uint8Array([8]))
    expect(await cache['db'].cachedFileChunks.count()).toBe(1)
    await cache.purgeAll()
    expect(await ids(cache, bob)).toEqual([])
    expect(await cache.fileBlob(bob.keyHex, 'b1')).toBeNull()
    expect(await cache['db'].cachedFileChunks.count()).toBe(0)
    expect(await cache.cursor(bob.keyHex)).toBeNull()
  })
})

describe('FriendFeedImpl sync', () => {
  async function setUp (handlers?: () => Handlers): Promise<{ owner: FakeOwner, feed: FriendFeedImpl, cache: FriendCache, session: NodeSession }> {
    const friend = person()
    const owner = new FakeOwner()
    const db = clientDatabase()
    const cache = new FriendCache(db)
    const { b: session } = await connect(alice, friend, handlers ?? (() => owner.handlers()), () => ({}))
    cleanups.push(() => session.rpc.close())
    const feed = feedOver(alice, db, session, { cache })
    cleanups.push(() => feed.close())
    return { owner, feed, cache, session }
  }

  it('fetches everything in pages, then only what changed since the cursor', async () => {
    const { owner, feed, cache } = await setUp()
    owner.add(...Array.from({ length: 250 }, (_, i) => note(`n${i}`, 1000 + i)))
    await feed.sync()
    expect(feed.state).toBe('idle')
    expect(owner.served).toEqual([100, 100, 50])
    expect(owner.listCalls[0]).toBeUndefined()
    expect((await feed.items()).length).toBe(250)
    expect(feed.lastSyncAt).not.toBeNull()
    const cursor = await cache.cursor(alice.keyHex)
    expect(cursor).toBe(cursorOf(note('n249', 1249)))

    owner.add({ ...note('n7', 1007, 'edited'), updatedAt: 5000 }, note('new', 6000))
    await feed.sync()
    expect(owner.listCalls.at(-1)).toBe(cursor)
    expect(owner.served.slice(3)).toEqual([2])
    const items = await feed.items()
    expect(items.length).toBe(251)
    expect(items[0]!.id).toBe('new')
    expect(items.find((item) => item.id === 'n7')!.text).toBe('edited')

    await feed.sync() // nothing changed: one empty page, cursor kept
    expect(owner.served.at(-1)).toBe(0)
    expect(await cache.cursor(alice.keyHex)).toBe(cursorOf(note('new', 6000)))
  })

  it('after purge the next sync is a full fetch', async () => {
    const { owner, feed } = await setUp()
    owner.add(note('a1', 1), note('a2', 2))
    await feed.sync()
    await feed.purge()
    expect(await feed.items()).toEqual([])
    expect(feed.lastSyncAt).toBeNull()
    await feed.sync()
    expect(owner.listCalls.at(-1)).toBeUndefined()
    expect((await feed.items()).map((item) => item.id)).toEqual(['a2', 'a1'])
  })

  it('says plainly when the friend no longer shares, and announces every change', async () => {
    const { owner, feed } = await setUp()
    owner.refuse = true
    const seen: string[] = []
    feed.addEventListener('change', () => seen.push(feed.state))
    await feed.sync()
    expect(feed.state).toBe('not-a-friend')
    expect(feed.lastError).toBe('This person no longer shares with you.')
    expect(seen).toContain('syncing')
    expect(seen.at(-1)).toBe('not-a-friend')
    await expect(feed.fetchFile('x1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('stops paging when a node keeps saying "not done" without moving its cursor', async () => {
    let calls = 0
    const { feed } = await setUp(() => ({
      listItems: () => { calls++; return { items: [note('a1', 1)], cursor: '1:a1', done: false } }
    }))
    await feed.sync()
    expect(calls).toBe(2)
    expect(feed.state).toBe('idle')
    expect((await feed.items()).map((item) => item.id)).toEqual(['a1'])
  })
})
