// The scale benchmark's helpers work (the timing itself is measured in the
// browser by the benchmark, not judged here).
import { describe, expect, it } from 'vitest'
import { canSee } from '../../node-tab/storage/access-policy'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { extendScale, seedScale, timeScopedPages } from '../harness/bench-scale'
import { freshDb, listAll } from './store-fixtures'
import { deliveriesToFriends } from '../../node-tab/storage/deliveries'

describe('bench-scale helpers', () => {
  it('seeds friends, groups and a mix of audiences, and times pages walking with the cursor', async () => {
    const db = freshDb()
    const seed = await seedScale(db, { friends: 30, items: 2000, groups: 4 })
    const { friendKeys } = seed
    expect(friendKeys).toHaveLength(30)
    expect(new Set(friendKeys).size).toBe(30)
    expect(await db.friends.count()).toBe(30)
    expect(await db.groups.count()).toBe(4)
    expect(await db.memberships.where('friendKey').equals(friendKeys[0]!).count()).toBeGreaterThanOrEqual(2) // at least half the groups
    expect(await db.memberships.where('friendKey').equals(seed.sparseFriendKey).count()).toBe(0)
    const items = await db.items.toArray()
    expect(items).toHaveLength(2000)
    const share = (kind: string): number => items.filter((i) => i.audience.kind === kind).length / items.length
    expect(share('friends')).toBe(0.01)
    expect(share('groups')).toBeGreaterThan(0.7)
    expect(share('groups')).toBeLessThan(0.9)
    expect(share('me')).toBeGreaterThan(0.1)
    expect(share('me')).toBeLessThan(0.3)
    for (const file of items.filter((i) => i.type === 'file')) expect(file.file?.size).toBe(64)
    expect(await db.fileChunks.count()).toBe(items.filter((i) => i.type === 'file').length)

    const store = new ItemsStore(db)
    const viewer = await store.viewerFor(friendKeys[0]!)
    const visible = items.filter((i) => canSee(i.audience, viewer)).length
    const pagesInWalk = Math.ceil(visible / 50)
    const times = await timeScopedPages(store, friendKeys[0]!, pagesInWalk + 3) // wraps round to the start
    expect(times).toHaveLength(pagesInWalk + 3)
    for (const ms of times) expect(ms).toBeGreaterThanOrEqual(0)
    // The walk saw every visible item: each one was delivered.
    expect(await deliveriesToFriends(db, [friendKeys[0]!])).toHaveLength(visible)
    // The twin sees exactly what the first friend sees, and was given none of it.
    expect(seed.twinFriendKey).toBe(friendKeys[1])
    expect(await deliveriesToFriends(db, [seed.twinFriendKey])).toHaveLength(0)
    const twin = await listAll(store, seed.twinFriendKey, {}, 50)
    expect(twin.items.map((i) => i.id)).toEqual(items.filter((i) => canSee(i.audience, viewer)).sort((a, b) => a.listedAt - b.listedAt).map((i) => i.id))
    // The sparse friend sees the items for all friends, one in a hundred.
    const sparse = await listAll(store, seed.sparseFriendKey, {}, 50)
    expect(sparse.items.map((i) => i.id)).toEqual(items.filter((i) => i.audience.kind === 'friends').sort((a, b) => a.listedAt - b.listedAt).map((i) => i.id))
    // Grown in place to 3,000 (notes and posts), listed like the others.
    await extendScale(db, seed, 2000, 3000)
    const grown = await db.items.toArray()
    expect(grown).toHaveLength(3000)
    expect(grown.filter((i) => i.audience.kind === 'friends')).toHaveLength(30)
    expect((await listAll(store, seed.sparseFriendKey, {}, 50)).items).toHaveLength(30)
    // Seeded items work with the store as if written by it.
    expect((await listAll(store, friendKeys[1]!, {}, 200)).items.length).toBeGreaterThan(0)
    const created = await store.create({ type: 'note', text: 'new', audience: { kind: 'friends' } })
    expect(created.updatedAt).toBeGreaterThan(Math.max(...items.map((i) => i.updatedAt)))
  })
})
