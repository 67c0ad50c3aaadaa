// The delivery rows (one per answer, see storage/deliveries.ts) against a
// simple oracle: random friends, groups and audiences; friends list pages
// from the start or from their cursor (the same page served again lands on
// the same row, even when an edit moved an item out of it), fetch files (one-item rows, possibly under a page's key),
// and the owner narrows audiences, deletes items, changes groups and removes
// friends. After every step the rows must say exactly what each friend
// received and may still see, and the delete notices exactly what they
// received and may no longer see: no item outside a friend's audience is
// ever served, and none they hold is forgotten.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCursor, type Audience, type ItemCursor } from '../../shared/protocol/items'
import { deliveriesToFriends } from '../../node-tab/storage/deliveries'
import { befriend, collectRange, person, setup, TestClock } from './store-fixtures'

const PEOPLE = Array.from({ length: 3 }, (_, i) => person(`P${i}`))
const GROUPS = 2

type AudienceSpec = { kind: 'friends' } | { kind: 'me' } | { kind: 'groups', groups: number[] }
const audienceSpec: fc.Arbitrary<AudienceSpec> = fc.oneof(
  fc.constant({ kind: 'friends' as const }),
  fc.constant({ kind: 'me' as const }),
  fc.record({ kind: fc.constant('groups' as const), groups: fc.uniqueArray(fc.integer({ min: 0, max: GROUPS - 1 }), { minLength: 1, maxLength: GROUPS }) })
)
const who = fc.integer({ min: 0, max: PEOPLE.length - 1 })
const step = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('page' as const), person: who, limit: fc.integer({ min: 1, max: 5 }), fromStart: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('file' as const), person: who, index: fc.nat() }) },
  fc.record({ op: fc.constant('setAudience' as const), index: fc.nat(), audience: audienceSpec }),
  fc.record({ op: fc.constant('delete' as const), index: fc.nat() }),
  // An edit moves an item to the end of the listing: a page served again from the same first to the same last item then holds less.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('edit' as const), index: fc.nat() }) },
  fc.record({ op: fc.constant('create' as const), audience: audienceSpec, file: fc.boolean() }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('membership' as const), group: fc.integer({ min: 0, max: GROUPS - 1 }), person: who, member: fc.boolean() }) },
  fc.record({ op: fc.constant('removeFriend' as const), person: who })
)
const scenario = fc.record({
  items: fc.array(fc.record({ audience: audienceSpec, file: fc.boolean() }), { maxLength: 12 }),
  members: fc.array(fc.tuple(fc.integer({ min: 0, max: GROUPS - 1 }), who), { maxLength: 4 }),
  steps: fc.array(step, { minLength: 1, maxLength: 25 })
})

