// Attacks with a hostile backup file: a real export, opened and re-sealed
// with its records changed (as anyone who knows the passphrase can), so
// every other check passes and only the one under attack can stop it.
import { describe, expect, it } from 'vitest'
import { BackupError, BackupReader, BackupWriter, blobSource, bytesSource, type ScryptParams } from '../../shared/backup/backup-format'
import { concatBytes } from '../../shared/util/bytes'
import { exportBackup } from '../../node-tab/backup/export'
import { importBackup } from '../../node-tab/backup/import'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { befriend, freshDb, person, setup, TestClock } from './store-fixtures'
import { MAX_TEXT_CHARS } from '../../shared/protocol/items'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'

const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const PASS = 'a long passphrase for tests'

type Rec = Record<string, unknown> & { t: string, table?: string, rows?: Array<Record<string, unknown>> }

/** A used node's backup, its records passed through `change`, sealed again. */
async function tamperedBackup (change: (records: Rec[]) => void): Promise<Uint8Array> {
  const clock = new TestClock()
  const s = setup(clock)
  await loadOrCreateIdentity(s.db, clock.now)
  await s.items.create({ type: 'note', text: 'hello', audience: { kind: 'friends' } })
  await befriend(s.friends, person('Bob'))
  const blob = await exportBackup(s.db, PASS, { kdf: FAST })
  const reader = await BackupReader.open(blobSource(blob), PASS)
  const records: Rec[] = []
  for await (const r of reader.records()) records.push(r as Rec)
  s.db.close()
  change(records)
  const writer = await BackupWriter.create(PASS, { kdf: FAST })
  const parts = [writer.header]
  for (const r of records) parts.push(...writer.write(r))
  parts.push(...writer.finish())
  return concatBytes(...parts)
}

async function freshTarget () {
  const db = freshDb()
  await loadOrCreateIdentity(db)
  return db
}

const rowsOf = (records: Rec[], table: string): Array<Record<string, unknown>> =>
  records.filter((r) => r.t === 'rows' && r.table === table).flatMap((r) => r.rows!)

describe('attack: a backup with change-log positions at the end of the number line', () => {
  // Attack: positions just below 2^53. After the restore, each change this
  // device makes would get a position past the last exact integer: two
  // changes the same position, and other devices pulling "after" it would
  // miss them for good.
  it('a change-log position near 2^53 is refused, changing nothing', async () => {
    for (const where of ['syncLog', 'settings'] as const) {
      const file = await tamperedBackup((records) => {
        if (where === 'syncLog') rowsOf(records, 'syncLog')[0]!.seq = Number.MAX_SAFE_INTEGER - 2
        else rowsOf(records, 'settings').find((row) => row.key === 'sync.seq')!.value = Number.MAX_SAFE_INTEGER - 2
      })
      const db = await freshTarget()
      const before = await db.identity.toArray()
      const err = await importBackup(db, bytesSource(file), PASS).then(() => null, (e: unknown) => e)
      expect(err, where).toBeInstanceOf(BackupError)
      expect(await db.identity.toArray()).toEqual(before)
      expect(await db.items.count()).toBe(0)
    }
  })

  // Control: the same file untouched restores.
  it('the untouched file restores', async () => {
    const file = await tamperedBackup(() => {})
    const db = await freshTarget()
    await importBackup(db, bytesSource(file), PASS)
    expect(await db.items.count()).toBe(1)
  })
})

