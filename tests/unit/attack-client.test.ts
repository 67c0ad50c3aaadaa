// Attacks on the client side by friends' nodes: one friend's delete notices
// trying to undo another owner's deletion or remove another owner's items,
// and a node pushing more file bytes, or another shape, than was asked.
import { afterEach, describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { FriendCache } from '../../client/cache/friend-cache'
import { Outbox } from '../../client/outbox'
import { FriendFeedImpl } from '../../client/friend-feed'
import { KithError } from '../../shared/errors'
import { addressFromPublicKey } from '../../shared/identity'
import { encodeCursor, type SharedItem } from '../../shared/items'
import { connect, note, person, uniqueName, type Handlers } from './friend-fixtures'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function cacheDb (): FriendCache {
  const name = uniqueName('attack-client')
  const db = new ClientDatabase(name)
  cleanups.push(() => { db.close(); return Dexie.delete(name) })
  return new FriendCache(db)
}

const ids = (items: { id: string }[]): string[] => items.map((i) => i.id).sort()

describe('attack: one friend’s delete notices against another owner', () => {
  // Attack: while Alice's page is on its way, Alice deletes X; Mallory then
  // floods made-up notices (and opens pages of her own) hoping to push out
  // the mark that keeps X deleted when Alice's stale page lands.
  it('a flood of another peer’s notices and pages cannot bring back an owner’s deleted item', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mallory = 'b'.repeat(64)
    const x = note('itemX', 1)
    const y = note('itemY', 2)
    const mark = cache.deletionMark(alice)
    await cache.applyDeleteNotices(alice, [x.id])
    for (let i = 0; i < 20; i++) cache.deletionMark(mallory)
    for (let batch = 0; batch < 100; batch++) {
      await cache.applyDeleteNotices(mallory, Array.from({ length: 500 }, (_, i) => `m${batch}x${i}`).concat(x.id))
    }
    expect(await cache.storePage(alice, [x, y], encodeCursor(y), mark)).toBe(1)
    expect(ids(await cache.items(alice))).toEqual([y.id])
  })

  // Attack: Mallory sends delete notices naming Alice's item ids.
  it('a peer’s notices remove only that peer’s own items', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mallory = 'b'.repeat(64)
    const x = note('itemX', 1)
    await cache.storePage(alice, [x], encodeCursor(x))
    await cache.storeFile(alice, x.id, Uint8Array.of(1))
    expect(await cache.applyDeleteNotices(mallory, [x.id])).toEqual([x.id])
    expect(ids(await cache.items(alice))).toEqual([x.id])
    expect(await cache.fileBytes(alice, x.id)).toEqual(Uint8Array.of(1))
  })

  // Attack: Mallory's node opens more than a few pages of Alice's? It cannot:
  // windows are opened by our own requests. Mallory's own many windows only
  // spoil Mallory's oldest page, never Alice's.
  it('another peer’s open pages never spoil an owner’s page', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mark = cache.deletionMark(alice)
    for (let i = 0; i < 1_000; i++) cache.deletionMark('c'.repeat(64))
    const y = note('itemY', 2)
    expect(await cache.storePage(alice, [y], encodeCursor(y), mark)).toBe(1)
  })
})

describe('attack: a friend’s node answering fetchFile with more than asked', () => {
  const file = (id: string, size: number): SharedItem => ({ id, type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'f.bin', mime: 'application/octet-stream', size } })

  async function feedAgainst (handlers: Handlers, items: SharedItem[]): Promise<{ feed: FriendFeedImpl, cache: FriendCache }> {
    const owner = person()
    const me = person()
    const name = uniqueName('attack-feed')
    const db = new ClientDatabase(name)
    cleanups.push(() => { db.close(); return Dexie.delete(name) })
    const cache = new FriendCache(db)
    await cache.storePage(owner.keyHex, items, items.length ? encodeCursor(items.at(-1)!) : null)
    const { b: session } = await connect(owner, me, () => handlers, () => ({}))
    cleanups.push(() => session.rpc.close())
    const feed = new FriendFeedImpl({
      ownerAddress: addressFromPublicKey(owner.identity.publicKey),
      ownerKeyHex: owner.keyHex,
      cache,
      outbox: new Outbox(db),
      currentSession: () => session,
      getSession: async () => session
    })
    cleanups.push(() => feed.close())
    return { feed, cache: Object.assign(cache, { owner: owner.keyHex }) }
  }

  // Attack: a 10-byte file listed, 5 MB sent: the extra bytes would be stored
  // and shown as that file.
  it('bytes that are not the size the item announced are refused and not stored', async () => {
    const item = file('f1', 10)
    const { feed, cache } = await feedAgainst({ fetchFile: () => ({ bytes: new Uint8Array(5 * 1024 * 1024) }) }, [item])
    const err = await feed.fetchFile(item.id).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('BAD_REQUEST')
    expect(await cache.fileBytes((cache as unknown as { owner: string }).owner, item.id)).toBeNull()
  })

  // Attack: an answer in another shape (extra fields riding along with the bytes).
  it('an answer with fields beyond the bytes is refused', async () => {
    const item = file('f2', 3)
    const { feed } = await feedAgainst({ fetchFile: () => ({ bytes: Uint8Array.of(1, 2, 3), mime: 'text/html', name: 'x.html' }) as never }, [item])
    const err = await feed.fetchFile(item.id).then(() => null, (e: unknown) => e)
    expect((err as KithError).code).toBe('BAD_REQUEST')
  })

  // Control: the right size in the right shape is kept.
  it('the announced size in the protocol’s shape is kept', async () => {
    const item = file('f3', 3)
    const { feed } = await feedAgainst({ fetchFile: () => ({ bytes: Uint8Array.of(1, 2, 3) }) }, [item])
    expect(await feed.fetchFile(item.id)).toEqual(Uint8Array.of(1, 2, 3))
  })
})
