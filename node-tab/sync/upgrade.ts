// Schema version 5: existing data joins the change log without loss. Every
// row of a synced table gets a stamp (so the first sync with another device
// carries it), items get their listing position (listedAt = updatedAt, so
// cursors friends hold keep their meaning), and the deletion log moves to
// ids every device computes alike, merging rows that now share one.
import type { Transaction } from 'dexie'
import { randomBytes } from '../../shared/crypto/random'
import { toHex } from '../../shared/util/bytes'
import type { DeletionLogRow } from '../storage/rows'
import type { SyncLogRow } from './change-log'
import { formatStamp, tick, type Stamp } from './stamps'
import { encodeKey, isPersonSetting } from './tables'

/** The synced tables as version 5 had them (version 6 replaced deliveries). */
const V5_SYNCED_TABLES = ['items', 'friends', 'groups', 'memberships', 'deliveries', 'notices', 'deletions', 'invites', 'settings', 'devices', 'peerRevocations'] as const

interface LegacyDeletionRow extends Omit<DeletionLogRow, 'id'> { id?: number }

export async function upgradeToSync (tx: Transaction, wall: number): Promise<void> {
  await tx.table('items').toCollection().modify((item: { updatedAt: number, listedAt?: number }) => {
    item.listedAt = item.updatedAt
  })
  const merged = new Map<string, DeletionLogRow>()
  for (const old of await tx.table<LegacyDeletionRow>('deletionLog').toArray()) {
    const id = `${old.itemId}:${old.reason}`
    const { id: _old, ...rest } = old
    const seen = merged.get(id)
    merged.set(id, seen
      ? { ...seen, at: Math.max(seen.at, old.at), friends: { ...seen.friends, ...old.friends } }
      : { ...rest, id })
  }
  await tx.table('deletions').bulkPut([...merged.values()])

  const device = toHex(randomBytes(8))
  let last: Stamp | null = null
  let seq = 0
  for (const table of V5_SYNCED_TABLES) {
    const keys = (await tx.table(table).toCollection().primaryKeys()).filter((key) => table !== 'settings' || isPersonSetting(key))
    const entries = keys.map((key): SyncLogRow => {
      last = tick(last, device, wall)
      return { table, key: encodeKey(key), seq: ++seq, stamp: formatStamp(last) }
    })
    await tx.table('syncLog').bulkPut(entries)
  }
  await tx.table('settings').bulkPut([
    { key: 'sync.device', value: device },
    { key: 'sync.clock', value: last ? formatStamp(last) : null },
    { key: 'sync.seq', value: seq }
  ])
}
