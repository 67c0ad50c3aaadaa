// Which trackers relay offers and answers. A tracker can accept our socket,
// answer every announce and still relay nothing (several public ones do), and
// nothing in the protocol says so. So this is evidence, not proof:
//   - a signal (offer or answer) that came through a tracker proves it relays;
//   - a dial whose offers went to several open trackers and were answered
//     through some of them but not through this one counts against it (the
//     friend's node answers every copy of an offer through the tracker that
//     brought it, so a relaying tracker brings an answer too).
// A tracker that never relayed anything is called 'not-relaying' after one
// such dial (MISSES_TO_FLAG); one that relayed before, after
// MISSES_TO_FLAG_AFTER_RELAY such dials in a row: a tracker that worked can
// lose one answer. The first relay seen clears the verdict. When no tracker brings an answer (nobody is
// there, or all are broken) nothing is concluded: that would blame a tracker
// for a friend who is offline. One book serves every pool of a node.

/** Dials in a row answered elsewhere but not through this tracker. */
export const MISSES_TO_FLAG = 1
export const MISSES_TO_FLAG_AFTER_RELAY = 3
/** Trackers remembered; the book cannot grow without bound. */
const MAX_TRACKERS = 64

export type RelayVerdict = 'relays' | 'not-relaying' | 'unknown'

interface Evidence { misses: number, relayedAt: number | undefined }

function isFlagged (e: Evidence): boolean {
  return e.misses >= (e.relayedAt === undefined ? MISSES_TO_FLAG : MISSES_TO_FLAG_AFTER_RELAY)
}

export class RelayBook {
  private readonly byUrl = new Map<string, Evidence>()
  private readonly listeners = new Set<() => void>()

  /** A signal came through this tracker. */
  relayed (url: string, now = Date.now()): void {
    const e = this.entry(url)
    const changed = isFlagged(e) || e.relayedAt === undefined
    e.misses = 0
    e.relayedAt = now
    if (changed) this.changed()
  }

  /** One dial's offers went out through `sentVia` (the trackers open then)
   *  and came back answered through `answeredVia`. */
  dialed (sentVia: readonly string[], answeredVia: ReadonlySet<string>): void {
    if (answeredVia.size === 0) return
    let changed = false
    for (const url of sentVia) {
      if (answeredVia.has(url)) continue
      const e = this.entry(url)
      const was = isFlagged(e)
      e.misses++
      if (isFlagged(e) !== was) changed = true
    }
    if (changed) this.changed()
  }

  verdict (url: string): RelayVerdict {
    const e = this.byUrl.get(url)
    if (!e) return 'unknown'
    if (isFlagged(e)) return 'not-relaying'
    return e.relayedAt !== undefined ? 'relays' : 'unknown'
  }

  /** Trackers seen relaying, most recent first (for remembering good ones). */
  relaying (): string[] {
    return [...this.byUrl.entries()]
      .filter(([, e]) => e.relayedAt !== undefined && !isFlagged(e))
      .sort((a, b) => b[1].relayedAt! - a[1].relayedAt!)
      .map(([url]) => url)
  }

  onChange (cb: () => void): () => void {
    this.listeners.add(cb)
    return () => { this.listeners.delete(cb) }
  }

  private entry (url: string): Evidence {
    let e = this.byUrl.get(url)
    if (!e) {
      if (this.byUrl.size >= MAX_TRACKERS) this.byUrl.delete(this.byUrl.keys().next().value!)
      e = { misses: 0, relayedAt: undefined }
      this.byUrl.set(url, e)
    }
    return e
  }

  private changed (): void {
    for (const cb of [...this.listeners]) {
      try { cb() } catch (err) { queueMicrotask(() => { throw err }) }
    }
  }
}
