// The access policy against a deliberately simple oracle: random friends,
// groups, memberships, audiences and changes; every friend's listing (paged
// with the cursor) and every friend's incrementally synced cache must hold
// exactly what the oracle allows, and a stranger must get nothing.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KithError } from '../../shared/wire/errors'
import { decodeCursor, type Audience, type ItemType } from '../../shared/protocol/items'
import { canSee } from '../../node-tab/storage/access-policy'
import { befriend, collectRange, listAll, person, setup, TestClock } from './store-fixtures'

const PEOPLE = Array.from({ length: 5 }, (_, i) => person(`P${i}`))
const GROUPS = 3

type AudienceSpec = { kind: 'friends' } | { kind: 'me' } | { kind: 'groups', groups: number[] }

const audienceSpec: fc.Arbitrary<AudienceSpec> = fc.oneof(
  fc.constant({ kind: 'friends' as const }),
  fc.constant({ kind: 'me' as const }),
  fc.record({ kind: fc.constant('groups' as const), groups: fc.uniqueArray(fc.integer({ min: 0, max: GROUPS - 1 }), { minLength: 1, maxLength: GROUPS }) })
)
const itemSpec = fc.record({ type: fc.constantFrom<ItemType>('note', 'post', 'file'), audience: audienceSpec, gap: fc.integer({ min: 0, max: 3 }) })

const change = fc.oneof(
  fc.record({ op: fc.constant('create' as const), item: itemSpec }),
  fc.record({ op: fc.constant('setAudience' as const), index: fc.nat(), audience: audienceSpec }),
  fc.record({ op: fc.constant('delete' as const), index: fc.nat() }),
  // Joining and leaving groups is where incremental sync is subtle: drawn more often.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('membership' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }), person: fc.integer({ min: 0, max: PEOPLE.length - 1 }), member: fc.boolean() }) },
  fc.record({ op: fc.constant('deleteGroup' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }) }),
  fc.record({ op: fc.constant('removeFriend' as const), person: fc.integer({ min: 0, max: PEOPLE.length - 1 }) })
)

