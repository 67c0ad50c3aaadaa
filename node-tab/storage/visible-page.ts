// Reading a friend's page through the visibility index (visibility-index.ts):
// one ordered range per tag the friend holds, merged in (listedAt, id) order.
// Each tag is read in slices of twice its share of the page (perTag), a
// slice only when the merge has used up the last one, so a page costs about
// two pages of reads whether the store holds a thousand items or a million,
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

/** Rows to read from a tag at a time: the page shared among the tags, with
 *  room for items in two of them and uneven tags. Reading a whole page from
 *  each tag, a friend in four groups read 5 × 51 rows (each a copy out of
 *  IndexedDB) for a page of 51; with 1.5 shares each, half their pages needed
 *  a second round of reads, one more wait on IndexedDB (7.6 reads a page),
 *  with 2 shares a few do (5.6 reads, fewer rows read in all). */
function perTag (count: number, tags: number): number {
  return Math.min(count, Math.max(4, Math.ceil(2 * count / tags)))
}

/** One tag's rows in listing order: those read and not yet merged, where its
 *  next read starts, and whether the index holds no more. */
export interface TagStream { tag: string, rows: ItemRow[], from: ListPosition | undefined, done: boolean }

/** A page and what was read past it (each tag's rows not merged). */
export interface VisiblePage { rows: ItemRow[], ahead: TagStream[] }

/** Up to `count` rows after `after` that `wanted` accepts, in listing order.
 *  `wanted` must include the audience check (canSee): the index narrows the
 *  reading, it is not what grants access. `ahead`: streams a page before
 *  this one read past its end (read-ahead.ts), for this viewer's tags and
 *  with no item written since; used in place of reading them again.
 *  Run inside the caller's transaction. */
export async function visiblePage (db: NodeDatabase, viewer: Viewer, after: ListPosition | undefined, wanted: (row: ItemRow) => boolean, count: number, ahead?: readonly TagStream[]): Promise<VisiblePage> {
  const tags = viewerTags(viewer)
  const slice = perTag(count, tags.length)
  const streams: TagStream[] = ahead
    ? ahead.map((s) => ({ ...s, rows: s.rows.filter((row) => after === undefined || compare(row, after) > 0) }))
    : tags.map((tag) => ({ tag, rows: [], from: after, done: false }))
  const out: ItemRow[] = []
  const taken = new Set<string>()
  for (;;) {
    // Every tag whose slice is used up reads its next one, side by side: a
    // tag with nothing in hand may hold the next row in order.
    // With rows carried from a page before, the tags run out at different
    // times: those running low read beside the one that ran out (one wait,
    // not one per tag), and what they read past this page is carried on.
    const empty = streams.some((s) => s.rows.length === 0 && !s.done)
      ? streams.filter((s) => s.rows.length < slice / 2 && !s.done)
      : []
    if (empty.length > 0) {
      await Promise.all(empty.map(async (s) => {
        const read = await rangeOf(db, s.tag, s.from).limit(slice).toArray()
        s.rows = s.rows.length === 0 ? read : s.rows.concat(read)
        s.done = read.length < slice
        const last = read.at(-1)
        if (last) s.from = { listedAt: last.listedAt, id: last.id }
      }))
    }
    let next: TagStream | undefined
    for (const s of streams) if (s.rows.length > 0 && (!next || compare(s.rows[0]!, next.rows[0]!) < 0)) next = s
    if (!next) return { rows: out, ahead: streams }
    const row = next.rows.shift()!
    // An item in two of the friend's groups comes from two tags: once here.
    if (taken.has(row.id)) continue
    taken.add(row.id)
    if (!wanted(row)) continue
    out.push(row)
    if (out.length === count) return { rows: out, ahead: streams }
  }
}
