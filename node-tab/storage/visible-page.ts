// Reading a friend's page through the visibility index (visibility-index.ts):
// one ordered range per tag the friend holds, merged in (listedAt, id) order.
// Each round reads at most `count` rows per tag, so a page costs about
// count × tags reads whether the store holds a thousand items or a million,
// and whether the friend may see most of them or one in a hundred.
import type { ItemRow, NodeDatabase } from './db'
import type { Viewer } from './access-policy'
import { SEEN_BY, viewerTags } from './visibility-index'

export interface ListPosition { listedAt: number, id: string }

function compare (a: ListPosition, b: ListPosition): number {
  return a.listedAt - b.listedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** A tag's index entries after `from` (all of them without it), in order. */
function rangeOf (db: NodeDatabase, tag: string, from: ListPosition | undefined) {
  // [tag] sorts before every [tag, …] entry, and [tag, Infinity] after them.
  const lower = from ? [tag, from.listedAt, from.id] : [tag]
  return db.items.where(SEEN_BY).between(lower, [tag, Infinity], from === undefined, false)
}

/** Up to `count` rows after `after` that `wanted` accepts, in listing order.
 *  `wanted` must include the audience check (canSee): the index narrows the
 *  reading, it is not what grants access. Run inside the caller's transaction. */
export async function visiblePage (db: NodeDatabase, viewer: Viewer, after: ListPosition | undefined, wanted: (row: ItemRow) => boolean, count: number): Promise<ItemRow[]> {
  const tags = viewerTags(viewer)
  const out: ItemRow[] = []
  let from = after
  while (tags.length > 0) {
    const chunks = await Promise.all(tags.map((tag) => rangeOf(db, tag, from).limit(count).toArray()))
    // Past the last row of a full chunk, that tag may hold rows not read
    // yet: this round's merge is complete only up to the nearest such row.
    let horizon: ListPosition | undefined
    for (const chunk of chunks) {
      const last = chunk.at(-1)
      if (chunk.length === count && last && (!horizon || compare(last, horizon) < 0)) horizon = last
    }
    // An item in two of the friend's groups comes in two chunks: once here.
    const merged = new Map<string, ItemRow>()
    for (const chunk of chunks) for (const row of chunk) if (!horizon || compare(row, horizon) <= 0) merged.set(row.id, row)
    for (const row of [...merged.values()].sort(compare)) {
      if (!wanted(row)) continue
      out.push(row)
      if (out.length === count) return out
    }
    if (!horizon) break
    from = { listedAt: horizon.listedAt, id: horizon.id }
  }
  return out
}
