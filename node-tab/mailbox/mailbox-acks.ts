// A friend's acknowledgement that came through the mailbox, into the same
// records a live one goes to (NoticesStore.acknowledge: the notice goes, the
// deletion log says "confirmed"). One more check than live: the
// acknowledgement answers a "forget it" letter I wrote at `asOf`, so it
// confirms only notices that existed then. An item hidden from a friend,
// shown again and hidden again has a fresh notice; an old acknowledgement a
// relay serves again (the same event, or the sealed bytes rewrapped) is
// older than it and confirms nothing.
import type { NodeDatabase } from '../storage/db'
import { NoticesStore } from '../notices/notices-store'

/** Confirms the notices to `friendKey` for these items made no later than
 *  `asOf`; returns the item ids confirmed now. */
export async function acknowledgeByLetter (db: NodeDatabase, friendKey: string, itemIds: readonly string[], asOf: number): Promise<string[]> {
  const ids = [...new Set(itemIds)]
  if (ids.length === 0) return []
  // One transaction: a notice made meanwhile is not confirmed by this older answer.
  return db.transaction('rw', db.notices, db.deletionLog, async () => {
    const notices = await db.notices.bulkGet(ids.map((id): [string, string] => [id, friendKey]))
    const answered = notices.filter((n) => n !== undefined && n.createdAt <= asOf).map((n) => n!.itemId)
    await new NoticesStore(db).acknowledge(friendKey, answered)
    return answered
  })
}
