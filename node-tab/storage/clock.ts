// The items' change clock: updatedAt values (and resync marks) are stamps
// from one strictly increasing, persisted sequence, so two changes never
// share a position that a friend's cursor could fall between, even if the
// wall clock steps back or the newest item was deleted.
import type { NodeDatabase } from './db'

const CLOCK_KEY = 'items.clock'

/** The tables nextStamp touches: include them in the caller's transaction. */
export function clockTables (db: NodeDatabase) {
  return [db.items, db.settings]
}

/** max(now, last stamp + 1, newest item + 1); the newest item counts too in
 *  case items were written by other means (bulk seeding, device sync). */
export async function nextStamp (db: NodeDatabase, now: () => number): Promise<number> {
  const saved = await db.getSetting(CLOCK_KEY, (v): v is number => Number.isSafeInteger(v)) ?? 0
  const newest = await db.items.orderBy('[listedAt+id]').lastKey() as [number, string] | undefined
  const stamp = Math.max(now(), saved + 1, (newest?.[0] ?? 0) + 1)
  await db.putSetting(CLOCK_KEY, stamp)
  return stamp
}

/** `count` consecutive stamps at once (the first is returned), as if
 *  nextStamp were called `count` times: for a page of items from sync. */
export async function reserveStamps (db: NodeDatabase, count: number, now: () => number): Promise<number> {
  const first = await nextStamp(db, now)
  if (count > 1) await db.putSetting(CLOCK_KEY, first + count - 1)
  return first
}
