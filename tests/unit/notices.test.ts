// Deletion reaching friends: the owner's NoticeSender and NoticesStore against
// a friend's real deleteNotices handler and cache, over authenticated sessions.
import { describe, expect, it } from 'vitest'
import { NodeDatabase } from '../../node-tab/storage/db'
import { NoticesStore } from '../../node-tab/notices/notices-store'
import { NoticeSender, type AcknowledgedDetail } from '../../node-tab/notices/notice-sender'
import { FriendCache } from '../../client/cache/friend-cache'
import { deleteNoticeHandler } from '../../client/cache/delete-notice-handler'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { itemHandlers } from '../../node-tab/handlers/items'
import type { NodeSession } from '../../node-tab/node'
import { clientDatabase, cleanupsAfterEach, nodeDatabase } from './cleanups'
import { connect, feedOver, fileItem, note, person, storeWholeFile, tick, uniqueName, until, type Handlers, type Person } from './friend-fixtures'

const cleanups = cleanupsAfterEach()

const ownerDatabase = (name?: string): NodeDatabase => nodeDatabase(cleanups, name)
const friendCache = (): FriendCache => new FriendCache(clientDatabase(cleanups))

function sender (opts: ConstructorParameters<typeof NoticeSender>[0]): NoticeSender {
  const s = new NoticeSender(opts)
  cleanups.push(() => s.stop())
  return s
}

/** What the owner's item store does on delete: notices plus a log row, no content. */
async function ownerDeleted (db: NodeDatabase, itemIds: string[], friendKeys: string[]): Promise<void> {
  await db.transaction('rw', db.notices, db.deletionLog, async () => {
    for (const itemId of itemIds) {
      await db.notices.bulkAdd(friendKeys.map((friendKey) => ({ itemId, friendKey, createdAt: Date.now(), attempts: 0 })))
      await db.deletionLog.add({ id: `${itemId}:deleted`, itemId, itemType: 'note', reason: 'deleted', at: Date.now(), friends: Object.fromEntries(friendKeys.map((k) => [k, false])) })
    }
  })
}

/** The owner's session with a friend whose node serves the real deleteNotices handler. */
async function sessionWithFriend (owner: Person, friend: Person, cache: FriendCache, friendHandlers?: (remote: string) => Handlers): Promise<NodeSession> {
  const { a } = await connect(owner, friend, () => ({}), friendHandlers ?? ((remote) => deleteNoticeHandler(cache, remote)))
  cleanups.push(() => a.rpc.close())
  return a
}

/** An owner who deleted note a1 while a friend held a copy, and the owner's
 *  session with that friend. */
async function deletedWhileCached () {
  const owner = person(); const friend = person()
  const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
  await cache.storePage(owner.keyHex, [note('a1', 1)], null)
  await ownerDeleted(db, ['a1'], [friend.keyHex])
  const session = await sessionWithFriend(owner, friend, cache)
  return { owner, friend, db, store, cache, session }
}

async function cachedIds (cache: FriendCache, owner: Person): Promise<string[]> {
  return (await cache.items(owner.keyHex)).map((item) => item.id).sort()
}

