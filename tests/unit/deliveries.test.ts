// Delivery rows, one per answer (storage/deliveries.ts): what a page writes,
// a page served again, the upgrade from one row per item (schema 6), an
// older backup, and rows from another device that break the rules.
import Dexie from 'dexie'
import { describe, expect, it } from 'vitest'
import { bytesSource, BackupReader, BackupWriter, type ScryptParams } from '../../shared/backup/backup-format'
import { concatBytes } from '../../shared/util/bytes'
import type { Audience } from '../../shared/protocol/items'
import { exportBackup } from '../../node-tab/backup/export'
import { importBackup } from '../../node-tab/backup/import'
import { NodeDatabase, SCHEMA } from '../../node-tab/storage/db'
import { deliveriesToFriends, wasDelivered } from '../../node-tab/storage/deliveries'
import { MAX_ROW_IDS } from '../../node-tab/storage/delivery-keys'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { isKeyOf, isRowOf } from '../../node-tab/storage/row-checks'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { encodeKey } from '../../node-tab/sync/tables'
import { befriend, freshDb, listAll, person, setup, TestClock } from './store-fixtures'
import { device, dump, syncFrom, type Device } from './sync-fixtures'

const note = (text: string) => ({ type: 'note' as const, text, audience: { kind: 'friends' as const } })
const deliveryEntries = async (db: NodeDatabase) => (await db.syncLog.toArray()).filter((e) => e.table === 'deliveryPages')

describe('delivery rows', () => {
  it('a page of 50 is one row and one change-log entry; the same page again writes nothing', async () => {
    const { items, friends, db, clock } = setup()
    const b = person('B')
    await befriend(friends, b)
    for (let i = 0; i < 60; i++) { clock.advance(); await items.create(note(`n${i}`)) }
    const page = await items.listVisible(b.key, { limit: 50 })
    expect(page.items).toHaveLength(50)
    const rows = await db.deliveryPages.toArray()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.itemIds).toEqual(page.items.map((i) => i.id))
    expect(await deliveryEntries(db)).toHaveLength(1)
    const seq = (await db.syncLog.orderBy('seq').last())!.seq

    clock.advance()
    await items.listVisible(b.key, { limit: 50 }) // the friend starts over
    expect(await db.deliveryPages.count()).toBe(1)
    expect((await db.syncLog.orderBy('seq').last())!.seq).toBe(seq)
  })

  it('a page served again without an item it held (edited since, listed later) still remembers that item', async () => {
    const { items, friends, db, clock } = setup()
    const b = person('B')
    await befriend(friends, b)
    const made = []
    for (const text of ['a', 'b', 'c']) { clock.advance(); made.push(await items.create(note(text))) }
    const [a, middle, c] = made
    expect((await items.listVisible(b.key, { limit: 3 })).items.map((i) => i.id)).toEqual([a!.id, middle!.id, c!.id])
    clock.advance()
    await items.editText(middle!.id, 'b, edited') // now listed after c
    expect((await items.listVisible(b.key, { limit: 2 })).items.map((i) => i.id)).toEqual([a!.id, c!.id]) // same first and last item
    expect(await wasDelivered(db, middle!.id, b.key)).toBe(true)
    // So narrowing it still tells B.
    await items.setAudience(middle!.id, { kind: 'me' })
    expect((await db.notices.toArray()).map((n) => [n.itemId, n.friendKey])).toEqual([[middle!.id, b.key]])
  })

  it('what is new in a page served again goes in a row of its own: a row is written once, then only narrowed', async () => {
    const { items, friends, db, clock } = setup()
    const b = person('B')
    await befriend(friends, b)
    const family = await friends.createGroup('family')
    const made = []
    const audiences: Array<[string, Audience]> = [['a', { kind: 'friends' }], ['b', { kind: 'groups', groupIds: [family.id] }], ['c', { kind: 'friends' }]]
    for (const [text, audience] of audiences) {
      clock.advance()
      made.push(await items.create({ type: 'note', text, audience }))
    }
    const [a, hidden, c] = made
    await items.listVisible(b.key, { limit: 3 }) // a, c
    const first = await db.deliveryPages.toArray()
    expect(first.map((r) => r.itemIds)).toEqual([[a!.id, c!.id]])
    clock.advance()
    await friends.setMembership(family.id, b.key, true) // b shows between a and c
    expect((await items.listVisible(b.key, { limit: 3 })).items.map((i) => i.id)).toEqual([a!.id, hidden!.id, c!.id])
    const rows = await db.deliveryPages.toArray()
    expect(rows.find((r) => r.page === first[0]!.page)).toEqual(first[0])
    expect(rows.filter((r) => r.page !== first[0]!.page).map((r) => r.itemIds)).toEqual([[hidden!.id]])
  })

  it('a letter of more items than a page holds is recorded in rows of a page each', async () => {
    const { items, friends, db, clock } = setup()
    const b = person('B')
    await befriend(friends, b)
    for (let i = 0; i < 450; i++) { clock.advance(); await items.create(note(`n${i}`)) }
    const ids = (await listAll(items, b.key, {}, 200)).items.map((i) => i.id)
    await db.deliveryPages.clear()
    const { deliveryTables, recordDeliveries } = await import('../../node-tab/storage/deliveries')
    await db.transaction('rw', deliveryTables(db), () => recordDeliveries(db, b.key, ids, clock.now()))
    expect((await db.deliveryPages.toArray()).map((r) => r.itemIds.length).sort()).toEqual([200, 200, 50].sort())
    expect((await deliveriesToFriends(db, [b.key])).map((d) => d.itemId).sort()).toEqual([...ids].sort())
  })
})

