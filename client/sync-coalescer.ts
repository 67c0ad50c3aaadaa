// Syncs asked for by hints and by sessions opening, per friend: at most one
// sync in flight and one pending behind it, however many requests arrive. A
// friend flooding itemsChanged costs us two syncs at most per burst, each an
// incremental listing from our cursor.
export class SyncCoalescer {
  private readonly running = new Map<string, { pending: boolean }>()
  /** Syncs started, for tests. */
  started = 0

  constructor (private readonly syncOnce: (friendKey: string) => Promise<void>) {}

  /** Starts a sync now, or marks one pending behind the one in flight. */
  request (friendKey: string): void {
    const state = this.running.get(friendKey)
    if (state) {
      state.pending = true
      return
    }
    void this.run(friendKey)
  }

  isBusy (friendKey: string): boolean {
    return this.running.has(friendKey)
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
    }
  }
}
