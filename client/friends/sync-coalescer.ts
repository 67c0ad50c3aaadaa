// Syncs asked for by hints and by sessions opening, per friend: at most one
// sync in flight and one pending behind it, however many requests arrive. A
// friend flooding itemsChanged costs us two syncs at most per burst, each an
// incremental listing from our cursor. Across friends, a few run at once
// (opening Home asks every friend), the others wait their turn.
export class SyncCoalescer {
  private readonly running = new Map<string, { pending: boolean }>()
  private readonly waiting = new Set<string>()
  /** Syncs started, for tests. */
  started = 0

  constructor (private readonly syncOnce: (friendKey: string) => Promise<void>, private readonly maxConcurrent = 4) {}

  /** Starts a sync now (or when a slot frees), or marks one pending behind the one in flight. */
  request (friendKey: string): void {
    const state = this.running.get(friendKey)
    if (state) {
      state.pending = true
      return
    }
    if (this.running.size >= this.maxConcurrent) {
      this.waiting.add(friendKey)
      return
    }
    void this.run(friendKey)
  }

  isBusy (friendKey: string): boolean {
    return this.running.has(friendKey) || this.waiting.has(friendKey)
  }

  private async run (friendKey: string): Promise<void> {
    const state = { pending: false }
    this.running.set(friendKey, state)
    try {
      do {
        state.pending = false
        this.started++
        // A failed sync stays queued in the outbox and is retried by the feed.
        await this.syncOnce(friendKey).catch(() => {})
      } while (state.pending)
    } finally {
      this.running.delete(friendKey)
      const next = this.waiting.values().next()
      if (!next.done) {
        this.waiting.delete(next.value)
        void this.run(next.value)
      }
    }
  }
}
