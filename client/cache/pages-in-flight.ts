// Deletions that arrive while a page of someone's items is on its way. A page
// requested before an owner's delete notice can arrive after it, and must not
// bring the deleted item back. What is remembered is kept per owner and only
// while a page from that owner is in flight, so nobody's notices (a flood of
// made-up ids from any peer) can push out what protects another owner's
// deletion, and a peer we never request pages from leaves no trace here.

/** One page request in flight: the ids its owner deleted since it was sent. */
export interface PageWindow {
  readonly owner: string
  readonly deleted: ReadonlySet<string>
  /** Too much happened while it was out: its page is not to be trusted. */
  readonly overflowed: boolean
}

interface OpenWindow extends PageWindow {
  deleted: Set<string>
  overflowed: boolean
}

/** A page is at most MAX_PAGE (200) items; an owner deleting more than this
 *  many while one page is out only spoils their own page (it is dropped and
 *  asked again), never anyone else's. */
const MAX_DELETIONS_PER_WINDOW = 10_000
/** One feed syncs one page at a time; a few allow for overlapping syncs. */
const MAX_WINDOWS_PER_OWNER = 8

export class PagesInFlight {
  private readonly byOwner = new Map<string, Set<OpenWindow>>()

  open (owner: string): PageWindow {
    let windows = this.byOwner.get(owner)
    if (!windows) this.byOwner.set(owner, windows = new Set())
    if (windows.size >= MAX_WINDOWS_PER_OWNER) {
      // The oldest is given up on: its page will be dropped, not trusted blindly.
      const oldest = windows.values().next().value!
      oldest.overflowed = true
      windows.delete(oldest)
    }
    const window: OpenWindow = { owner, deleted: new Set(), overflowed: false }
    windows.add(window)
    return window
  }

  /** The owner deleted these: every page of theirs now in flight must not hold them. */
  recordDeletions (owner: string, itemIds: readonly string[]): void {
    for (const window of this.byOwner.get(owner) ?? []) {
      for (const id of itemIds) {
        if (window.deleted.size >= MAX_DELETIONS_PER_WINDOW) {
          window.overflowed = true
          break
        }
        window.deleted.add(id)
      }
    }
  }

  /** The page arrived (or never will): stop recording for it. */
  close (window: PageWindow): void {
    const windows = this.byOwner.get(window.owner)
    if (!windows) return
    windows.delete(window as OpenWindow)
    if (windows.size === 0) this.byOwner.delete(window.owner)
  }

  /** Owners with a page in flight (for tests: nothing lingers). */
  get openOwners (): number {
    return this.byOwner.size
  }
}
