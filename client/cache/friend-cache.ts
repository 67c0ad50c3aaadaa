// Copies of friends' items, per friend (owner = their public key, hex). What a
// friend's node sends is untrusted input: every item is checked before it is
// kept, only an owner's own delete notices remove their items, and each
// friend's copies stay within a budget of their own (friend-budget.ts).
import { isSharedItem, type ItemType, type SharedItem } from '../../shared/protocol/items'
import type { CacheLimit, FeedItem } from '../api/app-api'
import { MAX_REMEMBERED, type CachedItemRow, type CacheUsage, type ClientDatabase, type LeftOut, type SyncStateRow } from './db'
import { checkedBudget, MAILBOX_FILE_BYTES, type FriendBudget } from './friend-limits'
/** The counting and trimming code loads with the first page stored, not with the app. */
const budgetCode = (): Promise<typeof import('./friend-budget')> => import('./friend-budget')
import { PagesInFlight, type PageWindow } from './pages-in-flight'
import { beginFile, completeFile, dropFiles, dropPartialFile, fileBlob, storePiece, storeWholeFiles, type FileProgress } from './cached-files'
import { copyItem, isCursor, newestById, sameFile } from './page-items'

export type { PageWindow } from './pages-in-flight'

/** One cached item on the Home feed: whose it is, and whether it is unread. */
export interface CachedEntry { owner: string, item: FeedItem, unread: boolean }

export interface RecentQuery {
  /** Only this friend's items (public key, hex). */
  owner?: string
  type?: ItemType
  limit: number
}

/** A Home page is at most this long: the feed pages with "Show older". */
export const MAX_RECENT = 1_000

export class FriendCache {
  /** So a page requested before a deletion (but stored after it) cannot bring the item back. */
  readonly pagesInFlight = new PagesInFlight()
  /** Called after a page committed with items not cached before (for notifications). */
  onNewItems: ((owner: string, items: SharedItem[]) => void) | null = null
  /** Called after a page committed that changed anything (new or newer items). */
  onStored: ((owner: string) => void) | null = null

  /** What is kept of each friend, at most. */
  readonly budget: FriendBudget

  /** The cached file bytes of one friend within which the mailbox's files are kept. */
  readonly mailboxFileBytes: number

  constructor (private readonly db: ClientDatabase, budget: Partial<FriendBudget> = {}, opts: { mailboxFileBytes?: number } = {}) {
    this.budget = checkedBudget(budget)
    this.mailboxFileBytes = opts.mailboxFileBytes ?? MAILBOX_FILE_BYTES
  }

