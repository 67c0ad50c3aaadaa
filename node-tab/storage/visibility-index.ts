// Who may see an item, as an index: every item row carries `seenBy`, one
// entry [tag, listedAt, id] per audience tag ('*' for all friends, 'g:' and a
// group id for each group; none for "only me"), under a multiEntry index.
// A friend's visible items are then the union of a few ordered index ranges,
// one per tag they hold, read from their cursor on: a page costs the page,
// whatever the number of items and however few of them the friend may see.
//
// The entries are computed here, below every other middleware, on each write
// of an item row through Dexie, from the row itself: no store (nor sync, nor
// code written later) can leave an item's entries stale. Code that writes
// IndexedDB directly (a backup restore) must call seenByOf itself. The index
// only narrows what is read; every row is still checked with canSee.
import type { DBCore, Middleware } from 'dexie'
import type { Audience } from '../../shared/protocol/items'
import type { Viewer } from './access-policy'

export type SeenByEntry = [tag: string, listedAt: number, id: string]

/** The index on ItemRow.seenBy (multiEntry). */
export const SEEN_BY = 'seenBy'
const ALL_FRIENDS = '*'
const groupTag = (groupId: string): string => `g:${groupId}`

/** The tags of an audience: who it lets see the item. */
export function audienceTags (audience: Audience): string[] {
  switch (audience.kind) {
    case 'friends': return [ALL_FRIENDS]
    case 'me': return []
    case 'groups': return [...new Set(audience.groupIds)].map(groupTag)
  }
}

/** The tags a friend holds (a stranger none): canSee is true exactly when an
 *  item's tags and these meet. */
export function viewerTags (viewer: Viewer): string[] {
  return viewer.isFriend ? [ALL_FRIENDS, ...[...viewer.groupIds].map(groupTag)] : []
}

interface IndexedFields { id: string, listedAt: number, audience: Audience }

/** An item row's index entries. A malformed row (refused by row-checks
 *  before it gets here, but never trusted) gets none: it is listed to nobody. */
export function seenByOf (row: IndexedFields): SeenByEntry[] {
  const { id, listedAt, audience } = row
  if (typeof id !== 'string' || !Number.isFinite(listedAt) || typeof audience !== 'object' || audience === null) return []
  if (audience.kind === 'groups' && !Array.isArray(audience.groupIds)) return []
  return audienceTags(audience).map((tag): SeenByEntry => [tag, listedAt, id])
}

/** The row as the owner's screens and other code know it: the entries are
 *  the index's business, and go stale once the row is changed in memory. */
export function withoutIndexEntries<T extends { seenBy?: unknown }> (row: T): Omit<T, 'seenBy'> {
  const { seenBy: _entries, ...rest } = row
  return rest
}

/** Keeps seenBy right on every add or put to the items table, and calls
 *  `onWrite` as any write to it (add, put, delete) is asked for. */
export function visibilityMiddleware (onWrite: () => void): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'kith-visibility-index',
    // Closest to IndexedDB: what is written is what gets indexed.
    level: -3,
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name)
        if (name !== 'items') return table
        return {
          ...table,
          mutate: (req) => {
            onWrite()
            return req.type === 'add' || req.type === 'put'
              ? table.mutate({ ...req, values: req.values.map((v: IndexedFields) => ({ ...v, seenBy: seenByOf(v) })) })
              : table.mutate(req)
          }
        }
      }
    })
  }
}
