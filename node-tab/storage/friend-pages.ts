// A friend's scoped request (listItems): the items they may see, one page at
// a time, each recorded as theirs before it leaves. Loaded with the first
// request (ItemsStore.listVisible), not with the app: the owner's own
// screens never read a friend's page.
import { KithError } from '../../shared/wire/errors'
import { MAX_PAGE, type SharedItem } from '../../shared/protocol/items'
import type { ListItemsParams, ListItemsResult } from '../../shared/protocol/protocol'
import { canSee, type Viewer } from './access-policy'
import type { ItemRow, NodeDatabase } from './db'
import { deliveryTables, recordDeliveries } from './deliveries'
import { NOT_A_FRIEND } from './friend-refusals'
import { ReadAheads } from './read-ahead'
import { currentEpoch, cursorAfter, resyncStart, resyncTables } from './resync'
import { unionTables } from './revoke'
import { visiblePage, type ListPosition } from './visible-page'
import { viewerTags } from './visibility-index'
import { thisDevice } from '../sync/change-log'

const MAX_GUESSES = 1000

export class FriendPages {
  /** Each friend's viewer and this device's tag as their last page found
   *  them: listVisible's guess, at most MAX_GUESSES friends (the least recent go). */
  private readonly lastViewers = new Map<string, { viewer: Viewer, device: string }>()

  /** What each friend's last page read past its end (read-ahead.ts). */
  private readonly readAheads = new ReadAheads()

  constructor (private readonly db: NodeDatabase, private readonly now: () => number, private readonly viewerFor: (friendKey: string) => Promise<Viewer>) {}

  /** The items this friend may see, in this device's (listedAt, id) order
   *  after this device's position in their cursor. Reads the visibility
   *  index from there (visible-page.ts), so its cost follows the page: not
   *  the number of items, nor how few of them this friend sees.
   *
   *  Each wait on IndexedDB is a round trip to the browser's storage process,
   *  so the page is read beside the friend's groups, epoch and this device's
   *  tag, with the groups and tag this friend's last page found (a guess).
   *  The guess only chooses what to read: once the real values are in, a
   *  page read with a different guess is read again, and every row is checked
   *  against the real viewer (canSee), so a stale guess costs a wait, never
   *  an item the friend may not see. */
  async listVisible (friendKey: string, params: ListItemsParams): Promise<ListItemsResult> {
    const limit = checkLimit(params.limit)
    const db = this.db
    const types = params.types ? new Set(params.types) : null
    const { createdFrom, createdTo } = params
    const wantedBy = (viewer: Viewer) => (row: ItemRow): boolean =>
      (types === null || types.has(row.type)) &&
      (createdFrom === undefined || row.createdAt >= createdFrom) &&
      (createdTo === undefined || row.createdAt <= createdTo) &&
      canSee(row.audience, viewer)
    // Rows written from here on make what this page reads past its end stale.
    const writes = db.itemWrites
    const shapeOf = (viewer: Viewer): string => JSON.stringify([viewerTags(viewer), params.types ?? null, createdFrom ?? null, createdTo ?? null])
    // One extra hit tells whether anything follows this page.
    const read = (viewer: Viewer, after: ListPosition | undefined) =>
      visiblePage(db, viewer, after, wantedBy(viewer), limit + 1, this.readAheads.take(friendKey, shapeOf(viewer), after, writes))
    return db.transaction('rw', unionTables([db.items, db.friends, db.memberships], deliveryTables(db), resyncTables(db)), async () => {
      const guess = this.lastViewers.get(friendKey)
      // Where the page starts if the cursor is of the current epoch (a
      // cursor from before a resync starts over: then read again below).
      const guessedAfter = guess && resyncStart(params.after?.epoch ?? null, params.after, guess.device).after
      const [viewer, epoch, device, guessed] = await Promise.all([
        this.viewerFor(friendKey), currentEpoch(db, friendKey), thisDevice(db),
        guess ? read(guess.viewer, guessedAfter) : undefined
      ])
      if (!viewer.isFriend) {
        this.lastViewers.delete(friendKey)
        this.readAheads.forget(friendKey)
        throw new KithError('UNAUTHORIZED', NOT_A_FRIEND)
      }
      const start = resyncStart(epoch, params.after, device)
      const { rows, ahead } = guessed !== undefined && sameViewer(guess!.viewer, viewer) && samePosition(guessedAfter, start.after)
        ? guessed
        : await read(viewer, start.after)
      this.rememberViewer(friendKey, { viewer, device })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      if (last && rows.length > limit) this.readAheads.keep(friendKey, shapeOf(viewer), last, ahead, rows.slice(limit), writes)
      const result: ListItemsResult = {
        items: page.map(toShared),
        cursor: last ? cursorAfter(start, last) : null,
        done: rows.length <= limit
      }
      await recordDeliveries(db, friendKey, page.map((r) => r.id), this.now(), device)
      return result
    })
  }

  private rememberViewer (friendKey: string, seen: { viewer: Viewer, device: string }): void {
    this.lastViewers.delete(friendKey)
    this.lastViewers.set(friendKey, seen)
    if (this.lastViewers.size > MAX_GUESSES) this.lastViewers.delete(this.lastViewers.keys().next().value!)
  }
}

/** Do two viewers see exactly the same items? */
function sameViewer (a: Viewer, b: Viewer): boolean {
  return a.isFriend === b.isFriend && a.groupIds.size === b.groupIds.size && [...a.groupIds].every((g) => b.groupIds.has(g))
}

function samePosition (a: ListPosition | undefined, b: ListPosition | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.listedAt === b.listedAt && a.id === b.id)
}

function checkLimit (limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new KithError('BAD_REQUEST', `A page holds 1 to ${MAX_PAGE} items.`)
  return limit
}

/** What a friend receives: never the audience. */
export function toShared (row: ItemRow): SharedItem {
  const item: SharedItem = { id: row.id, type: row.type, text: row.text, createdAt: row.createdAt, updatedAt: row.updatedAt }
  // Only when present: an undefined field would cross the wire as nil.
  if (row.file) item.file = { name: row.file.name, mime: row.file.mime, size: row.file.size }
  return item
}
