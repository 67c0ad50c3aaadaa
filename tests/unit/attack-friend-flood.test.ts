// Attacks by a friend on my disk and my CPU: pages of the largest items the
// protocol allows, pages of tiny items past any sensible count, a flood of
// itemsChanged hints, and friends who hold their syncs open to starve
// everyone else's. Real sessions (memory transport) and a real client cache.
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { FriendCache } from '../../client/cache/friend-cache'
import { DEFAULT_FRIEND_BUDGET, itemBytes } from '../../client/cache/friend-budget'
import { ClientDatabase } from '../../client/cache/db'
import { KithClient } from '../../client/api/kith-client'
import { SyncCoalescer } from '../../client/friends/sync-coalescer'
import type { FriendFeedImpl } from '../../client/friends/friend-feed'
import { Outbox } from '../../client/friends/outbox'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { encodeCursor, MAX_PAGE, MAX_TEXT_CHARS, type SharedItem } from '../../shared/protocol/items'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { connect, FakeOwner, feedOver, fileItem, note, person, storeWholeFile, uniqueName, type Handlers, type Person } from './friend-fixtures'
import { sleep, waitFor } from './waiting'

const cleanups = cleanupsAfterEach()
const MiB = 1024 * 1024

/** The heaviest item a page may carry: the longest id, file name and type,
 *  and text of the most characters, each taking four bytes in pairs. */
function heaviest (n: number): SharedItem {
  const id = `h${String(n).padStart(63, '0')}`
  return {
    id,
    type: 'file',
    text: '😀'.repeat(MAX_TEXT_CHARS / 2),
    createdAt: n,
    updatedAt: n,
    file: { name: 'n'.repeat(255), mime: 'm'.repeat(255), size: 1 }
  }
}

/** A node that answers every listing with a full page of `make`'s items
 *  after the last one sent, `pages` times. */
function flooding (make: (n: number) => SharedItem, perPage: number, pages: number): { handlers: Handlers, sent: () => number } {
  let sent = 0
  const handlers: Handlers = {
    listItems: () => {
      const items = Array.from({ length: perPage }, () => make(++sent))
      const last = items.at(-1)!
      return { items, cursor: encodeCursor({ epoch: null, positions: [{ device: 'f100d000', listedAt: last.updatedAt, id: last.id }] }), done: sent >= perPage * pages }
    }
  }
  return { handlers, sent: () => sent }
}

async function feedFrom (me: Person, friend: Person, handlers: Handlers, cache: FriendCache, db: ClientDatabase): Promise<{ feed: FriendFeedImpl, session: NodeSession }> {
  const { b: session } = await connect(friend, me, () => handlers, () => ({}))
  cleanups.push(() => session.rpc.close())
  const feed = feedOver(friend, db, session, { cache })
  cleanups.push(() => feed.close())
  return { feed, session }
}

