// The visibility index (node-tab/storage/visibility-index.ts) behind a
// friend's scoped page: the page read through it is exactly the audience
// filter over every item, in listing order, with every request filter; a
// forged index entry grants nothing; an existing database gets the index on
// upgrade; and a page reads rows in proportion to the page, not the store.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DBCore, Middleware } from 'dexie'
import type { Audience, ItemType } from '../../shared/protocol/items'
import { decodeCursor } from '../../shared/protocol/items'
import { NodeDatabase, type ItemRow } from '../../node-tab/storage/db'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { wasDelivered } from '../../node-tab/storage/deliveries'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { befriend, freshDb, kithError, listAll, oldDatabase, person, setup, TestClock } from './store-fixtures'

const PEOPLE = Array.from({ length: 4 }, (_, i) => person(`P${i}`))
const GROUPS = 4
const TYPES: ItemType[] = ['note', 'post', 'file']

type AudienceSpec = { kind: 'friends' } | { kind: 'me' } | { kind: 'groups', groups: number[] }
const audienceSpec: fc.Arbitrary<AudienceSpec> = fc.oneof(
  fc.constant({ kind: 'friends' as const }),
  fc.constant({ kind: 'me' as const }),
  fc.record({ kind: fc.constant('groups' as const), groups: fc.uniqueArray(fc.integer({ min: 0, max: GROUPS - 1 }), { minLength: 1, maxLength: GROUPS }) })
)