describe('attack: a backup smuggling rows and pieces', () => {
  // Attack: rows for tables the schema does not have under names that
  // reach into plain objects (__proto__, constructor, hasOwnProperty), for
  // the file store (whose rows must come as pieces), and rows whose key is
  // not a key; pieces with a hostile id or index.
  it('rows for tables outside the schema, rows without a key and hostile pieces are refused, changing nothing', async () => {
    const smuggles: Array<(records: Rec[]) => void> = [
      ...['__proto__', 'constructor', 'hasOwnProperty', 'fileChunks'].map((table) => (records: Rec[]) => {
        const end = records.at(-1)!
        records.splice(-1, 0, { t: 'rows', table, rows: [{ id: 'x', itemId: 'x', index: 0 }] })
        ;(end.rows as unknown as Record<string, number>)[table] = 1
      }),
      (records) => { rowsOf(records, 'items')[0]!.id = { $gt: '' } },
      (records) => { rowsOf(records, 'items')[0]!.id = undefined },
      (records) => {
        records.splice(-1, 0, { t: 'piece', itemId: '../../x'.repeat(100), index: 0, bytes: new Uint8Array(1) })
        records.at(-1)!.pieces = (records.at(-1)!.pieces as number) + 1
      },
      (records) => {
        records.splice(-1, 0, { t: 'piece', itemId: 'abc', index: -1, bytes: new Uint8Array(1) })
        records.at(-1)!.pieces = (records.at(-1)!.pieces as number) + 1
      }
    ]
    for (const [i, smuggle] of smuggles.entries()) {
      const file = await tamperedBackup(smuggle)
      const db = await freshTarget()
      const before = await db.identity.toArray()
      const err = await importBackup(db, bytesSource(file), PASS).then(() => null, (e: unknown) => e)
      expect(err, `smuggle ${i}`).toBeInstanceOf(BackupError)
      expect(await db.identity.toArray()).toEqual(before)
      expect(await db.items.count()).toBe(0)
      expect(await db.fileChunks.count()).toBe(0)
      expect(({} as Record<string, unknown>).id).toBeUndefined()
    }
  })
})

describe('attack: a backup with rows that break the stores’ rules', () => {
  // Attack: rows no store would write, restored as they are; afterwards
  // every friend's request met them and failed with INTERNAL. Each row must
  // keep the rules a row synced from another device keeps
  // (node-tab/storage/row-checks.ts), or nothing is restored.
  const SMALL_ORDER = Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 1 : 0)
  const breaks: Array<[string, (records: Rec[]) => void]> = [
    ['an item without an audience', (records) => { delete rowsOf(records, 'items')[0]!.audience }],
    ['an item with a 1 MB text', (records) => { rowsOf(records, 'items')[0]!.text = 'x'.repeat(MAX_TEXT_CHARS + 1).padEnd(1024 * 1024, 'x') }],
    ['an item of an unknown type', (records) => { rowsOf(records, 'items')[0]!.type = 'script' }],
    ['an item without its place in the list', (records) => { delete rowsOf(records, 'items')[0]!.listedAt }],
    ['a friend whose key is not hex', (records) => { const f = rowsOf(records, 'friends')[0]!; f.key = 'zz' }],
    ['a friend whose key needs no secret', (records) => {
      const f = rowsOf(records, 'friends')[0]!
      f.key = toHex(SMALL_ORDER)
      f.address = addressFromPublicKey(SMALL_ORDER)
    }],
    ['a friend whose address is someone else’s', (records) => { rowsOf(records, 'friends')[0]!.address = person('Eve').address }],
    ['a person setting of the wrong type', (records) => {
      records.splice(-1, 0, { t: 'rows', table: 'settings', rows: [{ key: 'rendezvous.discoverable', value: 'yes' }] })
      const end = records.at(-1)!.rows as unknown as Record<string, number>
      end.settings = (end.settings ?? 0) + 1
    }]
  ]

  for (const [what, change] of breaks) {
    it(`${what} is refused, and nothing is restored`, async () => {
      const file = await tamperedBackup(change)
      const db = await freshTarget()
      const before = await db.identity.toArray()
      const err = await importBackup(db, bytesSource(file), PASS).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(BackupError)
      expect((err as Error).message).toMatch(/Kith would not have written.*Nothing was restored/)
      expect(await db.identity.toArray()).toEqual(before)
      expect(await db.items.count()).toBe(0)
      expect(await db.friends.count()).toBe(0)
    })
  }

  it('the same backup untouched restores its item and its friend', async () => {
    const db = await freshTarget()
    await importBackup(db, bytesSource(await tamperedBackup(() => {})), PASS)
    expect(await db.items.count()).toBe(1)
    expect(await db.friends.count()).toBe(1)
  })
})
