// Delete notices waiting for friends, and the owner's view of who confirmed.
// A notice holds only an item id and a friend key, never content (DESIGN §6);
// it is forgotten the moment that friend acknowledges it.
import type { DeletionLogRow, NodeDatabase } from '../storage/db'

export class NoticesStore {
  constructor (private readonly db: NodeDatabase) {}

  /** Keys (hex) of friends that still owe an acknowledgement. */
  async friendsWithPending (): Promise<string[]> {
    return (await this.db.notices.orderBy('friendKey').uniqueKeys()) as string[]
  }

  /** Item ids waiting for this friend, at most `limit` (one deleteNotices batch). */
  async pendingFor (friendKey: string, limit = 500): Promise<string[]> {
    const rows = await this.db.notices.where('friendKey').equals(friendKey).limit(limit).toArray()
    return rows.map((row) => row.itemId)
  }

  /** The friend confirmed these deletions. Ids they were never asked about
   *  (their answer is untrusted input) or already confirmed change nothing. */
  async acknowledge (friendKey: string, itemIds: string[]): Promise<void> {
    if (itemIds.length === 0) return
    const db = this.db
    await db.transaction('rw', db.notices, db.deletionLog, async () => {
      const keys: Array<[string, string]> = itemIds.map((id) => [id, friendKey])
      const found = (await db.notices.bulkGet(keys)).filter((row) => row !== undefined)
      if (found.length === 0) return
      await db.notices.bulkDelete(found.map((row) => [row.itemId, friendKey] as [string, string]))
      // Only rows that asked this friend; one equals() per id stays fast where
      // anyOf over a busy index does not.
      for (const row of found) {
        await db.deletionLog.where('itemId').equals(row.itemId).modify((log) => {
          if (friendKey in log.friends) log.friends[friendKey] = true
        })
      }
    })
  }

  /** Counts a failed delivery, so the owner can see notices that keep failing. */
  async recordAttempt (friendKey: string, itemIds: string[]): Promise<void> {
    if (itemIds.length === 0) return
    const db = this.db
    await db.transaction('rw', db.notices, async () => {
      const keys: Array<[string, string]> = itemIds.map((id) => [id, friendKey])
      const rows = (await db.notices.bulkGet(keys)).filter((row) => row !== undefined)
      await db.notices.bulkPut(rows.map((row) => ({ ...row, attempts: row.attempts + 1 })))
    })
  }

  /** Newest first. */
  async listDeletions (): Promise<DeletionLogRow[]> {
    return this.db.deletionLog.orderBy('at').reverse().toArray()
  }

  /** Hides an entry from the owner's list; pending notices still go out. */
  async dismissDeletion (id: string): Promise<void> {
    await this.db.deletionLog.delete(id)
  }
}