const scenario = fc.record({
  friends: fc.array(fc.boolean(), { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  memberships: fc.array(fc.tuple(fc.integer({ min: 0, max: GROUPS - 1 }), fc.integer({ min: 0, max: PEOPLE.length - 1 })), { maxLength: 12 }),
  items: fc.array(fc.record({ type: fc.constantFrom<ItemType>('note', 'post'), audience: audienceSpec, gap: fc.integer({ min: 0, max: 3 }) }), { maxLength: 40 }),
  // Audience changes and edits move items to the end of the listing order.
  changes: fc.array(fc.record({ index: fc.nat(), audience: fc.option(audienceSpec, { nil: undefined }) }), { maxLength: 8 }),
  viewer: fc.integer({ min: 0, max: PEOPLE.length - 1 }),
  types: fc.option(fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  createdFrom: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  createdTo: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  limit: fc.integer({ min: 1, max: 12 })
})

describe('visibility index', () => {
  it('property: a friend\'s pages are exactly the items the audiences and filters allow, in listing order', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const clock = new TestClock()
      const { items, friends, db } = setup(clock)
      const t0 = clock.t
      const groupIds: string[] = []
      for (let g = 0; g < GROUPS; g++) groupIds.push((await friends.createGroup(`g${g}`)).id)
      const isFriend = new Set<number>()
      for (const [p, on] of sc.friends.entries()) if (on) { await befriend(friends, PEOPLE[p]!); isFriend.add(p) }
      const member = new Set<string>()
      for (const [g, p] of sc.memberships) {
        if (!isFriend.has(p)) continue
        await friends.setMembership(groupIds[g]!, PEOPLE[p]!.key, true)
        member.add(`${g}:${p}`)
      }
      const toAudience = (spec: AudienceSpec): Audience => spec.kind === 'groups' ? { kind: 'groups', groupIds: spec.groups.map((g) => groupIds[g]!) } : spec
      const specs = new Map<string, AudienceSpec>()
      const made: string[] = []
      for (const it of sc.items) {
        clock.advance(it.gap * 1000)
        const row = await items.create({ type: it.type, text: 'x', audience: toAudience(it.audience) })
        specs.set(row.id, it.audience)
        made.push(row.id)
      }
      for (const change of sc.changes) {
        if (made.length === 0) break
        const id = made[change.index % made.length]!
        clock.advance()
        if (change.audience) {
          await items.setAudience(id, toAudience(change.audience))
          specs.set(id, change.audience)
        } else {
          await items.editText(id, `edited ${clock.t}`)
        }
      }

      // The oracle: plain sets and the rows in the listing order's index.
      const mayView = (id: string): boolean => {
        const spec = specs.get(id)!
        if (!isFriend.has(sc.viewer)) return false
        if (spec.kind === 'friends') return true
        if (spec.kind === 'me') return false
        return spec.groups.some((g) => member.has(`${g}:${sc.viewer}`))
      }
      const from = sc.createdFrom === undefined ? undefined : t0 + sc.createdFrom * 1000
      const to = sc.createdTo === undefined ? undefined : t0 + sc.createdTo * 1000
      const expected = (await db.items.orderBy('[listedAt+id]').toArray())
        .filter((row: ItemRow) => mayView(row.id) &&
          (sc.types === undefined || sc.types.includes(row.type)) &&
          (from === undefined || row.createdAt >= from) && (to === undefined || row.createdAt <= to))
        .map((row) => row.id)

      const viewerKey = PEOPLE[sc.viewer]!.key
      const params = { types: sc.types, createdFrom: from, createdTo: to }
      if (!isFriend.has(sc.viewer)) {
        await kithError(items.listVisible(viewerKey, { ...params, limit: sc.limit }), 'UNAUTHORIZED')
        return
      }
      const listed = await listAll(items, viewerKey, params, sc.limit)
      expect(listed.items.map((i) => i.id)).toEqual(expected)
      await db.delete()
    }), { numRuns: 60 })
  }, 120_000) // 60 stores: on a busy machine more than the default 20 s, as its sibling in access-policy.property

  it('takes its entries from the audience on every write: a forged entry grants nothing, an update moves them', async () => {
    const clock = new TestClock()
    const { items, friends, db } = setup(clock)
    const bob = person('Bob')
    await befriend(friends, bob)
    const group = await friends.createGroup('Family')
    const mine = await items.create({ type: 'note', text: 'only me', audience: { kind: 'me' } })
    // A row written with entries that claim every friend may see it.
    await db.items.put({ ...mine, seenBy: [['*', mine.listedAt, mine.id]] })
    expect((await db.items.get(mine.id))!.seenBy).toEqual([])
    expect((await items.listVisible(bob.key, { limit: 10 })).items).toEqual([])
    // Changed through Dexie's update: the entries follow the new audience.
    await db.items.update(mine.id, { audience: { kind: 'groups', groupIds: [group.id] } })
    expect((await db.items.get(mine.id))!.seenBy).toEqual([[`g:${group.id}`, mine.listedAt, mine.id]])
    expect((await items.listVisible(bob.key, { limit: 10 })).items).toEqual([])
    await friends.setMembership(group.id, bob.key, true)
    expect((await items.listVisible(bob.key, { limit: 10 })).items.map((i) => i.id)).toEqual([mine.id])
    // The owner's own reads never carry the entries.
    expect(await items.get(mine.id)).not.toHaveProperty('seenBy')
    expect((await items.listMine())[0]).not.toHaveProperty('seenBy')
  })

  it('reads about a page of rows per tag, however few of the items the friend may see', async () => {
    const clock = new TestClock()
    let rowsRead = 0
    // Counts the item rows IndexedDB hands back, by any kind of read.
    const counter: Middleware<DBCore> = {
      stack: 'dbcore',
      name: 'count-item-reads',
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name)
          if (name !== 'items') return table
          return {
            ...table,
            query: async (req) => { const res = await table.query(req); rowsRead += res.result.length; return res },
            openCursor: async (req) => {
              const cursor = await table.openCursor(req)
              if (cursor) rowsRead++
              return cursor && new Proxy(cursor, {
                get: (target, prop) => {
                  const value = Reflect.get(target, prop) as unknown
                  if (prop === 'continue' || prop === 'advance') rowsRead++
                  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
                }
              })
            },
            get: async (req) => { rowsRead++; return table.get(req) },
            getMany: async (req) => { rowsRead += req.keys.length; return table.getMany(req) }
          }
        }
      })
    }
    const db = freshDb()
    db.use(counter)
    const friends = new FriendsStore(db, clock.now)
    const items = new ItemsStore(db, clock.now)
    const [sparse, close] = [person('Sparse'), person('Close')]
    await befriend(friends, sparse, close)
    const group = await friends.createGroup('Close')
    await friends.setMembership(group.id, close.key, true)
    // 2,000 items: one in a hundred for all friends, the rest for the group.
    const rows: ItemRow[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `item${String(i).padStart(5, '0')}`, type: 'note', text: 'x', createdAt: i, updatedAt: i + 1, listedAt: i + 1,
      audience: i % 100 === 50 ? { kind: 'friends' } : { kind: 'groups', groupIds: [group.id] }
    }))
    await db.items.bulkAdd(rows)

    rowsRead = 0
    const page = await items.listVisible(sparse.key, { limit: 5 })
    expect(page.items.map((i) => i.id)).toEqual(['item00050', 'item00150', 'item00250', 'item00350', 'item00450'])
    // Its one tag ('*'): the page and one more row, and the counter does count.
    expect(rowsRead).toBeGreaterThanOrEqual(5)
    expect(rowsRead).toBeLessThanOrEqual(6)
    rowsRead = 0
    const next = await items.listVisible(sparse.key, { limit: 5, after: decodeCursor(page.cursor!) })
    expect(next.items[0]!.id).toBe('item00550')
    expect(rowsRead).toBeLessThanOrEqual(6)
    rowsRead = 0
    // Two tags ('*' and the group), read in slices of their share of the
    // page: a slice of each, and the group's next (its items come first).
    await items.listVisible(close.key, { limit: 5 })
    expect(rowsRead).toBeLessThanOrEqual(3 * 5)
  })

  it('version 6: an existing database gets the index, and keeps its deliveries', async () => {
    const clock = new TestClock()
    const name = `t-v6-${Math.random().toString(36).slice(2)}`
    const old = oldDatabase(name, 5)
    const [f, g] = [person('F'), person('G')]
    await old.table('friends').bulkAdd([f, g].map((p) => ({ key: p.key, address: p.address, displayName: p.displayName, addedAt: 1 })))
    await old.table('groups').add({ id: 'fam1', name: 'family', createdAt: 1 })
    await old.table('memberships').add({ groupId: 'fam1', friendKey: f.key })
    await old.table('items').bulkAdd([
      { id: 'item1', type: 'note', text: 'one', createdAt: 1, updatedAt: 10, listedAt: 30, audience: { kind: 'friends' } },
      { id: 'item2', type: 'note', text: 'two', createdAt: 2, updatedAt: 20, listedAt: 20, audience: { kind: 'groups', groupIds: ['fam1'] } },
      { id: 'item3', type: 'note', text: 'three', createdAt: 3, updatedAt: 25, listedAt: 25, audience: { kind: 'me' } }
    ])
    const deliveries = [{ itemId: 'item1', friendKey: f.key, deliveredAt: 5 }, { itemId: 'item2', friendKey: f.key, deliveredAt: 6 }]
    await old.table('deliveries').bulkAdd(deliveries)
    old.close()

    const db = new NodeDatabase(name, clock.now)
    try {
      expect(db.verno).toBe(7)
      expect((await db.items.orderBy('id').toArray()).map((i) => i.seenBy)).toEqual([
        [['*', 30, 'item1']], [['g:fam1', 20, 'item2']], []
      ])
      // Both upgrades ran, one after the other: the deliveries are schema 6's rows.
      for (const d of deliveries) expect(await wasDelivered(db, d.itemId, d.friendKey)).toBe(true)
      const items = new ItemsStore(db, clock.now)
      expect((await items.listVisible(f.key, { limit: 10 })).items.map((i) => i.id)).toEqual(['item2', 'item1'])
      expect((await items.listVisible(g.key, { limit: 10 })).items.map((i) => i.id)).toEqual(['item1'])
    } finally {
      await db.delete()
    }
  })
})