  /** Newest first (by createdAt), each saying whether its file is cached. */
  async items (owner: string): Promise<FeedItem[]> {
    const db = this.db
    const [rows, files] = await db.transaction('r', db.cachedItems, db.cachedFiles, () => Promise.all([
      db.cachedItems.where('owner').equals(owner).toArray(),
      db.cachedFiles.where('owner').equals(owner).toArray()
    ]))
    const withFile = new Set(files.filter((f) => f.complete).map((f) => f.id))
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
   * cursor stays, so it is asked again). Past the friend's budget their
   * least recently updated items go, these included if they are older.
   * Returns how many of the page were kept.
   */
  async storePage (owner: string, items: SharedItem[], cursor: string | null, mark?: PageWindow, files?: ReadonlyMap<string, Uint8Array>): Promise<number> {
    if (mark) this.pagesInFlight.close(mark)
    if (mark && (mark.overflowed || mark.owner !== owner)) return 0
    const fresh = newestById((items as unknown[]).filter(isSharedItem)
      .filter((item) => mark === undefined || !mark.deleted.has(item.id)))
    const checkedCursor = isCursor(cursor) ? cursor : null
    const db = this.db
    let added: SharedItem[] = []
    let removed = 0
    // Loaded before the transaction: waiting on anything else inside one ends it.
    const { itemBytes, trimToBudget, usageOf } = await budgetCode()
    const kept = await db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, db.syncState, async () => {
      const state = await db.syncState.get(owner)
      const usage = await usageOf(db, owner, state) // before this page changes the rows
      const existing = await db.cachedItems.bulkGet(fresh.map((item) => [owner, item.id] as [string, string]))
      const rows: CachedItemRow[] = []
      const staleFiles: Array<[string, string]> = []
      const now = Date.now()
      fresh.forEach((item, i) => {
        const old = existing[i]
        if (old && old.updatedAt > item.updatedAt) return
        // A changed file makes the cached bytes stale; fetch again on demand.
        if (old && !sameFile(old.item, item)) staleFiles.push([owner, item.id])
        if (!old) added.push(copyItem(item))
        // New, or its text changed (an edit): unread. Re-listed for another
        // reason (a new audience that still includes me): as it was.
        const unread = !old || old.item.text !== item.text ? 1 : old.unread ?? 0
        // Home ranks by this date across friends: one from the future (a wrong
        // clock, or a friend pinning posts above everyone's) counts as when
        // it arrived, and a later listing cannot move it up again.
        const createdAt = Math.min(item.createdAt, old?.createdAt ?? now)
        const copy = copyItem(item)
        rows.push({ owner, id: item.id, item: copy, updatedAt: item.updatedAt, createdAt, unread, cachedAt: now })
        usage.items += old ? 0 : 1
        usage.bytes += itemBytes(copy) - (old ? itemBytes(old.item) : 0)
      })
      await db.cachedItems.bulkPut(rows)
      await dropFiles(this.db, staleFiles)
      const trimmed = await trimToBudget(db, owner, usage, this.budget, (keys) => dropFiles(this.db, keys))
      removed = trimmed.removed.length
      const leftOut: LeftOut | undefined = trimmed.by ? { at: now, by: trimmed.by } : state?.leftOut
      await db.syncState.put({
        ...state,
        owner,
        cursor: checkedCursor ?? state?.cursor ?? null,
        lastSyncAt: state?.lastSyncAt ?? null,
        usage: trimmed.usage,
        ...(leftOut ? { leftOut } : {})
      })
      // What of this page did not fit is neither kept nor news.
      const gone = new Set(trimmed.removed)
      // Files that came with the page (the mailbox's), for its items kept now.
      if (files) await storeWholeFiles(db, owner, new Map([...files].filter(([id]) => rows.some((row) => row.id === id) && !gone.has(id))), this.mailboxFileBytes)
      added = added.filter((item) => !gone.has(item.id))
      return rows.filter((row) => !gone.has(row.id)).length
    })
    if (kept > 0 || removed > 0) this.onStored?.(owner)
    if (added.length > 0) this.onNewItems?.(owner, added)
    return kept
  }

  /** Every friend's items (or one friend's, or one kind), newest first by
   *  createdAt, at most `limit`: walks the index lazily and stops there, so
   *  the cost follows the page, not the size of the cache. */
  async recent (query: RecentQuery): Promise<CachedEntry[]> {
    const limit = Math.max(1, Math.min(MAX_RECENT, Math.floor(query.limit)))
    const db = this.db
    return db.transaction('r', db.cachedItems, db.cachedFiles, async () => {
      const rows = await db.cachedItems.orderBy('[createdAt+id]').reverse()
        .filter((row) => (query.owner === undefined || row.owner === query.owner) && (query.type === undefined || row.item.type === query.type))
        .limit(limit).toArray()
      const files = await db.cachedFiles.bulkGet(rows.map((row) => [row.owner, row.id] as [string, string]))
      return rows.map((row, i) => ({ owner: row.owner, item: { ...row.item, fileCached: files[i]?.complete === true }, unread: row.unread === 1 }))
    })
  }

  async unreadCount (): Promise<number> {
    return this.db.cachedItems.where('unread').equals(1).count()
  }

  /** Marks these items read; returns how many were unread. */
  async markRead (keys: Array<{ owner: string, id: string }>): Promise<number> {
    const db = this.db
    return db.transaction('rw', db.cachedItems, async () => {
      const rows = await db.cachedItems.bulkGet(keys.map((k) => [k.owner, k.id] as [string, string]))
      const unread = rows.filter((row): row is CachedItemRow => row?.unread === 1)
      await db.cachedItems.bulkPut(unread.map((row) => ({ ...row, unread: 0 as const })))
      return unread.length
    })
  }

  async markAllRead (): Promise<number> {
    return this.db.cachedItems.where('unread').equals(1).modify({ unread: 0 })
  }

  /** How much of `owner`'s items I hold. */
  async usage (owner: string): Promise<CacheUsage> {
    const db = this.db
    const { usageOf } = await budgetCode()
    return db.transaction('r', db.cachedItems, db.syncState, async () => usageOf(db, owner, await db.syncState.get(owner)))
  }

  /** Whether (and why) older items of `owner`'s were left out to fit their budget. */
  async leftOut (owner: string): Promise<LeftOut | null> {
    return (await this.db.syncState.get(owner))?.leftOut ?? null
  }

  /** The same, with the budget, in the terms the UI speaks. */
  async leftOutNote (owner: string): Promise<CacheLimit | null> {
    const left = await this.leftOut(owner)
    return left ? { by: left.by, ...this.budget } : null
  }

  async cursor (owner: string): Promise<string | null> {
    return (await this.db.syncState.get(owner))?.cursor ?? null
  }

  async lastSyncAt (owner: string): Promise<number | null> {
    return (await this.db.syncState.get(owner))?.lastSyncAt ?? null
  }

  /** Records that a sync with `owner` completed. */
  markSynced (owner: string, at = Date.now()): Promise<void> {
    return this.updateSyncState(owner, { lastSyncAt: at })
  }

  /** When a connection with `owner` was last up (for "not reachable since"). */
  async lastReachedAt (owner: string): Promise<number | null> {
    return (await this.db.syncState.get(owner))?.reachedAt ?? null
  }

  markReached (owner: string, at = Date.now()): Promise<void> {
    return this.updateSyncState(owner, { reachedAt: at })
  }

  /** Changes fields of `owner`'s sync state in one step; a friend without
   *  one yet starts with no cursor and no sync. */
  private async updateSyncState (owner: string, change: Partial<SyncStateRow>): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.syncState, async () => {
      const state = await db.syncState.get(owner)
      await db.syncState.put({ cursor: null, lastSyncAt: null, ...state, ...change, owner })
    })
  }

  /** Starts (or resumes) fetching a file item (cached-files.ts). */
  beginFile (owner: string, id: string): Promise<FileProgress | null> { return beginFile(this.db, owner, id) }
  /** Keeps one fetched piece while its item is cached with this size. */
  storePiece (owner: string, id: string, size: number, index: number, bytes: Uint8Array): Promise<boolean> { return storePiece(this.db, owner, id, size, index, bytes) }
  /** Forgets the pieces of a file not yet complete. */
  dropPartialFile (owner: string, id: string): Promise<void> { return dropPartialFile(this.db, owner, id) }
  /** Marks the file complete if every piece is stored. Returns whether it is. */
  completeFile (owner: string, id: string, size: number): Promise<boolean> { return completeFile(this.db, owner, id, size) }
  /** A completely cached file, as one Blob made of its stored pieces. */
  fileBlob (owner: string, id: string): Promise<Blob | null> { return fileBlob(this.db, owner, id) }

  /** The owner's delete notices: removes exactly these items of theirs and
   *  nobody else's. Acknowledges every id, cached or not ("I don't have it"). */
  async applyDeleteNotices (owner: string, itemIds: string[]): Promise<string[]> {
    this.pagesInFlight.recordDeletions(owner, itemIds)
    const keys = [...new Set(itemIds)].map((id) => [owner, id] as [string, string])
    const db = this.db
    const { itemBytes } = await budgetCode()
    await db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, db.syncState, async () => {
      const rows = await db.cachedItems.bulkGet(keys)
      await db.cachedItems.bulkDelete(keys)
      await dropFiles(this.db, keys)
      await this.countOut(owner, rows.filter((row): row is CachedItemRow => row !== undefined), itemBytes)
      await this.remember(owner, 'gone', itemIds)
    })
    return [...itemIds]
  }

  /** What the mailbox must not take again from `owner`: items they told me
   *  to forget, and letters already taken. */
  async mailboxMemory (owner: string): Promise<{ gone: Set<string>, taken: Set<string> }> {
    const state = await this.db.syncState.get(owner)
    return { gone: new Set(state?.gone ?? []), taken: new Set(state?.lettersTaken ?? []) }
  }

  /** Remembers these letters of `owner`'s as taken. */
  async lettersTaken (owner: string, letterIds: readonly string[]): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.syncState, () => this.remember(owner, 'lettersTaken', letterIds))
  }

  /** Adds to one of the owner's remembered lists (the latest MAX_REMEMBERED);
   *  inside the caller's transaction. */
  private async remember (owner: string, list: 'gone' | 'lettersTaken', ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    const state = await this.db.syncState.get(owner)
    const had = (state?.[list] ?? []).filter((id) => !ids.includes(id))
    const kept = [...had, ...new Set(ids)].slice(-MAX_REMEMBERED)
    await this.db.syncState.put({ cursor: null, lastSyncAt: null, ...state, owner, [list]: kept })
  }

  /** Takes removed rows off the owner's counters; inside the caller's
   *  transaction. Without counters there is nothing to correct: they are
   *  counted from the rows when next needed. */
  private async countOut (owner: string, rows: CachedItemRow[], itemBytes: (item: SharedItem) => number): Promise<void> {
    const state = await this.db.syncState.get(owner)
    if (!state?.usage || rows.length === 0) return
    let { items, bytes } = state.usage
    for (const row of rows) {
      items--
      bytes -= itemBytes(row.item)
    }
    await this.db.syncState.put({ ...state, usage: { items: Math.max(0, items), bytes: Math.max(0, bytes) } })
  }

  /** Forgets one friend's items, files and cursor: the next sync fetches
   *  everything. `friendStays` (the person cleared the cache; the friend is
   *  still one): their counters stay, at zero. Without counters the next
   *  page counts the friend's rows afresh, and a range whose rows were just
   *  deleted reads slowly (2 s after clearing 10,000, for a page that then
   *  stored in 0.1 s). A friend removed leaves nothing they need not. */
  async purge (owner: string, opts: { friendStays?: boolean } = {}): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, db.syncState, async () => {
      await db.cachedItems.where('owner').equals(owner).delete()
      await db.cachedFiles.where('owner').equals(owner).delete()
      await db.cachedFileChunks.where('owner').equals(owner).delete()
      // The cursor, the counters and the note that older items were left out
      // go (fetch everything next time); when I last reached them is not their
      // content, nor what they told me to forget and the mailbox letters
      // already taken (kept, or a relay serving an old letter again would
      // bring back an item they deleted).
      const state = await db.syncState.get(owner)
      const kept = { ...(state?.reachedAt !== undefined ? { reachedAt: state.reachedAt } : {}), ...mailboxMemoryOf(state) }
      if (Object.keys(kept).length === 0 && opts.friendStays !== true) await db.syncState.delete(owner)
      else await db.syncState.put({ owner, cursor: null, lastSyncAt: null, ...kept, usage: { items: 0, bytes: 0 } })
    })
  }

  async purgeAll (): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.cachedItems, db.cachedFiles, db.cachedFileChunks, db.syncState, async () => {
      // What friends told me to forget, and letters taken, stay (see purge).
      const memories = (await db.syncState.toArray()).map((state) => ({ owner: state.owner, memory: mailboxMemoryOf(state) })).filter((m) => Object.keys(m.memory).length > 0)
      await Promise.all([db.cachedItems.clear(), db.cachedFiles.clear(), db.cachedFileChunks.clear(), db.syncState.clear()])
      await db.syncState.bulkPut(memories.map(({ owner, memory }) => ({ owner, cursor: null, lastSyncAt: null, ...memory })))
    })
  }
}

function mailboxMemoryOf (state: SyncStateRow | undefined): Pick<SyncStateRow, 'gone' | 'lettersTaken'> {
  return { ...(state?.gone ? { gone: state.gone } : {}), ...(state?.lettersTaken ? { lettersTaken: state.lettersTaken } : {}) }
}