describe('attack: one friend fills my disk', () => {
  const me = person()

  it('pages of the largest items stay within 32 MiB of that friend’s, the newest kept, another friend’s untouched', async () => {
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const bob = person()
    await cache.storePage(bob.keyHex, [note('b1', 1), note('b2', 2), fileItem('b3', 3, 2)], null)
    expect(await storeWholeFile(cache, bob.keyHex, 'b3', Uint8Array.of(1, 2))).toBe(true)

    const mallory = person()
    const flood = flooding(heaviest, 100, 13) // 1,300 items, over 48 MiB as UTF-8
    const { feed } = await feedFrom(me, mallory, flood.handlers, cache, db)
    await feed.sync()
    expect(flood.sent()).toBe(1_300)
    expect(1_300 * itemBytes(heaviest(1))).toBeGreaterThan(48 * MiB)

    const rows = await db.cachedItems.where('owner').equals(mallory.keyHex).toArray()
    const bytes = rows.reduce((sum, row) => sum + itemBytes(row.item), 0)
    expect(bytes).toBeLessThanOrEqual(32 * MiB)
    expect(bytes).toBeGreaterThan(32 * MiB - itemBytes(heaviest(1))) // full, not emptied
    // What the browser stores of the text (UTF-16 here) is within it too.
    expect(rows.reduce((sum, row) => sum + row.item.text.length * 2, 0)).toBeLessThanOrEqual(32 * MiB)
    expect(await cache.usage(mallory.keyHex)).toEqual({ items: rows.length, bytes })
    // The newest are the ones kept.
    const kept = rows.map((row) => row.updatedAt).sort((a, b) => a - b)
    expect(kept.at(-1)).toBe(1_300)
    expect(kept[0]).toBe(1_300 - rows.length + 1)
    expect(feed.leftOut).toMatchObject({ by: 'bytes', maxBytes: 32 * MiB })
    expect(feed.state).toBe('idle')

    expect((await cache.items(bob.keyHex)).map((item) => item.id).sort()).toEqual(['b1', 'b2', 'b3'])
    expect(await cache.fileBlob(bob.keyHex, 'b3')).not.toBeNull()
    expect(await cache.leftOut(bob.keyHex)).toBeNull()
  }, 60_000)

  it('pages of tiny items stay within 20,000 of that friend’s, the newest kept, another friend’s untouched', async () => {
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const bob = person()
    await cache.storePage(bob.keyHex, [note('b1', 1)], null)
    const mallory = person()
    const total = DEFAULT_FRIEND_BUDGET.maxItems + 2 * MAX_PAGE
    for (let n = 0; n < total; n += MAX_PAGE) {
      await cache.storePage(mallory.keyHex, Array.from({ length: MAX_PAGE }, (_, i) => note(`t${n + i}`, n + i, '')), null)
    }
    const usage = await cache.usage(mallory.keyHex)
    expect(usage.items).toBe(DEFAULT_FRIEND_BUDGET.maxItems)
    expect(await db.cachedItems.where('owner').equals(mallory.keyHex).count()).toBe(DEFAULT_FRIEND_BUDGET.maxItems)
    expect(await db.cachedItems.get([mallory.keyHex, `t${total - 1}`])).toBeDefined()
    expect(await db.cachedItems.get([mallory.keyHex, `t${2 * MAX_PAGE - 1}`])).toBeUndefined()
    expect(await cache.leftOut(mallory.keyHex)).toMatchObject({ by: 'items' })
    expect((await cache.items(bob.keyHex)).map((item) => item.id)).toEqual(['b1'])
  }, 120_000)
})

describe('attack: one friend floods hints', () => {
  it('10,000 itemsChanged hints start about one sync a second', async () => {
    const nodeName = uniqueName('kith-node')
    const clientName = uniqueName('kith-client')
    const node = await KithNode.open({ db: new NodeDatabase(nodeName), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    const client = new KithClient(node, new ClientDatabase(clientName))
    cleanups.push(() => Dexie.delete(clientName), () => Dexie.delete(nodeName), () => node.close())
    const flooder = person()
    await node.friends.add({ key: flooder.keyHex, address: addressFromPublicKey(flooder.identity.publicKey), displayName: 'Flood' })
    const listings: number[] = []
    const handlers: Handlers = {
      listItems: () => {
        listings.push(Date.now())
        return { items: [], cursor: null, done: true }
      }
    }
    const [a, b] = createMemoryTransportPair()
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(a, { identity: flooder.identity, handlers: () => handlers }),
      node.connections.startSession(b)
    ])
    cleanups.push(() => session.rpc.close())

    const began = Date.now()
    let accepted = 0
    for (let batch = 0; batch < 200; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => session.rpc.call('itemsChanged', {}).then(() => 1, () => 0)))
      accepted += answers.reduce<number>((sum, ok) => sum + ok, 0)
      await sleep(10)
    }
    const lastHint = Date.now()
    await waitFor(() => !client.syncs.isBusy(flooder.keyHex), 5_000)
    const seconds = (lastHint - began) / 1_000
    expect(accepted).toBeGreaterThan(5_000)
    expect(seconds).toBeGreaterThan(1.5)
    // The session opening's sync, then at most one a second, and one after the last hint.
    expect(listings.length).toBeGreaterThanOrEqual(2)
    expect(listings.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2)
    // (The spacing itself is sync-coalescer.test's, with a fake clock: here a
    // listing arrives a variable time after its sync starts, more so on a
    // busy machine, so the gaps seen by the friend prove nothing.)
    expect(listings.at(-1)!).toBeGreaterThanOrEqual(lastHint - 1_000)
  }, 30_000)
})

