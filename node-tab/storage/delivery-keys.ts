// The shape of delivery rows (see deliveries.ts), apart from the stores so
// that the schema upgrade and the row checks can use it.
import { MAX_PAGE } from '../../shared/protocol/items'

/** Ids a row may hold: an answer's, at most a page. */
export const MAX_ROW_IDS = MAX_PAGE

/** The row an answer lands in: this device's (two devices list in their own
 *  orders, so their pages differ), from its first item to its last, so the
 *  same page served again is the same row (what is new in it gets
 *  `<key>:<time>`, see recordDeliveries). */
export function pageKey (device: string, itemIds: readonly string[]): string {
  return `${device}:${itemIds[0]!}:${itemIds.at(-1)!}`
}
