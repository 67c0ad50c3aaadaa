// A friend's scoped page is read beside their groups, with the groups their
// last page found (ItemsStore.listVisible's guess). The attacker: a friend
// whose access just shrank (left a group, an item narrowed away from them or
// deleted, removed as a friend) who asks again right after, on the same node,
// with the cursor they hold. The guess is stale then; what they get must be
// exactly what a node that never guessed gives them, and nothing they may not see.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Audience } from '../../shared/protocol/items'
import { decodeCursor } from '../../shared/protocol/items'
import { canSee } from '../../node-tab/storage/access-policy'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { befriend, kithError, person, setup, TestClock } from './store-fixtures'

const GROUPS = 3
const FRIEND = person('Mallory')
const OTHER = person('Olive')

const audience = fc.oneof(
  fc.constant({ kind: 'friends' as const }),
  fc.constant({ kind: 'me' as const }),
  fc.record({ kind: fc.constant('groups' as const), groups: fc.uniqueArray(fc.integer({ min: 0, max: GROUPS - 1 }), { minLength: 1, maxLength: GROUPS }) })
)

// What changes between the page that left the guess and the next request.
// Leaving a group is the change a stale guess would get wrong: drawn most.
const change = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('leave' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }) }), weight: 5 },
  fc.record({ kind: fc.constant('join' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }) }),
  fc.record({ kind: fc.constant('narrow' as const), item: fc.nat(), to: audience }),
  fc.record({ kind: fc.constant('delete' as const), item: fc.nat() }),
  fc.record({ kind: fc.constant('delete-group' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }) }),
  fc.constant({ kind: 'remove-friend' as const })
)

const scenario = fc.record({
  memberOf: fc.uniqueArray(fc.integer({ min: 0, max: GROUPS - 1 }), { minLength: 1, maxLength: GROUPS }),
  items: fc.array(audience, { minLength: 1, maxLength: 30 }),
  limit: fc.integer({ min: 1, max: 8 }),
  pagesBefore: fc.integer({ min: 1, max: 3 }),
  changes: fc.array(change, { minLength: 1, maxLength: 3 })
})

describe('scoped page: the guessed viewer', () => {
  it('a friend who just left a group asks again with their cursor: nothing of that group', async () => {
    const { friends, items } = setup()
    const group = await friends.createGroup('close friends')
    await befriend(friends, FRIEND)
    await friends.setMembership(group.id, FRIEND.key, true)
    for (let i = 0; i < 4; i++) await items.create({ type: 'note', text: `for the group ${i}`, audience: { kind: 'groups', groupIds: [group.id] } })
    const first = await items.listVisible(FRIEND.key, { limit: 2 })
    expect(first.items).toHaveLength(2)
    await friends.setMembership(group.id, FRIEND.key, false)
    const again = await items.listVisible(FRIEND.key, { limit: 2, after: decodeCursor(first.cursor!) })
    expect(again.items).toEqual([])
    expect((await items.listVisible(FRIEND.key, { limit: 2 })).items).toEqual([])
  })


  it('property: right after their access changes, a friend gets what a node that never guessed gives, and nothing outside their audience', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const clock = new TestClock()
      const { db, friends, items } = setup(clock)
      const groupIds: string[] = []
      for (let g = 0; g < GROUPS; g++) groupIds.push((await friends.createGroup(`g${g}`)).id)
      await befriend(friends, FRIEND, OTHER)
      for (const g of sc.memberOf) await friends.setMembership(groupIds[g]!, FRIEND.key, true)
      const toAudience = (spec: { kind: 'friends' | 'me' } | { kind: 'groups', groups: number[] }): Audience =>
        spec.kind === 'groups' ? { kind: 'groups', groupIds: spec.groups.map((g) => groupIds[g]!) } : spec
      const made: string[] = []
      for (const spec of sc.items) {
        clock.advance()
        made.push((await items.create({ type: 'note', text: 'x', audience: toAudience(spec) })).id)
      }

      // Pages that leave the guess (this friend's groups as they were).
      let cursor: string | null = null
      for (let i = 0; i < sc.pagesBefore; i++) {
        const page = await items.listVisible(FRIEND.key, { limit: sc.limit, ...(cursor ? { after: decodeCursor(cursor) } : {}) })
        if (page.cursor) cursor = page.cursor
      }

      let removed = false
      for (const c of sc.changes) {
        clock.advance()
        if (c.kind === 'leave' || c.kind === 'join') {
          if (!removed && groupIds[c.group]) await friends.setMembership(groupIds[c.group]!, FRIEND.key, c.kind === 'join').catch(() => {})
        } else if (c.kind === 'narrow' || c.kind === 'delete') {
          const id = made[c.item % made.length]!
          if (!await db.items.get(id)) continue
          if (c.kind === 'narrow') await items.setAudience(id, toAudience(c.to)).catch(() => { /* a group since deleted */ })
          else await items.delete(id)
        } else if (c.kind === 'delete-group') {
          if (groupIds[c.group] && await db.groups.get(groupIds[c.group]!)) await friends.deleteGroup(groupIds[c.group]!)
        } else {
          if (!removed) await friends.remove(FRIEND.key)
          removed = true
        }
      }

      // The same node asks again at once, from the cursor and from the start;
      // a node that never guessed (a fresh ItemsStore on the same store) is the oracle.
      const oracle = new ItemsStore(db, clock.now)
      for (const after of [cursor ? decodeCursor(cursor) : undefined, undefined]) {
        const params = { limit: sc.limit, ...(after ? { after } : {}) }
        if (removed) {
          await kithError(items.listVisible(FRIEND.key, params), 'UNAUTHORIZED')
          continue
        }
        const got = await items.listVisible(FRIEND.key, params)
        const want = await oracle.listVisible(FRIEND.key, params)
        expect(got.items.map((i) => i.id)).toEqual(want.items.map((i) => i.id))
        expect(got.done).toBe(want.done)
        const viewer = await oracle.viewerFor(FRIEND.key)
        for (const item of got.items) {
          const row = await db.items.get(item.id)
          expect(row && canSee(row.audience, viewer)).toBe(true)
        }
      }
      await db.delete()
    }), { numRuns: 60 })
  }, 120_000) // 60 stores, like its siblings: more than the default 20 s on a busy machine
})
