// Syncs asked for by hints and by sessions opening. Per friend: at most one
// sync in flight and one pending behind it, however many requests arrive,
// and a friend's syncs start at least a second apart, so a friend flooding
// itemsChanged costs us about one incremental listing per second. Across
// friends a few run at once (opening Home asks every friend) and the others
// wait their turn, in order: a friend asking again goes behind those already
// waiting, and a turn that runs out of time (a friend who never answers, or
// pages slowly for ever) gives up its slot and is queued again behind them.

export interface SyncCoalescerOptions {
  /** Syncs running at once, across friends. */
  maxConcurrent?: number
  /** One friend's syncs start at least this far apart. */
  minIntervalMs?: number
  /** How long one turn may hold its slot; then its signal aborts. */
  turnMs?: number
  /** The clock and timers, for tests with fake time. */
  now?: () => number
  setTimer?: (run: () => void, ms: number) => unknown
  clearTimer?: (timer: unknown) => void
}

/** One sync of one friend: should stop soon after `signal` aborts (what it
 *  did not finish stays queued in the outbox). */
export type SyncOnce = (friendKey: string, signal: AbortSignal) => Promise<void>

type Phase =
  | { kind: 'cooling', timer: unknown }
  | { kind: 'waiting' }
  | { kind: 'running', pending: boolean }

export class SyncCoalescer {
  /** Friends with a sync ahead or under way; absent = idle. */
  private readonly phases = new Map<string, Phase>()
  /** Friends waiting for a slot, first come first served. */
  private readonly waiting = new Set<string>()
  /** When each friend's last sync started. */
  private readonly lastStart = new Map<string, number>()
  private running = 0
  private readonly maxConcurrent: number
  private readonly minIntervalMs: number
  private readonly turnMs: number
  private readonly now: () => number
  private readonly setTimer: (run: () => void, ms: number) => unknown
  private readonly clearTimer: (timer: unknown) => void
  /** Syncs started, for tests. */
  started = 0
  /** Turns that ran out of time, for tests. */
  cutShort = 0

  constructor (private readonly syncOnce: SyncOnce, opts: SyncCoalescerOptions = {}) {
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 4)
    this.minIntervalMs = Math.max(0, opts.minIntervalMs ?? 1_000)
    this.turnMs = Math.max(1, opts.turnMs ?? 15_000)
    this.now = opts.now ?? (() => Date.now())
    this.setTimer = opts.setTimer ?? ((run, ms) => setTimeout(run, ms))
    this.clearTimer = opts.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>))
  }

  /** A sync of this friend soon: now if a slot is free and their last one
   *  started a second ago or more; otherwise once both hold. While one runs,
   *  one more follows it. */
  request (friendKey: string): void {
    const phase = this.phases.get(friendKey)
    if (phase?.kind === 'running') phase.pending = true
    else if (!phase) this.schedule(friendKey)
  }

  isBusy (friendKey: string): boolean {
    return this.phases.has(friendKey)
  }

  /** Waits out the friend's interval (holding no slot), then joins the queue. */
  private schedule (friendKey: string): void {
    const wait = (this.lastStart.get(friendKey) ?? -Infinity) + this.minIntervalMs - this.now()
    if (wait <= 0) {
      this.enqueue(friendKey)
      return
    }
    const timer = this.setTimer(() => {
      if (this.phases.get(friendKey)?.kind === 'cooling') this.enqueue(friendKey)
    }, wait)
    this.phases.set(friendKey, { kind: 'cooling', timer })
  }

  private enqueue (friendKey: string): void {
    this.phases.set(friendKey, { kind: 'waiting' })
    this.waiting.add(friendKey)
    this.pump()
  }

  private pump (): void {
    while (this.running < this.maxConcurrent && this.waiting.size > 0) {
      const next = this.waiting.values().next().value!
      this.waiting.delete(next)
      void this.run(next)
    }
  }

  private async run (friendKey: string): Promise<void> {
    const phase = { kind: 'running' as const, pending: false }
    this.phases.set(friendKey, phase)
    this.running++
    this.started++
    this.forgetOldStarts()
    this.lastStart.set(friendKey, this.now())
    const turn = new AbortController()
    let timer: unknown
    const outOfTime = new Promise<'late'>((resolve) => {
      timer = this.setTimer(() => resolve('late'), this.turnMs)
    })
    // A failed sync stays queued in the outbox and is retried by the feed.
    const finished = this.syncOnce(friendKey, turn.signal).then(() => 'done' as const, () => 'done' as const)
    // The slot is given back when the turn is over, even if the sync does
    // not stop at once: it must not hold the slot beyond its time.
    const outcome = await Promise.race([finished, outOfTime])
    this.clearTimer(timer)
    if (outcome === 'late') {
      this.cutShort++
      turn.abort()
    }
    this.running--
    this.phases.delete(friendKey)
    // Asked again meanwhile, or cut short (its request is still queued):
    // once more, behind everyone already waiting.
    if (phase.pending || outcome === 'late') this.schedule(friendKey)
    this.pump()
  }

  /** Start times older than the interval no longer hold anyone back. */
  private forgetOldStarts (): void {
    if (this.lastStart.size < 64) return
    const now = this.now()
    for (const [key, at] of this.lastStart) {
      if (now - at >= this.minIntervalMs && !this.phases.has(key)) this.lastStart.delete(key)
    }
  }
}