describe('NoticeSender delivers delete notices', () => {
  it('removes the friend’s cached copy, forgets the notice and logs the confirmation', async () => {
    const owner = person(); const friend = person(); const offline = person()
    const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
    await cache.storePage(owner.keyHex, [fileItem('a1', 1, 3), note('a2', 2)], '2:a2')
    expect(await storeWholeFile(cache, owner.keyHex, 'a1', new Uint8Array([1, 2, 3]))).toBe(true)
    await ownerDeleted(db, ['a1'], [friend.keyHex, offline.keyHex])
    const session = await sessionWithFriend(owner, friend, cache)
    const s = sender({ store, getSession: async (key) => { if (key === friend.keyHex) return session; throw new Error('offline') } })
    const events: AcknowledgedDetail[] = []
    s.addEventListener('acknowledged', (e) => events.push((e as CustomEvent<AcknowledgedDetail>).detail))
    s.start()

    await until(() => events.length === 1)
    expect(events[0]).toEqual({ friendKey: friend.keyHex, itemIds: ['a1'] })
    expect(await cachedIds(cache, owner)).toEqual(['a2'])
    expect(await cache.fileBlob(owner.keyHex, 'a1')).toBeNull()
    expect(await cache['db'].cachedFileChunks.count()).toBe(0)
    expect(await store.pendingFor(friend.keyHex)).toEqual([])
    // The friend who has not confirmed still owes it; the log shows who did.
    expect(await store.friendsWithPending()).toEqual([offline.keyHex])
    const [log] = await store.listDeletions()
    expect(log!.friends).toEqual({ [friend.keyHex]: true, [offline.keyHex]: false })
  })

  it('sends at most 500 ids per call and delivers them all', async () => {
    const owner = person(); const friend = person()
    const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
    const ids = Array.from({ length: 1201 }, (_, i) => `x${i}`)
    await ownerDeleted(db, ids, [friend.keyHex])
    const batches: number[] = []
    const session = await sessionWithFriend(owner, friend, cache, (remote) => {
      const real = deleteNoticeHandler(cache, remote)
      return { deleteNotices: (params, ctx) => { batches.push((params as { itemIds: string[] }).itemIds.length); return real.deleteNotices(params, ctx) } }
    })
    const s = sender({ store, getSession: async () => session })
    s.start()
    await until(async () => (await store.friendsWithPending()).length === 0, 15_000) // 1,201 deletions in fake IndexedDB: about 1 s here, over 5 s on a loaded machine
    expect(Math.max(...batches)).toBeLessThanOrEqual(500)
    expect(batches.reduce((a, b) => a + b, 0)).toBe(1201)
  })

  it('reaches a friend who was offline once they are back, without a busy loop', async () => {
    const { owner, db, store, cache, session } = await deletedWhileCached()
    let online = false
    let attempts = 0
    const s = sender({
      store,
      retryBaseMs: 20,
      retryMaxMs: 60,
      getSession: async () => { attempts++; if (!online) throw new KithError('TIMEOUT', 'not found'); return session }
    })
    s.start()
    await tick(400)
    // Back-off: ~10 tries in 400 ms (delays 10–60 ms), not thousands.
    expect(attempts).toBeGreaterThanOrEqual(3)
    expect(attempts).toBeLessThanOrEqual(25)
    expect((await db.notices.toArray())[0]!.attempts).toBeGreaterThanOrEqual(3)
    expect(await cachedIds(cache, owner)).toEqual(['a1'])

    online = true
    await until(async () => (await cachedIds(cache, owner)).length === 0, 1000)
    await until(async () => (await store.friendsWithPending()).length === 0)
  })

  it('gives up on a dial that never answers after dialTimeoutMs, and tries again later', async () => {
    const { owner, store, cache, session } = await deletedWhileCached()
    const signals: AbortSignal[] = []
    let online = false
    const s = sender({
      store,
      retryBaseMs: 10,
      retryMaxMs: 20,
      dialTimeoutMs: 30,
      getSession: (_key, signal) => {
        signals.push(signal)
        return online ? Promise.resolve(session) : new Promise<never>(() => {})
      }
    })
    s.start()
    await until(() => signals.length >= 2)
    expect(signals[0]!.aborted).toBe(true)
    online = true
    await until(async () => (await store.friendsWithPending()).length === 0)
    expect(await cachedIds(cache, owner)).toEqual([])
  })

  it('waits out its back-off, but kick(friendKey) for a fresh session delivers at once', async () => {
    const { owner, friend, store, cache, session } = await deletedWhileCached()
    let online = false
    let attempts = 0
    const s = sender({ store, retryBaseMs: 10_000, getSession: async () => { attempts++; if (!online) throw new Error('offline'); return session } })
    s.start()
    await tick(150)
    expect(attempts).toBe(1)
    s.kick() // new notices elsewhere do not cut a back-off short
    await tick(50)
    expect(attempts).toBe(1)

    online = true
    s.kick(friend.keyHex)
    await until(async () => (await store.friendsWithPending()).length === 0, 500)
    expect(await cachedIds(cache, owner)).toEqual([])
  })

  it('never runs two deliveries to the same friend at once', async () => {
    const owner = person(); const friend = person()
    const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
    await ownerDeleted(db, ['a1', 'a2'], [friend.keyHex])
    const session = await sessionWithFriend(owner, friend, cache)
    let inFlight = 0
    let most = 0
    const s = sender({
      store,
      getSession: async () => {
        most = Math.max(most, ++inFlight)
        await tick(40)
        inFlight--
        return session
      }
    })
    s.start()
    for (let i = 0; i < 10; i++) {
      s.kick(friend.keyHex)
      s.kick()
      await tick(3)
    }
    await ownerDeleted(db, ['a3'], [friend.keyHex])
    s.kick()
    await until(async () => (await store.friendsWithPending()).length === 0)
    expect(most).toBe(1)
  })

  it('keeps notices a friend did not acknowledge', async () => {
    const owner = person(); const friend = person()
    const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
    await ownerDeleted(db, ['a1'], [friend.keyHex])
    // A buggy or hostile friend claims ids it was never sent.
    const session = await sessionWithFriend(owner, friend, cache, () => ({ deleteNotices: () => ({ acknowledged: ['zz', 'a2'] }) }))
    const s = sender({ store, retryBaseMs: 20, retryMaxMs: 40, getSession: async () => session })
    s.start()
    await until(async () => (await db.notices.toArray())[0]!.attempts >= 2)
    expect(await store.pendingFor(friend.keyHex)).toEqual(['a1'])
    expect((await store.listDeletions())[0]!.friends[friend.keyHex]).toBe(false)
  })

  it('survives a reload: a new store and sender over the same database deliver what was pending', async () => {
    const owner = person(); const friend = person()
    const name = uniqueName('kith-node')
    const before = new NodeDatabase(name)
    const cache = friendCache()
    await cache.storePage(owner.keyHex, [note('a1', 1)], null)
    await ownerDeleted(before, ['a1'], [friend.keyHex])
    let tried = false
    const first = new NoticeSender({ store: new NoticesStore(before), getSession: async () => { tried = true; throw new Error('offline') } })
    first.start()
    await until(() => tried)
    first.stop()
    before.close()

    const after = ownerDatabase(name)
    const store = new NoticesStore(after)
    expect(await store.pendingFor(friend.keyHex)).toEqual(['a1'])
    const session = await sessionWithFriend(owner, friend, cache)
    sender({ store, getSession: async () => session }).start()
    await until(async () => (await store.friendsWithPending()).length === 0)
    expect(await cachedIds(cache, owner)).toEqual([])
    expect((await store.listDeletions())[0]!.friends[friend.keyHex]).toBe(true)
  })
})