describe('attack: friends hold their syncs open', () => {
  it('four friends who never answer or page slowly for ever do not stop a fifth friend’s sync', async () => {
    const me = person()
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const feeds = new Map<string, FriendFeedImpl>()
    const silent: Handlers = { listItems: () => new Promise(() => {}) }
    /** "Not done", one item a page, each page a little late, for ever. */
    const dawdling = (): Handlers => {
      const endless = flooding((n) => note(`s${n}`, n), 1, Number.MAX_SAFE_INTEGER).handlers
      return {
        listItems: async (params, ctx) => {
          await sleep(50)
          return await endless.listItems!(params, ctx)
        }
      }
    }
    const holders = [person(), person(), person(), person()]
    for (const [i, holder] of holders.entries()) feeds.set(holder.keyHex, (await feedFrom(me, holder, i < 2 ? silent : dawdling(), cache, db)).feed)
    const honest = person()
    const owner = new FakeOwner()
    owner.add(note('h1', 1), note('h2', 2))
    feeds.set(honest.keyHex, (await feedFrom(me, honest, owner.handlers(), cache, db)).feed)

    const syncs = new SyncCoalescer((key, signal) => feeds.get(key)!.sync({ signal }), { turnMs: 300 })
    for (const holder of holders) syncs.request(holder.keyHex)
    syncs.request(honest.keyHex)
    await waitFor(async () => (await cache.items(honest.keyHex)).length === 2, 5_000)
    expect(syncs.cutShort).toBeGreaterThanOrEqual(4)
    // Their turns ended; their requests wait for the next.
    for (const holder of holders) {
      expect((await new Outbox(db).pending(holder.keyHex)).map((row) => row.kind)).toEqual(['sync'])
    }
    for (const feed of feeds.values()) feed.close()
  }, 20_000)

  it('when its turn ends, a friend paging for ever is stopped, and the request waits in the outbox', async () => {
    const me = person()
    const dawdler = person()
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const endless = flooding((n) => note(`s${n}`, n), 1, Number.MAX_SAFE_INTEGER)
    const { feed } = await feedFrom(me, dawdler, {
      listItems: async (params, ctx) => {
        await sleep(20)
        return await endless.handlers.listItems!(params, ctx)
      }
    }, cache, db)
    const turn = new AbortController()
    setTimeout(() => turn.abort(), 200)
    await feed.sync({ signal: turn.signal })
    await sleep(50) // a listing under way as the turn ended finishes on their side, unheard
    const listed = endless.sent()
    expect(listed).toBeGreaterThan(0)
    expect(feed.state).toBe('queued')
    expect(feed.lastError).toBe('Your friend did not answer in time. Your request waits and is tried again.')
    expect((await new Outbox(db).pending(dawdler.keyHex)).map((row) => row.kind)).toEqual(['sync'])
    // Nothing asks them again behind the sync queue's back.
    await sleep(300)
    expect(endless.sent()).toBe(listed)
    // What came before the turn ended is kept, and the next turn goes on from there.
    expect((await cache.items(dawdler.keyHex)).length).toBeGreaterThanOrEqual(listed - 1)
    expect(await cache.cursor(dawdler.keyHex)).not.toBeNull()
  })
})
