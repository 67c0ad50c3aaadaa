// Making a friend fetch everything again. Incremental sync returns items
// whose updatedAt moved past the friend's cursor; but when a friend joins a
// group (or comes back after being removed) older items become visible to
// them without changing, so their cursor is already past them. Bumping those
// items would show every other member which items share a group, so instead
// this friend alone is marked: their next listItems ignores the old cursor
// and starts from the beginning. A walk is recognised by the cursor we last
// handed out, so a lost answer or a stale cursor simply starts over; the mark
// is cleared only when the friend comes back with the cursor that ended the
// walk, which shows they received its last page. (If that cursor is the very
// one they started over from, a lost last answer looks the same as a received
// one; it is taken as received rather than starting over for ever.)
import { encodeCursor, type ItemCursor } from '../../shared/items'
import type { ListItemsResult } from '../../shared/protocol'
import type { NodeDatabase } from './db'

interface ResyncMark {
  /** The cursor of the last page we sent during the new walk. */
  expect: string | null
  /** That page ended the walk. */
  finished: boolean
}

const settingKey = (friendKey: string): string => `resync.${friendKey}`
const isMark = (v: unknown): v is ResyncMark => {
  if (typeof v !== 'object' || v === null) return false
  const m = v as ResyncMark
  return (m.expect === null || typeof m.expect === 'string') && typeof m.finished === 'boolean'
}

/** The tables these functions touch: include them in the caller's transaction. */
export function resyncTables (db: NodeDatabase) {
  return [db.settings]
}

export async function markResync (db: NodeDatabase, friendKey: string): Promise<void> {
  await db.putSetting(settingKey(friendKey), { expect: null, finished: false } satisfies ResyncMark)
}

export async function clearResync (db: NodeDatabase, friendKey: string): Promise<void> {
  await db.settings.delete(settingKey(friendKey))
}

/** Where this friend's listing really starts: their cursor, unless they are
 *  marked and the cursor is not the one we gave them during the new walk. */
export async function resyncStart (db: NodeDatabase, friendKey: string, after: ItemCursor | undefined): Promise<{ after: ItemCursor | undefined, marked: boolean }> {
  const mark = await db.getSetting(settingKey(friendKey), isMark)
  if (!mark) return { after, marked: false }
  if (after === undefined) return { after, marked: true }
  if (mark.expect !== encodeCursor(after)) return { after: undefined, marked: true }
  if (!mark.finished) return { after, marked: true }
  await clearResync(db, friendKey)
  return { after, marked: false }
}

/** After a page for a marked friend: remember where the walk stands. */
export async function resyncProgress (db: NodeDatabase, friendKey: string, result: ListItemsResult): Promise<void> {
  const previous = await db.getSetting(settingKey(friendKey), isMark)
  // An empty last page hands out no cursor: the friend keeps the one before.
  const expect = result.cursor ?? previous?.expect ?? null
  await db.putSetting(settingKey(friendKey), { expect, finished: result.done } satisfies ResyncMark)
}