describe('with the real owner stores', () => {
  it('an item the friend synced and the owner then deleted leaves the friend’s cache', async () => {
    const owner = person(); const friend = person()
    const db = ownerDatabase()
    await new FriendsStore(db).add({ key: friend.keyHex, address: addressFromPublicKey(friend.identity.publicKey), displayName: 'Friend' })
    const items = new ItemsStore(db)
    const kept = await items.create({ type: 'note', text: 'stays', audience: { kind: 'friends' } })
    const doomed = await items.create({ type: 'note', text: 'goes', audience: { kind: 'friends' } })

    const clientDb = clientDatabase(cleanups)
    const cache = new FriendCache(clientDb)
    const { a: ownerSide, b: friendSide } = await connect(owner, friend,
      (remote) => itemHandlers(items, remote),
      (remote) => deleteNoticeHandler(cache, remote))
    cleanups.push(() => ownerSide.rpc.close())
    const feed = feedOver(owner, clientDb, friendSide, { cache })
    cleanups.push(() => feed.close())
    await feed.sync()
    expect((await cachedIds(cache, owner))).toEqual([kept.id, doomed.id].sort())

    const store = new NoticesStore(db)
    const s = sender({ store, getSession: async () => ownerSide })
    s.start()
    await items.delete(doomed.id)
    s.kick()
    await until(async () => (await cachedIds(cache, owner)).length === 1)
    expect(await cachedIds(cache, owner)).toEqual([kept.id])
    await until(async () => (await store.friendsWithPending()).length === 0)
    const [log] = await store.listDeletions()
    expect(log).toMatchObject({ itemId: doomed.id, reason: 'deleted', friends: { [friend.keyHex]: true } })
  })
})

