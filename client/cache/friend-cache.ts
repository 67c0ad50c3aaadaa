// Copies of friends' items, per friend (owner = their public key, hex). What a
// friend's node sends is untrusted input: every item is checked before it is
// kept, and only an owner's own delete notices remove their items.
import { decodeCursor, isSharedItem, type SharedItem } from '../../shared/items'
import type { FeedItem } from '../app-api'
import type { CachedItemRow, ClientDatabase } from './db'
import { PagesInFlight, type PageWindow } from './pages-in-flight'

export type { PageWindow } from './pages-in-flight'

export class FriendCache {
  /** So a page requested before a deletion (but stored after it) cannot bring the item back. */
  readonly pagesInFlight = new PagesInFlight()

  constructor (private readonly db: ClientDatabase) {}

  /** Newest first (by createdAt), each saying whether its file is cached. */
  async items (owner: string): Promise<FeedItem[]> {
    const db = this.db
    const [rows, fileKeys] = await db.transaction('r', db.cachedItems, db.cachedFiles, () => Promise.all([
      db.cachedItems.where('owner').equals(owner).toArray(),
      db.cachedFiles.where('owner').equals(owner).primaryKeys()
    ]))
    const withFile = new Set(fileKeys.map(([, id]) => id))
    return rows
      .map((row) => ({ ...row.item, fileCached: withFile.has(row.id) }))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  }

  /** Take just before requesting a page from `owner`; pass it to storePage,
   *  or to releaseMark if the page never comes. */
  deletionMark (owner: string): PageWindow {
    return this.pagesInFlight.open(owner)
  }

  releaseMark (mark: PageWindow): void {
    this.pagesInFlight.close(mark)
  }

  /**
   * Upserts a page from `owner` and moves their cursor. Invalid items are
   * dropped; an older version never replaces a newer one; with `mark`, items
   * the owner deleted after the mark was taken stay deleted (and if too much
   * was deleted meanwhile to be sure, the page is not stored at all and the
   * cursor stays, so it is asked again). Returns how many were kept.
   */
  async storePage (owner: string, items: SharedItem[], cursor: string | null, mark?: PageWindow): Promise<number> {
    if (mark) this.pagesInFlight.close(mark)
    if (mark && (mark.overflowed || mark.owner !== owner)) return 0
    const fresh = (items as unknown[]).filter(isSharedItem)
      .filter((item) => mark === undefined || !mark.deleted.has(item.id))
    const checkedCursor = isCursor(cursor) ? cursor : null
    const db = this.db
    return db.transaction('rw', db.cachedItems, db.cachedFiles, db.syncState, async () => {
      const existing = await db.cachedItems.bulkGet(fresh.map((item) => [owner, item.id] as [string, string]))
      const rows: CachedItemRow[] = []
      const staleFiles: Array<[string, string]> = []
      const now = Date.now()
      fresh.forEach((item, i) => {
        const old = existing[i]
        if (old && old.updatedAt > item.updatedAt) return
        // A changed file makes the cached bytes stale; fetch again on demand.
        if (old && !sameFile(old.item, item)) staleFiles.push([owner, item.id])
        rows.push({ owner, id: item.id, item: copyItem(item), updatedAt: item.updatedAt, cachedAt: now })
      })
      await db.cachedItems.bulkPut(rows)
      await db.cachedFiles.bulkDelete(staleFiles)
      const state = await db.syncState.get(owner)
      await db.syncState.put({ owner, cursor: checkedCursor ?? state?.cursor ?? null, lastSyncAt: state?.lastSyncAt ?? null })
      return rows.length
    })
  }

  async cursor (owner: string): Promise<string | null> {
    return (await this.db.syncState.get(owner))?.cursor ?? null
  }

  async lastSyncAt (owner: string): Promise<number | null> {
    return (await this.db.syncState.get(owner))?.lastSyncAt ?? null
  }

  /** Records that a sync with `owner` completed. */
  async markSynced (owner: string, at = Date.now()): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.syncState, async () => {
      const state = await db.syncState.get(owner)
      await db.syncState.put({ owner, cursor: state?.cursor ?? null, lastSyncAt: at })
    })
  }

  /** Keeps a file's bytes, only while its item is cached: bytes arriving after
   *  the item was deleted are dropped. Returns whether they were kept. */
  async storeFile (owner: string, id: string, bytes: Uint8Array): Promise<boolean> {
    const db = this.db
    return db.transaction('rw', db.cachedItems, db.cachedFiles, async () => {
      if (!await db.cachedItems.get([owner, id])) return false
      await db.cachedFiles.put({ owner, id, bytes })
      return true
    })
  }

  /** The size a cached file item announced, or null if the item is not cached. */
  async fileSize (owner: string, id: string): Promise<number | null> {
    return (await this.db.cachedItems.get([owner, id]))?.item.file?.size ?? null
  }

  async fileBytes (owner: string, id: string): Promise<Uint8Array | null> {
    return (await this.db.cachedFiles.get([owner, id]))?.bytes ?? null
  }

  /** The owner's delete notices: removes exactly these items of theirs and
   *  nobody else's. Acknowledges every id, cached or not ("I don't have it"). */
  async applyDeleteNotices (owner: string, itemIds: string[]): Promise<string[]> {
    this.pagesInFlight.recordDeletions(owner, itemIds)
    const keys = itemIds.map((id) => [owner, id] as [string, string])
    const db = this.db
    await db.transaction('rw', db.cachedItems, db.cachedFiles, async () => {
      await db.cachedItems.bulkDelete(keys)
      await db.cachedFiles.bulkDelete(keys)
    })
    return [...itemIds]
  }

  /** Forgets one friend's items, files and cursor: the next sync fetches everything. */
  async purge (owner: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.cachedItems, db.cachedFiles, db.syncState, async () => {
      await db.cachedItems.where('owner').equals(owner).delete()
      await db.cachedFiles.where('owner').equals(owner).delete()
      await db.syncState.delete(owner)
    })
  }

  async purgeAll (): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.cachedItems, db.cachedFiles, db.syncState, async () => {
      await Promise.all([db.cachedItems.clear(), db.cachedFiles.clear(), db.syncState.clear()])
    })
  }
}

function isCursor (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    decodeCursor(value)
    return true
  } catch {
    return false
  }
}

function sameFile (a: SharedItem, b: SharedItem): boolean {
  return a.file?.size === b.file?.size && a.file?.name === b.file?.name && a.file?.mime === b.file?.mime
}

/** Keeps only the known fields: a hostile node's extra properties are not stored. */
function copyItem (item: SharedItem): SharedItem {
  const out: SharedItem = { id: item.id, type: item.type, text: item.text, createdAt: item.createdAt, updatedAt: item.updatedAt }
  if (item.file) out.file = { name: item.file.name, mime: item.file.mime, size: item.file.size }
  return out
}