describe('schema version 6 (one delivery row per answer)', () => {
  it('keeps every delivery of version 5, moves its change-log entries to the new rows, and deletions still reach the friend', async () => {
    const clock = new TestClock()
    const name = `t-v6-${Math.random().toString(36).slice(2)}`
    const old = new Dexie(name)
    for (let v = 1; v <= 5; v++) old.version(v).stores(SCHEMA[v as 1 | 2 | 3 | 4 | 5])
    const [f, g] = [person('F'), person('G')]
    await old.table('friends').bulkAdd([f, g].map((p) => ({ key: p.key, address: p.address, displayName: p.displayName, addedAt: 1 })))
    await old.table('items').bulkAdd(['item1', 'item2'].map((id, i) => ({ id, type: 'note', text: id, createdAt: i, updatedAt: 10 + i, listedAt: 10 + i, audience: { kind: 'friends' } })))
    const legacy = [{ itemId: 'item1', friendKey: f.key, deliveredAt: 5 }, { itemId: 'item2', friendKey: f.key, deliveredAt: 6 }, { itemId: 'item1', friendKey: g.key, deliveredAt: 7 }]
    await old.table('deliveries').bulkAdd(legacy)
    const device5 = 'abcdef0123456789'
    const stamp = (n: number) => `${String(clock.now() - 1000 + n).padStart(15, '0')}.000000.${device5}`
    await old.table('syncLog').bulkAdd([
      ...legacy.map((d, i) => ({ table: 'deliveries', key: encodeKey([d.itemId, d.friendKey]), seq: i + 1, stamp: stamp(i) })),
      { table: 'deliveries', key: encodeKey(['gone1', g.key]), seq: 4, stamp: stamp(3), deleted: true },
      { table: 'items', key: encodeKey('item1'), seq: 5, stamp: stamp(4) },
      { table: 'items', key: encodeKey('item2'), seq: 6, stamp: stamp(5) },
      { table: 'friends', key: encodeKey(f.key), seq: 7, stamp: stamp(6) },
      { table: 'friends', key: encodeKey(g.key), seq: 8, stamp: stamp(7) }
    ])
    await old.table('settings').bulkAdd([{ key: 'sync.device', value: device5 }, { key: 'sync.clock', value: stamp(7) }, { key: 'sync.seq', value: 8 }])
    old.close()

    const db = new NodeDatabase(name, clock.now)
    try {
      for (const d of legacy) expect(await wasDelivered(db, d.itemId, d.friendKey)).toBe(true)
      expect(await wasDelivered(db, 'item2', g.key)).toBe(false)
      expect((await db.deliveryPages.toArray()).map((r) => r.deliveredAt).sort()).toEqual([5, 6, 7])
      // The old table's entries (a tombstone too) are gone; each new row has one, after the old positions.
      const log = await db.syncLog.toArray()
      expect(log.filter((e) => e.table === 'deliveries')).toEqual([])
      const entries = await deliveryEntries(db)
      expect(entries.map((e) => e.key).sort()).toEqual((await db.deliveryPages.toArray()).map((r) => encodeKey([r.friendKey, r.page])).sort())
      expect(entries.every((e) => e.seq > 8)).toBe(true)
      expect(await db.getSetting('sync.seq', (v): v is number => Number.isSafeInteger(v))).toBe(11)

      // Deleting item1 tells both friends who had it, and only them.
      const items = new ItemsStore(db, clock.now)
      await items.delete('item1')
      expect((await db.notices.toArray()).map((n) => n.friendKey).sort()).toEqual([f.key, g.key].sort())
      expect((await deliveriesToFriends(db, [f.key, g.key])).map((d) => d.itemId)).toEqual(['item2'])
      // And the converted rows reach another owner device.
      const fresh = device('B', clock)
      await syncFrom(fresh, { db, key: 'ab'.repeat(32), clock } as unknown as Device)
      expect(await dump(fresh.db)).toEqual(await dump(db))
    } finally {
      await db.delete()
    }
  })
})

