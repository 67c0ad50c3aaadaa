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

export class ReplayGuard {
  /** topic → (offer id → the time after which the offer is stale anyway). */
  private readonly swarms = new Map<string, Map<string, number>>()
  private lastSweep = -Infinity

  constructor (private readonly perSwarm = 512, private readonly sweepEveryMs = 60_000) {}

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
