// Schema version 6: deliveries move from one row per item and friend to one
// row per answer (see deliveries.ts). Rows already kept become rows of one
// item each, under a key every device computes alike from the old row, so
// two devices that held the same delivery still hold the same row. The change
// log follows: the old table's entries go, the new rows get entries of this
// device's clock, so they reach the other devices.
import type { Transaction } from 'dexie'
import { formatStamp, parseStamp, tick, type Stamp } from '../sync/stamps'
import { encodeKey } from '../sync/tables'
import type { SyncLogRow } from '../sync/change-log'
import { pageKey } from './delivery-keys'
import type { DeliveryRow, LegacyDeliveryRow } from './rows'

/** The device part of a converted row's page key. */
export const LEGACY_PAGE_DEVICE = 'legacy'

/** The row version 6 keeps for a row of version 5. */
export function deliveryFromLegacy (old: LegacyDeliveryRow): DeliveryRow {
  return { friendKey: old.friendKey, page: pageKey(LEGACY_PAGE_DEVICE, [old.itemId]), itemIds: [old.itemId], deliveredAt: old.deliveredAt }
}

export async function upgradeDeliveries (tx: Transaction, wall: number): Promise<void> {
  const rows = (await tx.table<LegacyDeliveryRow>('deliveries').toArray()).map(deliveryFromLegacy)
  await tx.table('deliveryPages').bulkPut(rows)
  const log = tx.table<SyncLogRow>('syncLog')
  await log.where('[table+key]').between(['deliveries', ''], ['deliveries', '\uffff']).delete()
  const settings = tx.table<{ key: string, value: unknown }>('settings')
  const [device, clock, seq] = await settings.bulkGet(['sync.device', 'sync.clock', 'sync.seq'])
  if (typeof device?.value !== 'string') return // a database that never logged a change: nothing to follow
  let last: Stamp | null = typeof clock?.value === 'string' ? parseStamp(clock.value) : null
  let next = Number.isSafeInteger(seq?.value) ? seq!.value as number : 0
  const entries = rows.map((row): SyncLogRow => {
    last = tick(last, device.value as string, wall)
    return { table: 'deliveryPages', key: encodeKey([row.friendKey, row.page]), seq: ++next, stamp: formatStamp(last) }
  })
  await log.bulkPut(entries)
  await settings.bulkPut([{ key: 'sync.clock', value: last ? formatStamp(last) : null }, { key: 'sync.seq', value: next }])
}
