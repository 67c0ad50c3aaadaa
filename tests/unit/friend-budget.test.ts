// Each friend's copies stay within a budget of their own: counters kept in
// the same transactions as the rows, recounted when an old database has
// none, the least recently updated items (and their files) going first, and
// the friend's page told so.
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import { itemBytes } from '../../client/cache/friend-budget'
import type { ClientDatabase } from '../../client/cache/db'
import { leftOutLine } from '../../client/friends/friend-status'
import type { SharedItem } from '../../shared/protocol/items'
import { clientDatabase as database, cleanupsAfterEach } from './cleanups'
import { connect, cursorOf, FakeOwner, feedOver, fileItem, note, person, storeWholeFile, until } from './friend-fixtures'

const cleanups = cleanupsAfterEach()
const clientDatabase = (): ClientDatabase => database(cleanups)

const alice = person()
const bob = person()

/** What the rows weigh, counted from scratch. */
async function counted (db: ClientDatabase, owner: string): Promise<{ items: number, bytes: number }> {
  const rows = await db.cachedItems.where('owner').equals(owner).toArray()
  return { items: rows.length, bytes: rows.reduce((sum, row) => sum + itemBytes(row.item), 0) }
}

async function ids (cache: FriendCache, owner: string): Promise<string[]> {
  return (await cache.items(owner)).map((item) => item.id).sort()
}

const sized = (id: string, at: number, chars: number): SharedItem => note(id, at, 'x'.repeat(chars))

