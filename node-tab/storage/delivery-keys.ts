// The shape of delivery rows (see deliveries.ts), apart from the stores so
// that the schema upgrade and the row checks can use it.
import { MAX_PAGE } from '../../shared/protocol/items'

/** Ids a row may hold: a page is at most MAX_PAGE; serving a page again
 *  with other items between the same two ends adds them to its row. */
export const MAX_ROW_IDS = 2 * MAX_PAGE

/** The row an answer lands in: this device's (two devices list in their own
 *  orders, so their pages differ), from its first item to its last, so the
 *  same page served again is the same row. */
export function pageKey (device: string, itemIds: readonly string[]): string {
  return `${device}:${itemIds[0]!}:${itemIds.at(-1)!}`
}