describe('a backup made before schema 6', () => {
  it('restores its per-item deliveries as rows of schema 6, and leaves their old change-log entries behind', async () => {
    const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
    const PASS = 'a long passphrase for tests'
    const clock = new TestClock()
    const s = setup(clock)
    const identity = await loadOrCreateIdentity(s.db, clock.now)
    const carol = person('Carol')
    await befriend(s.friends, carol)
    const kept = await s.items.create(note('kept'))
    await s.items.listVisible(carol.key, { limit: 10 })
    // The same node as schema 5 would have written it: per-item rows, their own entries.
    const reader = await BackupReader.open(bytesSource(new Uint8Array(await (await exportBackup(s.db, PASS, { kdf: FAST })).arrayBuffer())), PASS)
    const records: Array<Record<string, unknown>> = []
    for await (const r of reader.records()) records.push(r as Record<string, unknown>)
    const legacy = [{ itemId: kept.id, friendKey: carol.key, deliveredAt: 9 }]
    const rewritten = records.map((r) => {
      if (r.t === 'start') return { ...r, schema: 5 }
      if (r.t === 'rows' && r.table === 'deliveryPages') return { ...r, table: 'deliveries', rows: legacy }
      if (r.t === 'rows' && r.table === 'syncLog') {
        const rows = r.rows as Array<Record<string, unknown>>
        return { ...r, rows: rows.map((e) => e.table === 'deliveryPages' ? { ...e, table: 'deliveries', key: encodeKey([kept.id, carol.key]) } : e) }
      }
      if (r.t === 'end') {
        const { deliveryPages: _pages, ...rows } = r.rows as Record<string, number>
        return { ...r, rows: { ...rows, deliveries: 1 } }
      }
      return r
    })
    const writer = await BackupWriter.create(PASS, { kdf: FAST })
    const parts = [writer.header]
    for (const r of rewritten) parts.push(...writer.write(r))
    parts.push(...writer.finish())

    const target = freshDb()
    await loadOrCreateIdentity(target)
    await importBackup(target, bytesSource(concatBytes(...parts)), PASS)
    expect(await wasDelivered(target, kept.id, carol.key)).toBe(true)
    expect((await target.syncLog.toArray()).filter((e) => e.table === 'deliveries')).toEqual([])
    expect((await loadOrCreateIdentity(target)).identityKey).toEqual(identity.identityKey)
    // A deletion on the restored node reaches Carol.
    await new ItemsStore(target, clock.now).delete(kept.id)
    expect((await target.notices.toArray()).map((n) => n.friendKey)).toEqual([carol.key])

    // A backup of schema 6 has no per-item table: one that claims to is refused.
    const bad = await BackupWriter.create(PASS, { kdf: FAST })
    const badParts = [bad.header]
    for (const r of rewritten.map((r) => r.t === 'start' ? { ...r, schema: 6 } : r)) badParts.push(...bad.write(r))
    badParts.push(...bad.finish())
    await expect(importBackup(freshDb(), bytesSource(concatBytes(...badParts)), PASS)).rejects.toThrow()
  })
})

describe('delivery rows from another device or a backup', () => {
  const friendKey = 'ab'.repeat(32)
  const row = { friendKey, page: '0123456789abcdef:A1:B2', itemIds: ['A1', 'B2'], deliveredAt: 1 }
  it('are taken when they keep the rules', () => {
    expect(isRowOf('deliveryPages', row)).toBe(true)
    expect(isKeyOf('deliveryPages', [friendKey, row.page])).toBe(true)
    expect(isRowOf('deliveryPages', { ...row, page: 'legacy:A1:A1', itemIds: ['A1'] })).toBe(true)
  })
  it('are refused when they hold too many ids, an id twice, none, a malformed id, page key or friend key', () => {
    const many = Array.from({ length: MAX_ROW_IDS + 1 }, (_, i) => `id${i}`)
    for (const bad of [
      { ...row, itemIds: many },
      { ...row, itemIds: ['A1', 'A1'] },
      { ...row, itemIds: [] },
      { ...row, itemIds: ['not an id!'] },
      { ...row, itemIds: 'A1' },
      { ...row, page: 'x'.repeat(500) },
      { ...row, page: '../../etc' },
      { ...row, friendKey: 'Bob' },
      { ...row, deliveredAt: -1 }
    ]) expect(isRowOf('deliveryPages', bad)).toBe(false)
    expect(isKeyOf('deliveryPages', [row.page, friendKey])).toBe(false)
    expect(isKeyOf('deliveryPages', ['A1', friendKey])).toBe(false)
  })
})