const scenario = fc.record({
  friends: fc.array(fc.boolean(), { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  memberships: fc.array(fc.tuple(fc.integer({ min: 0, max: GROUPS - 1 }), fc.integer({ min: 0, max: PEOPLE.length - 1 })), { maxLength: 10 }),
  items: fc.array(itemSpec, { maxLength: 25 }),
  changes: fc.array(change, { maxLength: 12 }),
  limit: fc.integer({ min: 1, max: 6 })
})

/** The oracle's world: plain sets, no Viewer, no canSee. */
class Model {
  friends = new Set<number>()
  groupsAlive = new Set(Array.from({ length: GROUPS }, (_, g) => g))
  members = new Set<string>() // "group:person"
  audiences = new Map<string, AudienceSpec>() // live item id -> audience

  mayView (p: number, itemId: string): boolean {
    const audience = this.audiences.get(itemId)
    if (!audience || !this.friends.has(p)) return false
    if (audience.kind === 'friends') return true
    if (audience.kind === 'me') return false
    for (const g of audience.groups) if (this.members.has(`${g}:${p}`)) return true
    return false
  }

  visibleTo (p: number): string[] {
    return [...this.audiences.keys()].filter((id) => this.mayView(p, id)).sort()
  }

  /** Groups that are gone are dropped; none left means only me. */
  live (spec: AudienceSpec): AudienceSpec {
    if (spec.kind !== 'groups') return spec
    const groups = spec.groups.filter((g) => this.groupsAlive.has(g))
    return groups.length > 0 ? { kind: 'groups', groups } : { kind: 'me' }
  }
}

describe('access policy property', () => {
  it('listings and incrementally synced caches hold exactly what the oracle allows', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const clock = new TestClock()
      const { items, friends, db } = setup(clock)
      const model = new Model()
      const groupIds: string[] = []
      for (let g = 0; g < GROUPS; g++) groupIds.push((await friends.createGroup(`g${g}`)).id)
      const toAudience = (spec: AudienceSpec): Audience => spec.kind === 'groups' ? { kind: 'groups', groupIds: spec.groups.map((g) => groupIds[g]!) } : spec
      for (const [p, on] of sc.friends.entries()) {
        if (!on) continue
        await befriend(friends, PEOPLE[p]!)
        model.friends.add(p)
      }
      for (const [g, p] of sc.memberships) {
        if (!model.friends.has(p)) continue
        await friends.setMembership(groupIds[g]!, PEOPLE[p]!.key, true)
        model.members.add(`${g}:${p}`)
      }
      const everCreated: Array<{ id: string, type: ItemType }> = []
      const create = async (spec: { type: ItemType, audience: AudienceSpec, gap: number }): Promise<void> => {
        clock.advance(spec.gap)
        const audience = model.live(spec.audience)
        const row = await items.create(spec.type === 'file'
          ? { type: 'file', text: '', audience: toAudience(audience), file: { name: 'f', mime: 'x/y', content: new Blob([new Uint8Array([1])]) } }
          : { type: spec.type, text: 't', audience: toAudience(audience) })
        model.audiences.set(row.id, audience)
        everCreated.push({ id: row.id, type: row.type })
      }
      for (const spec of sc.items) await create(spec)

      // Each friend syncs everything once and keeps a cache and a cursor.
      const caches = new Map<number, { ids: Set<string>, cursor: string | null }>()
      for (const p of model.friends) {
        const walk = await listAll(items, PEOPLE[p]!.key, {}, sc.limit)
        caches.set(p, { ids: new Set(walk.items.map((i) => i.id)), cursor: walk.cursor })
      }

      for (const c of sc.changes) {
        clock.advance(1)
        const live = [...model.audiences.keys()]
        if (c.op === 'create') await create(c.item)
        else if (c.op === 'setAudience' && live.length > 0) {
          const id = live[c.index % live.length]!
          const audience = model.live(c.audience)
          await items.setAudience(id, toAudience(audience))
          model.audiences.set(id, audience)
        } else if (c.op === 'delete' && live.length > 0) {
          const id = live[c.index % live.length]!
          await items.delete(id)
          model.audiences.delete(id)
        } else if (c.op === 'membership' && model.friends.has(c.person) && model.groupsAlive.has(c.group)) {
          await friends.setMembership(groupIds[c.group]!, PEOPLE[c.person]!.key, c.member)
          if (c.member) model.members.add(`${c.group}:${c.person}`)
          else model.members.delete(`${c.group}:${c.person}`)
        } else if (c.op === 'deleteGroup' && model.groupsAlive.has(c.group)) {
          await friends.deleteGroup(groupIds[c.group]!)
          model.groupsAlive.delete(c.group)
          for (const p of PEOPLE.keys()) model.members.delete(`${c.group}:${p}`)
          for (const [id, audience] of model.audiences) model.audiences.set(id, model.live(audience))
        } else if (c.op === 'removeFriend' && model.friends.has(c.person)) {
          await friends.remove(PEOPLE[c.person]!.key)
          model.friends.delete(c.person)
          for (let g = 0; g < GROUPS; g++) model.members.delete(`${g}:${c.person}`)
          caches.delete(c.person)
        }
      }

      for (const [p, someone] of PEOPLE.entries()) {
        if (!model.friends.has(p)) {
          // A stranger (or a removed friend) gets nothing, not even a file by id.
          await expect(items.listVisible(someone.key, { limit: 50 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
          for (const { id } of everCreated) await expect(items.fileRangeForFriend(someone.key, { id, offset: 0, length: 1 })).rejects.toBeInstanceOf(KithError)
          continue
        }
        // A full listing, paged with the cursor: exactly the visible items, each once.
        const walk = await listAll(items, someone.key, {}, sc.limit)
        const listed = walk.items.map((i) => i.id)
        expect(new Set(listed).size).toBe(listed.length)
        expect([...listed].sort()).toEqual(model.visibleTo(p))
        // A cache kept up to date with delete notices and incremental sync ends up the same.
        const cache = caches.get(p)
        if (cache) {
          const notices = await db.notices.where('friendKey').equals(someone.key).toArray()
          for (const n of notices) cache.ids.delete(n.itemId)
          await db.notices.bulkDelete(notices.map((n): [string, string] => [n.itemId, n.friendKey]))
          const since = await listAll(items, someone.key, cache.cursor ? { after: decodeCursor(cache.cursor) } : {}, sc.limit)
          for (const item of since.items) cache.ids.add(item.id)
          expect([...cache.ids].sort()).toEqual(model.visibleTo(p))
        }
        // Files: bytes exactly when visible; otherwise the one NOT_FOUND.
        for (const { id, type } of everCreated) {
          const fetched = collectRange(items.fileRangeForFriend(someone.key, { id, offset: 0, length: 1 }))
          if (type === 'file' && model.mayView(p, id)) await expect(fetched).resolves.toEqual({ bytes: new Uint8Array([1]), size: 1 })
          else await expect(fetched).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such item.' })
        }
      }
      db.close()
    }), { numRuns: 100 })
  }, 120_000)

  it('canSee agrees with the oracle for any audience and viewer', () => {
    const group = fc.constantFrom('g0', 'g1', 'g2', 'g3')
    const audience: fc.Arbitrary<Audience> = fc.oneof(
      fc.constant({ kind: 'friends' as const }),
      fc.constant({ kind: 'me' as const }),
      fc.record({ kind: fc.constant('groups' as const), groupIds: fc.uniqueArray(group, { minLength: 1 }) })
    )
    fc.assert(fc.property(audience, fc.boolean(), fc.uniqueArray(group), (a, isFriend, memberOf) => {
      const oracle = isFriend && (a.kind === 'friends' || (a.kind === 'groups' && memberOf.filter((g) => a.groupIds.includes(g)).length > 0))
      expect(canSee(a, { isFriend, groupIds: new Set(memberOf) })).toBe(oracle)
    }), { numRuns: 500 })
  })
})
