// What a friend's page read past its end is kept for their next page
// (read-ahead.ts). The attacker: a friend walking through the owner's items
// while the owner deletes, narrows or edits an item that page already read
// past. The next page must be exactly what a node that kept nothing gives,
// and never an item the friend may no longer see.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Audience, ItemType } from '../../shared/protocol/items'
import { decodeCursor } from '../../shared/protocol/items'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { newItemId } from '../../node-tab/storage/ids'
import { MAX_KEPT_CHARS, ReadAheads } from '../../node-tab/storage/read-ahead'
import type { ItemRow } from '../../node-tab/storage/db'
import type { TagStream } from '../../node-tab/storage/visible-page'
import { befriend, person, setup, TestClock } from './store-fixtures'

const FRIEND = person('Mallory')

describe('read-ahead: the rows a page read past its end', () => {
  it('an item deleted after the page that read past it is not served with the next page', async () => {
    const { friends, items } = setup()
    const group = await friends.createGroup('family')
    await befriend(friends, FRIEND)
    await friends.setMembership(group.id, FRIEND.key, true)
    const made: string[] = []
    // Two tags (all friends, the group): each is read past the page.
    for (let i = 0; i < 12; i++) {
      const audience: Audience = i % 2 === 0 ? { kind: 'friends' } : { kind: 'groups', groupIds: [group.id] }
      made.push((await items.create({ type: 'note', text: `note ${i}`, audience })).id)
    }
    const first = await items.listVisible(FRIEND.key, { limit: 3 })
    expect(first.items.map((i) => i.id)).toEqual(made.slice(0, 3))
    // Read past the page (and kept): the next two items. One goes, one is
    // narrowed to the owner alone.
    await items.delete(made[3]!)
    await items.setAudience(made[4]!, { kind: 'me' })
    const next = await items.listVisible(FRIEND.key, { limit: 3, after: decodeCursor(first.cursor!) })
    expect(next.items.map((i) => i.id)).toEqual(made.slice(5, 8))
  })

  it('a friend taken out of a group between pages gets none of its items read ahead', async () => {
    const { friends, items } = setup()
    const group = await friends.createGroup('family')
    await befriend(friends, FRIEND)
    await friends.setMembership(group.id, FRIEND.key, true)
    for (let i = 0; i < 10; i++) await items.create({ type: 'note', text: `note ${i}`, audience: { kind: 'groups', groupIds: [group.id] } })
    const first = await items.listVisible(FRIEND.key, { limit: 2 })
    expect(first.items).toHaveLength(2)
    await friends.setMembership(group.id, FRIEND.key, false)
    const next = await items.listVisible(FRIEND.key, { limit: 2, after: decodeCursor(first.cursor!) })
    expect(next.items).toEqual([])
  })

  it('a friend who changes the filter between pages, cursor kept, gets what the first filter passed over', async () => {
    const { friends, items } = setup()
    await befriend(friends, FRIEND)
    const made: string[] = []
    for (const type of ['note', 'post', 'note', 'post', 'note'] as const) made.push((await items.create({ type, text: type, audience: { kind: 'friends' } })).id)
    // Notes only: the page is the first note; the post after it is passed
    // over on the way to the second note (read to tell that more follow).
    const first = await items.listVisible(FRIEND.key, { limit: 1, types: ['note'] })
    expect(first.items.map((i) => i.id)).toEqual([made[0]])
    const next = await items.listVisible(FRIEND.key, { limit: 2, after: decodeCursor(first.cursor!) })
    expect(next.items.map((i) => i.id)).toEqual(made.slice(1, 3))
  })

  it('a read-ahead holding more text than MAX_KEPT_CHARS is not kept (a friend asking for long items cannot make the node hold them)', () => {
    const row = (i: number, chars: number): ItemRow => ({ id: `i${i}`, type: 'note', text: 'x'.repeat(chars), createdAt: i, updatedAt: i, listedAt: i, audience: { kind: 'friends' } })
    const streams = (chars: number): TagStream[] => [{ tag: '*', rows: [row(2, chars / 2), row(3, chars / 2)], from: { listedAt: 3, id: 'i3' }, done: false }]
    const end = { listedAt: 1, id: 'i1' }
    const aheads = new ReadAheads()
    aheads.keep(FRIEND.key, 'shape', end, streams(MAX_KEPT_CHARS), [], 0)
    expect(aheads.take(FRIEND.key, 'shape', end, 0)?.[0]?.rows).toHaveLength(2)
    aheads.keep(FRIEND.key, 'shape', end, streams(MAX_KEPT_CHARS + 2), [], 0)
    expect(aheads.take(FRIEND.key, 'shape', end, 0)).toBeUndefined()
  })

  const audience = fc.oneof(
    fc.constant({ kind: 'friends' as const }),
    fc.constant({ kind: 'me' as const }),
    fc.record({ kind: fc.constant('groups' as const), groups: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }) })
  )
  const change = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), item: fc.nat() }),
    fc.record({ kind: fc.constant('narrow' as const), item: fc.nat(), to: audience }),
    fc.record({ kind: fc.constant('edit' as const), item: fc.nat() }),
    fc.record({ kind: fc.constant('add' as const), to: audience })
  )

  // A page's filters: a friend may change them between pages, cursor kept.
  const types = fc.constantFrom<ItemType[] | undefined>(undefined, ['note'], ['post'])

  it('property: walking page by page while items change and filters differ, each page is what a node that kept nothing gives', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
      fc.array(fc.tuple(audience, fc.boolean()), { minLength: 10, maxLength: 40 }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.tuple(fc.option(change, { nil: undefined }), types), { minLength: 4, maxLength: 12 }),
      async (memberOf, specs, limit, pages) => {
        const clock = new TestClock()
        const { db, friends, items } = setup(clock)
        const groupIds: string[] = []
        for (let g = 0; g < 3; g++) groupIds.push((await friends.createGroup(`g${g}`)).id)
        await befriend(friends, FRIEND)
        for (const g of memberOf) await friends.setMembership(groupIds[g]!, FRIEND.key, true)
        const toAudience = (spec: { kind: 'friends' | 'me' } | { kind: 'groups', groups: number[] }): Audience =>
          spec.kind === 'groups' ? { kind: 'groups', groupIds: spec.groups.map((g) => groupIds[g]!) } : spec
        const made: string[] = []
        for (const [spec, isNote] of specs) {
          clock.advance()
          made.push((await items.create({ type: isNote ? 'note' : 'post', text: 'x', audience: toAudience(spec) })).id)
        }
        let after: ReturnType<typeof decodeCursor> | undefined
        for (let page = 0; page < 20; page++) {
          // Between pages: one change, or none (the read-ahead is used).
          const [c, filter] = pages[page] ?? [undefined, undefined]
          if (c) {
            clock.advance()
            const id = made[(c.kind === 'add' ? 0 : c.item) % made.length]!
            const exists = await db.items.get(id) !== undefined
            if (c.kind === 'add') made.push((await items.create({ type: 'note', text: 'new', audience: toAudience(c.to) })).id)
            else if (exists && c.kind === 'delete') await items.delete(id)
            else if (exists && c.kind === 'narrow') await items.setAudience(id, toAudience(c.to))
            else if (exists && c.kind === 'edit') await items.editText(id, 'edited')
          }
          const params = { limit, ...(after ? { after } : {}), ...(filter ? { types: filter } : {}) }
          const oracle = new ItemsStore(db, clock.now)
          const want = await oracle.listVisible(FRIEND.key, params)
          const got = await items.listVisible(FRIEND.key, params)
          expect(got.items.map((i) => i.id)).toEqual(want.items.map((i) => i.id))
          expect(got.done).toBe(want.done)
          if (got.done || !got.cursor) break
          after = decodeCursor(got.cursor)
        }
        await db.delete()
      }), { numRuns: 60 })
  }, 120_000)
})

describe('item ids', () => {
  it('sort by the time they were made, all 21 characters, and differ when made in the same millisecond', () => {
    const times = [Date.UTC(2005, 0, 1), Date.UTC(2026, 11, 7), Date.UTC(2026, 11, 7) + 1, Date.UTC(2200, 0, 1)]
    const made = times.map((t) => newItemId(t))
    expect([...made].sort()).toEqual(made)
    for (const id of made) expect(id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{21}$/)
    const same = Array.from({ length: 100 }, () => newItemId(times[1]!))
    expect(new Set(same).size).toBe(100)
  })
})
