// When I last reached a friend is kept in the client's cache (for "not
// reachable since 12 Nov" after a reload), and syncing or clearing their
// cached items does not lose it.
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { FriendCache } from '../../client/cache/friend-cache'
import { cleanupsAfterEach } from './cleanups'
import { note, person, uniqueName } from './friend-fixtures'

const cleanups = cleanupsAfterEach()

describe('last reached', () => {
  it('survives a reload, a sync, a page and a purge of their items', async () => {
    const name = uniqueName('kith-client')
    const alice = person()
    const bob = person()
    let db = new ClientDatabase(name)
    cleanups.push(() => { db.close(); return Dexie.delete(name) })
    let cache = new FriendCache(db)
    expect(await cache.lastReachedAt(alice.keyHex)).toBeNull()
    await cache.markReached(alice.keyHex, 1_000)
    await cache.markSynced(alice.keyHex, 2_000)
    await cache.storePage(alice.keyHex, [note('n1', 10)], '10:n1')
    expect(await cache.lastSyncAt(alice.keyHex)).toBe(2_000)
    expect(await cache.cursor(alice.keyHex)).toBe('10:n1')

    db.close()
    db = new ClientDatabase(name)
    cache = new FriendCache(db)
    expect(await cache.lastReachedAt(alice.keyHex)).toBe(1_000)
    expect(await cache.lastReachedAt(bob.keyHex)).toBeNull()

    await cache.purge(alice.keyHex)
    expect(await cache.items(alice.keyHex)).toEqual([])
    expect(await cache.cursor(alice.keyHex)).toBeNull()
    expect(await cache.lastSyncAt(alice.keyHex)).toBeNull()
    expect(await cache.lastReachedAt(alice.keyHex)).toBe(1_000)
  })
})
