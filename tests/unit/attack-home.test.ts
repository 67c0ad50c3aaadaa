// Attacks on the Home feed, which merges every friend's items newest first
// by the date each friend's node gives them: a hostile friend dating posts
// in the far future to pin them above everyone else's for good, and a
// friend reaching into another friend's items through their own listing or
// delete notices.
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import { deleteNoticeHandler } from '../../client/cache/delete-notice-handler'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { post } from './friend-fixtures'
import { sleep } from './waiting'

const cleanups = cleanupsAfterEach()

const clientDb = () => clientDatabase(cleanups)

describe('attack: a friend pinning posts at the top of Home', () => {
  // Attack: Mallory's node lists posts "made" in the year 285,000 and an
  // hour from now; Alice posts after them, for real.
  it('a post dated in the future is ranked as arriving now, not above later posts', async () => {
    const cache = new FriendCache(clientDb())
    await cache.storePage('mallory', [post('m1', Number.MAX_SAFE_INTEGER), post('m2', Date.now() + 60 * 60 * 1000)], null)
    await sleep(3) // Alice's post is made after Mallory's arrived
    await cache.storePage('alice', [post('a1', Date.now())], null)
    const home = await cache.recent({ limit: 10 })
    expect(home[0]).toMatchObject({ owner: 'alice', item: { id: 'a1' } })
    expect(home.map((e) => e.item.id).sort()).toEqual(['a1', 'm1', 'm2'])
    // Listed again later (an edit, a resync), it does not climb back up.
    await sleep(3)
    await cache.storePage('mallory', [{ ...post('m1', Number.MAX_SAFE_INTEGER, 'edited'), updatedAt: Number.MAX_SAFE_INTEGER }], null)
    expect((await cache.recent({ limit: 10 }))[0]).toMatchObject({ owner: 'alice', item: { id: 'a1' } })
  })
})

describe('attack: a friend changing another friend’s items in my cache', () => {
  // Attack: Bob's node lists an item with the id of one of Alice's, newer,
  // with his text; then sends delete notices naming Alice's items.
  it('neither a listing nor a delete notice from Bob touches Alice’s items', async () => {
    const cache = new FriendCache(clientDb())
    await cache.storePage('alice', [post('sharedId', 10, 'by alice'), post('a2', 20, 'also alice')], null)
    await cache.storePage('bob', [{ ...post('sharedId', 10, 'bob wrote this'), updatedAt: 10 ** 12 }], null)
    const acknowledged = await deleteNoticeHandler(cache, 'bob').deleteNotices({ itemIds: ['sharedId', 'a2'] }, {} as never)
    const alice = await cache.items('alice')
    expect(alice.map((i) => [i.id, i.text])).toEqual([['a2', 'also alice'], ['sharedId', 'by alice']])
    // Bob only deleted his own copy.
    expect(await cache.items('bob')).toEqual([])
    expect(acknowledged).not.toContain('a2')
  })
})
