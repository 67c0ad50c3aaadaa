// What a friend's page read past its end, kept for their next page. A page
// reads each of the friend's tags in slices and merges them; about half of
// what it reads lies past the page (the tags' rows after its last item).
// In a large store every index entry read costs a lookup of its row (about
// 70 µs at 1,000,000 items), so a friend walking through their items read
// each row about twice. Kept here, the next page starts from those rows.
//
// Kept only while nothing could have changed them: for the same viewer tags
// (a friend who joined or left a group reads again) and the same filters (a
// page drops the rows its filters refuse), from exactly where the page
// ended, and only if no item was written since the read began
// (NodeDatabase.itemWrites counts every write to the items table). Every
// row is still checked against the friend's current viewer (canSee).
import type { ItemRow } from './db'
import type { ListPosition, TagStream } from './visible-page'

/** Friends whose read-ahead is kept (the most recent): friends walking
 *  through their items at the same time. A stream holds at most a page. */
const MAX_KEPT = 8
/** A read-ahead holding more text than this is not kept: at most a few MB
 *  in all, however long the items and pages friends ask for. A page of 50
 *  short notes holds a few thousand characters. */
export const MAX_KEPT_CHARS = 256 * 1024

interface Kept { writes: number, shape: string, after: ListPosition, streams: TagStream[] }

export class ReadAheads {
  private readonly kept = new Map<string, Kept>()

  /** The streams to start this friend's page from, if still good; taken
   *  out either way (a page's read-ahead serves one next page). `shape`:
   *  the viewer's tags and the request's filters, as one string. */
  take (friendKey: string, shape: string, after: ListPosition | undefined, writes: number): TagStream[] | undefined {
    const kept = this.kept.get(friendKey)
    if (!kept) return undefined
    this.kept.delete(friendKey)
    const same = kept.writes === writes && kept.shape === shape && after !== undefined &&
      kept.after.listedAt === after.listedAt && kept.after.id === after.id
    return same ? kept.streams : undefined
  }

  /** Keeps what a page read past `after` (its last item); `past`: rows the
   *  page read beyond its limit (the one that tells more follow). `writes`:
   *  itemWrites when the read began. */
  keep (friendKey: string, shape: string, after: ListPosition, streams: TagStream[], past: ItemRow[], writes: number): void {
    this.kept.delete(friendKey)
    // A tag with nothing more to give is dropped: carried on page after
    // page, such streams would pile up.
    const live = streams.filter((s) => s.rows.length > 0 || !s.done)
    const all = past.length > 0 ? [...live, { tag: 'past the page', rows: past, from: undefined, done: true }] : live
    if (textOf(all) > MAX_KEPT_CHARS) return
    this.kept.set(friendKey, { writes, shape, after: { listedAt: after.listedAt, id: after.id }, streams: all })
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value!)
  }

  forget (friendKey: string): void {
    this.kept.delete(friendKey)
  }
}

/** The characters the streams' rows hold (text and file names). */
function textOf (streams: readonly TagStream[]): number {
  let chars = 0
  for (const s of streams) for (const row of s.rows) chars += row.text.length + (row.file?.name.length ?? 0)
  return chars
}
