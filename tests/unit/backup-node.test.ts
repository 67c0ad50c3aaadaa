// A node's backup, end to end on the storage: exported from one database,
// restored into a fresh one, everything is back (identity, friends, groups,
// items with their files, invites, deletions and their notices, the change
// log) — and a restore that cannot complete changes nothing.
import { describe, expect, it } from 'vitest'
import { blobSource, bytesSource, BackupError, BackupWriter, type ScryptParams } from '../../shared/backup/backup-format'
import { exportBackup, lastBackupAt } from '../../node-tab/backup/export'
import { importBackup, RestoreRefused } from '../../node-tab/backup/import'
import { isFreshNode, NOT_FRESH } from '../../node-tab/backup/fresh'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { deliveryTables, recordDeliveries } from '../../node-tab/storage/deliveries'
import { FILE_CHUNK_BYTES } from '../../node-tab/storage/file-chunks'
import type { NodeDatabase } from '../../node-tab/storage/db'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { befriend, freshDb, person, setup, TestClock } from './store-fixtures'
import { concatBytes, toHex } from '../../shared/util/bytes'
import { sha512 } from '../../shared/crypto/crypto'

const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const PASS = 'a long passphrase for tests'

/** Everything in the database, file pieces by their hash: what a restore must reproduce. */
async function contents (db: NodeDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of db.tables) {
    const rows = await table.toArray() as Array<Record<string, unknown>>
    out[table.name] = await Promise.all(rows.map(async (row) => row.data instanceof Blob ? { ...row, data: toHex(sha512(new Uint8Array(await row.data.arrayBuffer()))) } : row))
  }
  return out
}

/** A node that has been used: friends, a group, notes, a file over several
 *  pieces, an invite, a deleted item with a friend still to confirm. */
async function usedNode () {
  const clock = new TestClock()
  const s = setup(clock)
  const identity = await loadOrCreateIdentity(s.db, clock.now)
  const bob = person('Bob')
  const carol = person('Carol')
  await befriend(s.friends, bob, carol)
  const group = await s.friends.createGroup('Family')
  await s.friends.setMembership(group.id, bob.key, true)
  clock.advance()
  const note = await s.items.create({ type: 'note', text: 'hello friends', audience: { kind: 'friends' } })
  const fileBytes = new Uint8Array(FILE_CHUNK_BYTES + 1234).map((_, i) => (i * 7) % 256)
  const file = await s.items.create({ type: 'file', text: 'a file', audience: { kind: 'groups', groupIds: [group.id] }, file: { name: 'f.bin', mime: 'application/octet-stream', content: new Blob([fileBytes]) } })
  const gone = await s.items.create({ type: 'note', text: 'soon gone', audience: { kind: 'friends' } })
  await s.db.transaction('rw', deliveryTables(s.db), () => recordDeliveries(s.db, carol.key, [gone.id, note.id], clock.now()))
  await s.items.delete(gone.id)
  await s.invites.create({ label: 'for Dana', expiresInMs: null })
  await s.db.putSetting('storage.persistAsked', true) // this browser was asked to keep Kith's data
  return { ...s, identity, bob, carol, note, file, fileBytes }
}

async function freshBrowser () {
  const db = freshDb()
  const identity = await loadOrCreateIdentity(db) // as boot does on a first open
  return { db, identity }
}

const SYNC_FIELDS = new Set(['sync.seq', 'backup.lastAt', 'storage.persistAsked'])

/** Contents with the change log's positions (renumbered by a restore) left out. */
function withoutPositions (c: Record<string, unknown[]>): Record<string, unknown[]> {
  return {
    ...c,
    syncLog: (c.syncLog as Array<Record<string, unknown>>).map(({ seq: _seq, ...rest }) => rest),
    settings: (c.settings as Array<{ key: string }>).filter((s) => !SYNC_FIELDS.has(s.key))
  }
}