describe('a friend’s budget in the cache', () => {
  it('weighs an item by its strings as UTF-8 plus a row’s fixed part', () => {
    const plain = itemBytes({ id: 'a', type: 'note', text: '', createdAt: 1, updatedAt: 1 })
    expect(itemBytes({ id: 'a', type: 'note', text: 'abc', createdAt: 1, updatedAt: 1 }) - plain).toBe(3)
    expect(itemBytes({ id: 'a', type: 'note', text: 'é€😀', createdAt: 1, updatedAt: 1 }) - plain).toBe(2 + 3 + 4)
    expect(itemBytes({ ...fileItem('a', 1, 5), text: '' }) - plain).toBe('a.bin'.length + 'application/octet-stream'.length)
  })

  it('keeps its counters with every page, edit, delete notice and purge, equal to the rows', async () => {
    const db = clientDatabase()
    const cache = new FriendCache(db)
    await cache.storePage(alice.keyHex, [sized('a1', 1, 100), sized('a2', 2, 200)], null)
    await cache.storePage(alice.keyHex, [sized('a1', 3, 1000), sized('a3', 4, 10)], null) // an edit and a new one
    await cache.storePage(alice.keyHex, [sized('a3', 2, 5000)], null) // an older version: not kept
    await cache.storePage(alice.keyHex, [sized('a4', 5, 7), sized('a4', 6, 9)], null) // one id twice in a page
    expect(await cache.usage(alice.keyHex)).toEqual(await counted(db, alice.keyHex))
    expect((await cache.usage(alice.keyHex)).items).toBe(4)
    // The counters are stored, not recounted.
    expect((await db.syncState.get(alice.keyHex))?.usage).toEqual(await counted(db, alice.keyHex))

    await cache.applyDeleteNotices(alice.keyHex, ['a2', 'a2', 'nothere'])
    expect((await db.syncState.get(alice.keyHex))?.usage).toEqual(await counted(db, alice.keyHex))
    await cache.applyDeleteNotices(bob.keyHex, ['a1'])
    expect((await cache.usage(alice.keyHex)).items).toBe(3)

    await cache.purge(alice.keyHex)
    expect(await cache.usage(alice.keyHex)).toEqual({ items: 0, bytes: 0 })
  })

  it('after the person clears a friend, the next page starts from counters at zero, not a recount of the cleared rows', async () => {
    const db = clientDatabase()
    const cache = new FriendCache(db)
    await cache.storePage(alice.keyHex, [sized('a1', 1, 100), sized('a2', 2, 200)], null)
    await cache.purge(alice.keyHex, { friendStays: true })
    // Stored at zero: recounting a range of rows just deleted took 2 s for 10,000.
    expect((await db.syncState.get(alice.keyHex))?.usage).toEqual({ items: 0, bytes: 0 })
    expect(await cache.cursor(alice.keyHex)).toBeNull()
    await cache.storePage(alice.keyHex, [sized('a3', 3, 10)], null)
    expect((await db.syncState.get(alice.keyHex))?.usage).toEqual(await counted(db, alice.keyHex))
    expect((await cache.usage(alice.keyHex)).items).toBe(1)

    // A friend removed leaves no row behind.
    await cache.purge(alice.keyHex)
    expect(await db.syncState.get(alice.keyHex)).toBeUndefined()
  })

  it('past the bytes, drops the friend’s least recently updated items and their files, keeps the newest, and says so', async () => {
    const db = clientDatabase()
    const one = itemBytes(sized('a00', 0, 1000))
    const cache = new FriendCache(db, { maxBytes: one * 5 })
    await cache.storePage(bob.keyHex, [sized('b1', 1, 1000), sized('b2', 2, 1000)], null)
    await cache.storePage(alice.keyHex, [{ ...fileItem('a00', 0, 1), text: 'x'.repeat(1000 - 'a00.bin'.length - 'application/octet-stream'.length) }], null)
    expect(await storeWholeFile(cache, alice.keyHex, 'a00', Uint8Array.of(7))).toBe(true)
    const page = Array.from({ length: 6 }, (_, i) => sized(`a0${i + 1}`, i + 1, 1000))
    const announced: string[] = []
    cache.onNewItems = (_owner, items) => announced.push(...items.map((item) => item.id))
    expect(await cache.storePage(alice.keyHex, page, null)).toBe(5)
    // a00 (oldest, with its file) and a01 went; the five newest stay.
    expect(await ids(cache, alice.keyHex)).toEqual(['a02', 'a03', 'a04', 'a05', 'a06'])
    expect(announced.sort()).toEqual(['a02', 'a03', 'a04', 'a05', 'a06'])
    expect(await cache.fileBlob(alice.keyHex, 'a00')).toBeNull()
    expect(await db.cachedFileChunks.where('owner').equals(alice.keyHex).count()).toBe(0)
    expect(await db.cachedFiles.where('owner').equals(alice.keyHex).count()).toBe(0)
    expect(await cache.usage(alice.keyHex)).toEqual(await counted(db, alice.keyHex))
    expect((await cache.usage(alice.keyHex)).bytes).toBeLessThanOrEqual(one * 5)
    expect(await cache.leftOut(alice.keyHex)).toMatchObject({ by: 'bytes' })
    // Bob's items (the oldest of all) are not Alice's budget.
    expect(await ids(cache, bob.keyHex)).toEqual(['b1', 'b2'])
    expect(await cache.leftOut(bob.keyHex)).toBeNull()

    // An item older than all that is kept does not fit: neither kept nor news.
    announced.length = 0
    expect(await cache.storePage(alice.keyHex, [sized('old', 0, 1000)], null)).toBe(0)
    expect(announced).toEqual([])
    expect(await ids(cache, alice.keyHex)).not.toContain('old')

    await cache.purge(alice.keyHex)
    expect(await cache.leftOut(alice.keyHex)).toBeNull()
  })

  it('past the number of items, drops the oldest the same way', async () => {
    const db = clientDatabase()
    const cache = new FriendCache(db, { maxItems: 3 })
    for (let i = 0; i < 5; i++) await cache.storePage(alice.keyHex, [note(`a${i}`, 10 - i), note(`z${i}`, 100 + i)], null)
    expect(await ids(cache, alice.keyHex)).toEqual(['z2', 'z3', 'z4'])
    expect(await cache.leftOut(alice.keyHex)).toMatchObject({ by: 'items' })
  })

  it('counts an old database’s rows once when it has no counters, then keeps to the budget', async () => {
    const db = clientDatabase()
    const unbounded = new FriendCache(db, { maxItems: 1_000 })
    await unbounded.storePage(alice.keyHex, Array.from({ length: 10 }, (_, i) => note(`a${i}`, i)), null)
    // As written before the budget: no counters.
    const state = (await db.syncState.get(alice.keyHex))!
    delete state.usage
    await db.syncState.put(state)
    const cache = new FriendCache(db, { maxItems: 4 })
    expect(await cache.usage(alice.keyHex)).toEqual(await counted(db, alice.keyHex))
    await cache.storePage(alice.keyHex, [note('new', 100)], null)
    expect(await ids(cache, alice.keyHex)).toEqual(['a7', 'a8', 'a9', 'new'])
    expect((await db.syncState.get(alice.keyHex))?.usage).toEqual(await counted(db, alice.keyHex))
  })

  it('the friend’s feed tells its page that older items were left out, until a purge', async () => {
    const owner = new FakeOwner()
    const friend = person()
    const db = clientDatabase()
    const cache = new FriendCache(db, { maxItems: 150 })
    const { b: session } = await connect(alice, friend, () => owner.handlers(), () => ({}))
    cleanups.push(() => session.rpc.close())
    const feed = feedOver(alice, db, session, { cache })
    cleanups.push(() => feed.close())
    owner.add(...Array.from({ length: 100 }, (_, i) => note(`n${i}`, 1000 + i)))
    await feed.sync()
    expect(feed.leftOut).toBeNull()
    owner.add(...Array.from({ length: 100 }, (_, i) => note(`m${i}`, 2000 + i)))
    await feed.sync()
    expect(feed.leftOut).toEqual({ by: 'items', maxItems: 150, maxBytes: 32 * 1024 * 1024 })
    expect((await feed.items()).length).toBe(150)
    expect(await cache.cursor(alice.keyHex)).toBe(cursorOf(note('m99', 2099)))
    // A feed opened later (another page, a reload) knows it too.
    const again = feedOver(alice, db, session, { cache })
    cleanups.push(() => again.close())
    await until(() => again.leftOut !== null)
    expect(again.leftOut).toMatchObject({ by: 'items' })
    await feed.purge()
    expect(feed.leftOut).toBeNull()
  })

  it('says it calmly, with the limit and whose posts', () => {
    expect(leftOutLine({ by: 'bytes', maxBytes: 32 * 1024 * 1024, maxItems: 20_000 }, 'Bea'))
      .toBe('Kith keeps up to 32 MB of Bea’s posts in this browser; older ones were left out.')
    expect(leftOutLine({ by: 'items', maxBytes: 32 * 1024 * 1024, maxItems: 20_000 }, ''))
      .toBe('Kith keeps up to 20,000 of this friend’s posts in this browser; older ones were left out.')
  })
})
