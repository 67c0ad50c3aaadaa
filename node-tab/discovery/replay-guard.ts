// Remembers which offers were already let through, so each is answered at
// most once for as long as it is fresh: a tracker replaying a captured offer,
// or the same offer arriving through two trackers, gets nothing more. Offers
// are told apart by something inside the sealed offer (its one-time reply
// key), which a tracker cannot change, not by the envelope's peer and offer
// ids, which it can.
//
// Memory is bounded per swarm, and a swarm whose memory is full lets nothing
// more through until entries go stale: forgetting an offer early would let it
// be replayed. A flood in one swarm (strangers in the address swarm) thus
// never blocks another (a friend's pair swarm).
//
// The node keeps one guard across listener restarts (new settings) and saves
// what it remembers (entries()/restore()), so a reload within an offer's ten
// fresh minutes does not open a window for replaying it either.

/** One remembered offer: its swarm (or scope), its id and when it goes stale. */
export type ReplayEntry = [scope: string, offerId: string, staleAt: number]

export class ReplayGuard {
  /** topic → (offer id → the time after which the offer is stale anyway). */
  private readonly swarms = new Map<string, Map<string, number>>()
  private lastSweep = -Infinity
  /** Told whenever a new offer is remembered (the node saves the memory). */
  onRemember: (() => void) | null = null

  constructor (private readonly perSwarm = 512, private readonly sweepEveryMs = 60_000) {}

  /** What is remembered and still fresh, to be saved. */
  entries (now: number): ReplayEntry[] {
    const out: ReplayEntry[] = []
    for (const [scope, seen] of this.swarms) for (const [id, staleAt] of seen) if (staleAt >= now) out.push([scope, id, staleAt])
    return out
  }

  /** Takes back saved entries (checked: they come from storage). */
  restore (entries: unknown, now: number): void {
    if (!Array.isArray(entries)) return
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 3) continue
      const [scope, id, staleAt] = entry as unknown[]
      if (typeof scope !== 'string' || typeof id !== 'string' || typeof staleAt !== 'number' || !(staleAt >= now)) continue
      let seen = this.swarms.get(scope)
      if (!seen) this.swarms.set(scope, seen = new Map())
      if (seen.size < this.perSwarm) seen.set(id, staleAt)
    }
  }

  /** True the first time an offer is seen (and it is remembered until
   *  `staleAt`); false for a repeat, or when the swarm's memory is full. */
  firstSight (topic: string, offerId: string, staleAt: number, now: number): boolean {
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now)
    let seen = this.swarms.get(topic)
    if (!seen) this.swarms.set(topic, seen = new Map())
    const known = seen.get(offerId)
    if (known !== undefined && known >= now) return false
    if (seen.size >= this.perSwarm) {
      forgetStale(seen, now)
      if (seen.size >= this.perSwarm) return false
    }
    seen.set(offerId, staleAt)
    this.onRemember?.()
    return true
  }

  /** Offers remembered, over all swarms (for tests and status). */
  get size (): number {
    let n = 0
    for (const seen of this.swarms.values()) n += seen.size
    return n
  }

  /** Drops stale entries everywhere, and swarms left empty (those of past
   *  epochs, or friends no longer listened for). */
  private sweep (now: number): void {
    this.lastSweep = now
    for (const [topic, seen] of this.swarms) {
      forgetStale(seen, now)
      if (seen.size === 0) this.swarms.delete(topic)
    }
  }
}

function forgetStale (seen: Map<string, number>, now: number): void {
  for (const [id, staleAt] of seen) if (staleAt < now) seen.delete(id)
}