describe('the friend’s deleteNotices handler', () => {
  it('lets nobody delete items cached from someone else', async () => {
    const alice = person(); const bob = person(); const stranger = person(); const friend = person()
    const cache = friendCache()
    await cache.storePage(alice.keyHex, [note('a1', 1), note('shared', 2)], null)
    await cache.storePage(bob.keyHex, [note('b1', 1), note('shared', 3)], null)
    let applied = 0
    const handlers = (remote: string): Handlers => deleteNoticeHandler(cache, remote, () => applied++)

    // Bob names Alice's item ids: only Bob's own copies with those ids go.
    const bobSession = (await connect(bob, friend, () => ({}), handlers)).a
    cleanups.push(() => bobSession.rpc.close())
    const answer = await bobSession.rpc.call('deleteNotices', { itemIds: ['a1', 'shared'] })
    expect(answer.acknowledged).toEqual(['a1', 'shared'])
    expect(await cachedIds(cache, alice)).toEqual(['a1', 'shared'])
    expect(await cachedIds(cache, bob)).toEqual(['b1'])

    const strangerSession = (await connect(stranger, friend, () => ({}), handlers)).a
    cleanups.push(() => strangerSession.rpc.close())
    await strangerSession.rpc.call('deleteNotices', { itemIds: ['a1', 'b1'] })
    expect(await cachedIds(cache, alice)).toEqual(['a1', 'shared'])
    expect(await cachedIds(cache, bob)).toEqual(['b1'])
    expect(applied).toBe(2)
  })

  it('rejects malformed notices with BAD_REQUEST', async () => {
    const alice = person(); const friend = person()
    const cache = friendCache()
    await cache.storePage(alice.keyHex, [note('a1', 1)], null)
    const session = await sessionWithFriend(alice, friend, cache)
    const tooMany = Array.from({ length: 501 }, (_, i) => `x${i}`)
    for (const params of [{ itemIds: 'a1' }, { itemIds: ['a-1'] }, { itemIds: tooMany }]) {
      await expect(session.rpc.call('deleteNotices', params as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    }
    expect(await cachedIds(cache, alice)).toEqual(['a1'])
  })

  it('treats duplicates as harmless on both sides', async () => {
    const owner = person(); const friend = person(); const other = person()
    const db = ownerDatabase(); const store = new NoticesStore(db); const cache = friendCache()
    await cache.storePage(owner.keyHex, [note('a1', 1), note('a2', 2)], null)
    await ownerDeleted(db, ['a1'], [friend.keyHex, other.keyHex])
    const session = await sessionWithFriend(owner, friend, cache)
    const first = await session.rpc.call('deleteNotices', { itemIds: ['a1'] })
    const again = await session.rpc.call('deleteNotices', { itemIds: ['a1'] })
    expect(again).toEqual(first)
    expect(await cachedIds(cache, owner)).toEqual(['a2'])

    await store.acknowledge(friend.keyHex, ['a1'])
    await store.acknowledge(friend.keyHex, ['a1'])
    // One friend's acknowledgement never clears another friend's notice.
    expect(await store.friendsWithPending()).toEqual([other.keyHex])
    expect((await store.listDeletions())[0]!.friends).toEqual({ [friend.keyHex]: true, [other.keyHex]: false })
  })
})

describe('NoticesStore', () => {
  it('an acknowledgement marks only the log rows that asked that friend', async () => {
    const friend = person(); const other = person()
    const db = ownerDatabase(); const store = new NoticesStore(db)
    // The same item narrowed for one friend, later deleted for another.
    await db.deletionLog.add({ id: 'x:audience-narrowed', itemId: 'x', itemType: 'note', reason: 'audience-narrowed', at: 1, friends: { [friend.keyHex]: false } })
    await db.deletionLog.add({ id: 'x:deleted', itemId: 'x', itemType: 'note', reason: 'deleted', at: 2, friends: { [other.keyHex]: false } })
    await db.notices.add({ itemId: 'x', friendKey: friend.keyHex, createdAt: 1, attempts: 0 })
    await store.acknowledge(friend.keyHex, ['x'])
    const rows = await store.listDeletions()
    expect(rows.map((r) => r.friends)).toEqual([{ [other.keyHex]: false }, { [friend.keyHex]: true }])
  })

  it('lists deletions newest first and dismisses one without dropping its notices', async () => {
    const friend = person()
    const db = ownerDatabase(); const store = new NoticesStore(db)
    await db.deletionLog.add({ id: 'old:deleted', itemId: 'old', itemType: 'note', reason: 'deleted', at: 1, friends: {} })
    await db.deletionLog.add({ id: 'new:audience-narrowed', itemId: 'new', itemType: 'file', reason: 'audience-narrowed', at: 2, friends: { [friend.keyHex]: false } })
    await db.notices.add({ itemId: 'new', friendKey: friend.keyHex, createdAt: 2, attempts: 0 })
    const list = await store.listDeletions()
    expect(list.map((row) => row.itemId)).toEqual(['new', 'old'])
    await store.dismissDeletion(list[0]!.id)
    expect((await store.listDeletions()).map((row) => row.itemId)).toEqual(['old'])
    expect(await store.pendingFor(friend.keyHex)).toEqual(['new'])
    await store.recordAttempt(friend.keyHex, ['new', 'unknown'])
    expect(await db.notices.toArray()).toEqual([{ itemId: 'new', friendKey: friend.keyHex, createdAt: 2, attempts: 1 }])
  })
})