describe('node backup', () => {
  it('restores everything into a fresh browser: same identity, friends, items, files, log', async () => {
    const source = await usedNode()
    const before = await contents(source.db)
    const saving: number[] = []
    const blob = await exportBackup(source.db, PASS, { kdf: FAST, now: source.clock.now, onProgress: (f) => saving.push(f) })
    expect(blob.size).toBeGreaterThan(source.fileBytes.length)

    const target = await freshBrowser()
    expect(toHex(target.identity.identityKey)).not.toBe(toHex(source.identity.identityKey))
    const restoring: number[] = []
    const summary = await importBackup(target.db, blobSource(blob), PASS, { now: () => source.clock.now() + 60_000, onProgress: (f) => restoring.push(f) })
    expect(summary.pieces).toBe(2)
    for (const fractions of [saving, restoring]) {
      expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true) // only forward
      expect(fractions.at(-1)).toBe(1)
    }

    const after = await contents(target.db)
    expect(withoutPositions(after)).toEqual(withoutPositions(before))
    const restored = await loadOrCreateIdentity(target.db)
    expect(restored.identityKey).toEqual(source.identity.identityKey)
    expect(restored.credentials.device.publicKey).toEqual(source.identity.credentials.device.publicKey)
    expect(restored.signing?.secretKey).toEqual(source.identity.signing?.secretKey)
    const items = new ItemsStore(target.db)
    const restoredFile = new Uint8Array(await (await items.fileBlob(source.file.id))!.arrayBuffer())
    expect(toHex(sha512(restoredFile))).toBe(toHex(sha512(source.fileBytes)))
    expect((await target.db.notices.toArray()).map((n) => n.friendKey)).toEqual([source.carol.key])
    expect(await lastBackupAt(target.db)).toBe(source.clock.now())
    expect(await target.db.settings.get('storage.persistAsked')).toBeUndefined() // the new browser is yet to be asked
  })

  it('keeps the change log in order and moves its positions past the old device', async () => {
    const source = await usedNode()
    const oldLog = await source.db.syncLog.orderBy('seq').toArray()
    const oldLast = oldLog.at(-1)!.seq
    const blob = await exportBackup(source.db, PASS, { kdf: FAST })
    const target = await freshBrowser()
    await importBackup(target.db, blobSource(blob), PASS)
    const newLog = await target.db.syncLog.orderBy('seq').toArray()
    expect(newLog.map((e) => `${e.table}${e.key}${e.stamp}`)).toEqual(oldLog.map((e) => `${e.table}${e.key}${e.stamp}`))
    expect(newLog[0]!.seq).toBeGreaterThan(oldLast + 1000) // beyond what the old device went on to count
    // A change made after the restore is logged after everything restored,
    // with a stamp after every restored stamp.
    await new ItemsStore(target.db).create({ type: 'note', text: 'after the restore', audience: { kind: 'friends' } })
    const last = await target.db.syncLog.orderBy('seq').last()
    expect(last!.table).toBe('items')
    expect(last!.seq).toBeGreaterThan(newLog.at(-1)!.seq)
    expect(last!.stamp > oldLog.map((e) => e.stamp).sort().at(-1)!).toBe(true)
  })

  it('refuses a wrong passphrase, a cut-short file and a flipped byte, changing nothing', async () => {
    const source = await usedNode()
    const bytes = new Uint8Array(await (await exportBackup(source.db, PASS, { kdf: FAST, chunkBytes: 64 * 1024 })).arrayBuffer())
    const target = await freshBrowser()
    const before = await contents(target.db)
    const flipped = bytes.slice()
    flipped[Math.floor(bytes.length * 0.8)]! ^= 0x20
    const cases: Array<[Uint8Array, string, string]> = [
      [bytes, 'not the passphrase', 'WRONG_PASSPHRASE'],
      [bytes.slice(0, Math.floor(bytes.length / 2)), PASS, 'TRUNCATED'],
      [bytes.slice(0, bytes.length - 10), PASS, 'TRUNCATED'],
      [flipped, PASS, 'DAMAGED']
    ]
    for (const [file, passphrase, code] of cases) {
      const err = await importBackup(target.db, bytesSource(file), passphrase).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(BackupError)
      expect((err as BackupError).code).toBe(code)
      expect(await contents(target.db)).toEqual(before)
    }
  })

  it('refuses to restore over a Kith that is in use, in words, changing nothing', async () => {
    const source = await usedNode()
    const blob = await exportBackup(source.db, PASS, { kdf: FAST })
    const other = await usedNode()
    expect(await isFreshNode(other.db)).toBe(false)
    const before = await contents(other.db)
    await expect(importBackup(other.db, blobSource(blob), PASS)).rejects.toThrow(RestoreRefused)
    await expect(importBackup(other.db, blobSource(blob), PASS)).rejects.toThrow(NOT_FRESH)
    expect(await contents(other.db)).toEqual(before)
  })

  it('puts the fresh identity back when the browser runs out of room halfway', async () => {
    const source = await usedNode()
    const blob = await exportBackup(source.db, PASS, { kdf: FAST })
    const target = await freshBrowser()
    const before = await contents(target.db)
    const put = IDBObjectStore.prototype.put
    let pieces = 0
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'fileChunks' && ++pieces === 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      return put.apply(this, args)
    }
    try {
      await expect(importBackup(target.db, blobSource(blob), PASS)).rejects.toThrow(/not enough storage space/)
    } finally {
      IDBObjectStore.prototype.put = put
    }
    expect(pieces).toBeGreaterThanOrEqual(2)
    expect(await contents(target.db)).toEqual(before)
    expect((await loadOrCreateIdentity(target.db)).identityKey).toEqual(target.identity.identityKey)
  })

  it('says a backup of a newer Kith (a newer database schema) needs a newer Kith, changing nothing', async () => {
    const source = await usedNode()
    const writer = await BackupWriter.create(PASS, { kdf: FAST })
    const parts = [writer.header, ...writer.write({ t: 'start', app: 'kith', schema: source.db.verno + 1, identityKey: source.identity.identityKey, exportedAt: 1 }),
      ...writer.write({ t: 'end', rows: {}, pieces: 0 }), ...writer.finish()]
    const target = await freshBrowser()
    const before = await contents(target.db)
    const err = await importBackup(target.db, bytesSource(concatBytes(...parts)), PASS).then(() => null, (e: unknown) => e)
    expect((err as BackupError).code).toBe('NEWER_VERSION')
    expect((err as BackupError).message).toMatch(/newer version of Kith/)
    expect(await contents(target.db)).toEqual(before)
  })

  it('refuses rows for a table this Kith does not have, and a backup with no end', async () => {
    const source = await usedNode()
    const target = await freshBrowser()
    const before = await contents(target.db)
    const start = { t: 'start', app: 'kith', schema: source.db.verno, identityKey: source.identity.identityKey, exportedAt: 1 }
    for (const records of [
      [start, { t: 'rows', table: 'secrets', rows: [{ id: 'x' }] }, { t: 'end', rows: { secrets: 1 }, pieces: 0 }],
      [start, { t: 'rows', table: 'friends', rows: [{ key: 'k', address: 'a', displayName: 'Bob', addedAt: 1 }] }]
    ]) {
      const writer = await BackupWriter.create(PASS, { kdf: FAST })
      const parts = [writer.header]
      for (const r of records) parts.push(...writer.write(r))
      parts.push(...writer.finish())
      await expect(importBackup(target.db, bytesSource(concatBytes(...parts)), PASS)).rejects.toThrow(BackupError)
      expect(await contents(target.db)).toEqual(before)
    }
  })

  it('refuses a backup whose identity key does not match its secret key', async () => {
    const source = await usedNode()
    // Another person's public key in place of ours: a file made to look like
    // someone else's Kith must not restore.
    await source.db.identity.update('self', { publicKey: person('Mallory').identity.publicKey })
    const blob = await exportBackup(source.db, PASS, { kdf: FAST })
    const target = await freshBrowser()
    const before = await contents(target.db)
    await expect(importBackup(target.db, blobSource(blob), PASS)).rejects.toThrow(/does not hold a Kith node/)
    expect(await contents(target.db)).toEqual(before)
  })
})