describe('delivery rows property', () => {
  it('record exactly what each friend received and may still see; notices exactly what they lost', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const clock = new TestClock()
      const { items, friends, db } = setup(clock)
      const groupIds: string[] = []
      for (let g = 0; g < GROUPS; g++) groupIds.push((await friends.createGroup(`g${g}`)).id)
      await befriend(friends, ...PEOPLE)
      const isFriend = new Set(PEOPLE.keys())
      const members = new Set<string>()
      for (const [g, p] of sc.members) {
        await friends.setMembership(groupIds[g]!, PEOPLE[p]!.key, true)
        members.add(`${g}:${p}`)
      }
      const audiences = new Map<string, AudienceSpec>()
      const files = new Set<string>()
      const toAudience = (spec: AudienceSpec): Audience => spec.kind === 'groups' ? { kind: 'groups', groupIds: spec.groups.map((g) => groupIds[g]!) } : spec
      const mayView = (p: number, id: string): boolean => {
        const a = audiences.get(id)
        if (!a || !isFriend.has(p) || a.kind === 'me') return false
        return a.kind === 'friends' || a.groups.some((g) => members.has(`${g}:${p}`))
      }
      const create = async (spec: { audience: AudienceSpec, file: boolean }): Promise<void> => {
        clock.advance()
        const row = await items.create(spec.file
          ? { type: 'file', text: '', audience: toAudience(spec.audience), file: { name: 'f', mime: 'x/y', content: new Blob([new Uint8Array([7])]) } }
          : { type: 'note', text: 't', audience: toAudience(spec.audience) })
        audiences.set(row.id, spec.audience)
        if (spec.file) files.add(row.id)
      }
      for (const spec of sc.items) await create(spec)

      // The oracle: what each friend holds (received, still theirs) and what they must be told.
      const holds = PEOPLE.map(() => new Set<string>())
      const told = PEOPLE.map(() => new Set<string>())
      const cursors: Array<ItemCursor | undefined> = PEOPLE.map(() => undefined)
      const received = (p: number, id: string): void => {
        holds[p]!.add(id)
        told[p]!.delete(id) // shown again: the waiting notice is withdrawn
      }
      /** After a change: whoever holds an item they may no longer see is owed a notice. */
      const settle = (): void => {
        for (const p of PEOPLE.keys()) {
          for (const id of holds[p]!) {
            if (mayView(p, id)) continue
            holds[p]!.delete(id)
            told[p]!.add(id)
          }
        }
      }

      for (const s of sc.steps) {
        clock.advance()
        const live = [...audiences.keys()]
        if (s.op === 'page' && isFriend.has(s.person)) {
          const page = await items.listVisible(PEOPLE[s.person]!.key, { limit: s.limit, after: s.fromStart ? undefined : cursors[s.person] })
          for (const item of page.items) {
            expect(mayView(s.person, item.id)).toBe(true)
            received(s.person, item.id)
          }
          cursors[s.person] = page.done || page.cursor === null ? undefined : decodeCursor(page.cursor)
        } else if (s.op === 'file' && isFriend.has(s.person) && files.size > 0) {
          const id = [...files][s.index % files.size]!
          const fetched = collectRange(items.fileRangeForFriend(PEOPLE[s.person]!.key, { id, offset: 0, length: 1 }))
          if (mayView(s.person, id)) {
            await expect(fetched).resolves.toEqual({ bytes: new Uint8Array([7]), size: 1 })
            received(s.person, id)
          } else {
            await expect(fetched).rejects.toMatchObject({ code: 'NOT_FOUND' })
          }
        } else if (s.op === 'setAudience' && live.length > 0) {
          const id = live[s.index % live.length]!
          await items.setAudience(id, toAudience(s.audience))
          audiences.set(id, s.audience)
        } else if (s.op === 'delete' && live.length > 0) {
          const id = live[s.index % live.length]!
          await items.delete(id)
          audiences.delete(id)
          files.delete(id)
        } else if (s.op === 'edit' && live.length > 0) {
          await items.editText(live[s.index % live.length]!, `edited ${clock.now()}`)
        } else if (s.op === 'create') {
          await create(s)
        } else if (s.op === 'membership' && isFriend.has(s.person)) {
          await friends.setMembership(groupIds[s.group]!, PEOPLE[s.person]!.key, s.member)
          if (s.member) members.add(`${s.group}:${s.person}`)
          else members.delete(`${s.group}:${s.person}`)
        } else if (s.op === 'removeFriend' && isFriend.has(s.person)) {
          await friends.remove(PEOPLE[s.person]!.key)
          isFriend.delete(s.person)
          for (let g = 0; g < GROUPS; g++) members.delete(`${g}:${s.person}`)
        }
        settle()

        for (const [p, someone] of PEOPLE.entries()) {
          const delivered = (await deliveriesToFriends(db, [someone.key])).map((d) => d.itemId).sort()
          expect(delivered).toEqual([...holds[p]!].sort())
          const notices = (await db.notices.where('friendKey').equals(someone.key).toArray()).map((n) => n.itemId).sort()
          expect(notices).toEqual([...told[p]!].sort())
        }
      }
      // No row holds an id twice, or nothing at all.
      for (const row of await db.deliveryPages.toArray()) {
        expect(row.itemIds.length).toBeGreaterThan(0)
        expect(new Set(row.itemIds).size).toBe(row.itemIds.length)
      }
      db.close()
    }), { numRuns: 150 })
  }, 180_000)
})
