import { describe, expect, it } from 'vitest'
import { NodeDatabase } from '../../node-tab/storage/db'
import { compareStamps, formatStamp, observe, parseStamp, tick } from '../../node-tab/sync/stamps'
import { freshDb, person, setup, TestClock } from './store-fixtures'

const stampsOf = async (db: NodeDatabase): Promise<string[]> => (await db.syncLog.orderBy('seq').toArray()).map((e) => e.stamp)
const ascending = (list: string[]): boolean => list.every((s, i) => i === 0 || compareStamps(list[i - 1]!, s) < 0)

describe('hybrid logical clock', () => {
  it('orders stamps totally: wall, then counter, then device', () => {
    const a = formatStamp({ wall: 1000, counter: 5, device: 'aaaaaaaa' })
    const b = formatStamp({ wall: 1000, counter: 5, device: 'bbbbbbbb' })
    const c = formatStamp({ wall: 1000, counter: 6, device: 'aaaaaaaa' })
    const d = formatStamp({ wall: 1001, counter: 0, device: 'aaaaaaaa' })
    const e = formatStamp({ wall: 10_000, counter: 0, device: 'aaaaaaaa' })
    expect([e, c, b, d, a].sort(compareStamps)).toEqual([a, b, c, d, e])
    expect(parseStamp(c)).toEqual({ wall: 1000, counter: 6, device: 'aaaaaaaa' })
    expect(() => parseStamp('1000.6.aaaaaaaa')).toThrow()
  })

  it('ticks strictly forward even when the wall clock stands still or steps back', () => {
    let last = tick(null, 'aaaaaaaa', 5000)
    const seen = [formatStamp(last)]
    for (const wall of [5000, 5000, 4000, 6000, 1]) {
      last = tick(last, 'aaaaaaaa', wall)
      seen.push(formatStamp(last))
    }
    expect(ascending(seen)).toBe(true)
  })

  it('moves past any stamp it receives, even one from a clock far ahead', () => {
    const mine = tick(null, 'aaaaaaaa', 5000)
    const theirs = { wall: 9000, counter: 7, device: 'ffffffff' }
    const after = tick(observe(mine, theirs, 'aaaaaaaa'), 'aaaaaaaa', 5001)
    expect(compareStamps(formatStamp(after), formatStamp(theirs))).toBeGreaterThan(0)
    // Seeing an older stamp changes nothing.
    expect(observe(after, { wall: 1, counter: 0, device: 'ffffffff' }, 'aaaaaaaa')).toBe(after)
  })
})

describe('the change log', () => {
  it('logs every write to a synced table with a strictly increasing stamp, in the same transaction', async () => {
    const { db, items, friends } = setup()
    const b = person('B')
    await friends.add({ key: b.key, address: b.address, displayName: 'B' })
    const group = await friends.createGroup('family')
    await friends.setMembership(group.id, b.key, true)
    const item = await items.create({ type: 'note', text: 'hi', audience: { kind: 'friends' } })
    await items.delete(item.id)
    const log = await db.syncLog.orderBy('seq').toArray()
    expect(ascending(log.map((e) => e.stamp))).toBe(true)
    // One entry per row: a later change to a row replaces its entry.
    expect(log.map((e) => e.seq).every((seq, i, all) => i === 0 || seq > all[i - 1]!)).toBe(true)
    expect(new Set(log.map((e) => e.table + e.key)).size).toBe(log.length)
    const tables = new Set(log.map((e) => e.table))
    for (const t of ['friends', 'groups', 'memberships', 'items', 'settings']) expect(tables).toContain(t)
    // The deleted item left a tombstone: table, key, stamp, nothing else.
    const tomb = log.find((e) => e.table === 'items')!
    expect(tomb).toEqual({ table: 'items', key: JSON.stringify(item.id), seq: tomb.seq, stamp: tomb.stamp, deleted: true })
    // Device-local settings are not logged; the person's are.
    expect(log.filter((e) => e.table === 'settings').map((e) => JSON.parse(e.key))).toEqual([`resync.${b.key}`])
  })

  it('keeps counting after the database is reopened', async () => {
    const clock = new TestClock()
    const name = freshDb().name
    const first = new NodeDatabase(name, clock.now)
    await first.friends.add({ key: 'a'.repeat(64), address: 'x', displayName: 'A', addedAt: 1 })
    const before = await stampsOf(first)
    first.close()
    clock.t -= 60_000 // the wall clock stepped back while it was closed
    const again = new NodeDatabase(name, clock.now)
    await again.friends.add({ key: 'b'.repeat(64), address: 'x', displayName: 'B', addedAt: 1 })
    const after = await stampsOf(again)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(ascending(after)).toBe(true)
    expect((await again.syncLog.orderBy('seq').last())!.seq).toBe(2)
    again.close()
  })
})
