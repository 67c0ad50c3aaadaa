// Requests to friends wait here (IndexedDB) until the friend is reachable.
// A request is removed only after it was carried out, so a reload or a dropped
// connection loses nothing; a unique dedupe key keeps one row per request.
import type { ClientDatabase, OutboxKind, OutboxRow } from '../cache/db'

export interface OutboxRequest { peer: string, kind: OutboxKind, itemId?: string }

export class Outbox {
  /** Per peer, the drain running now: a second drain waits for it, so no row
   *  is carried out twice at once. */
  private readonly draining = new Map<string, Promise<unknown>>()

  constructor (private readonly db: ClientDatabase) {}

  /** Queues a request unless the same one is already waiting. */
  async enqueue (request: OutboxRequest): Promise<void> {
    const dedupeKey = `${request.kind}:${request.peer}:${request.itemId ?? ''}`
    const db = this.db
    await db.transaction('rw', db.outbox, async () => {
      if (await db.outbox.where('dedupeKey').equals(dedupeKey).count() > 0) return
      const row: OutboxRow = { dedupeKey, peer: request.peer, kind: request.kind, createdAt: Date.now() }
      if (request.itemId !== undefined) row.itemId = request.itemId
      await db.outbox.add(row)
    })
  }

  /** The peer's queued requests, oldest first. */
  async pending (peer: string): Promise<OutboxRow[]> {
    return this.db.outbox.where('peer').equals(peer).sortBy('seq')
  }

  /** Peers with anything queued: what to resume after a reload. */
  async peersWithPending (): Promise<string[]> {
    return (await this.db.outbox.orderBy('peer').uniqueKeys()) as string[]
  }

  /**
   * Carries out the peer's requests in order (including ones queued while
   * draining). Each row is deleted only after `perform` succeeded; the first
   * failure stops the drain, leaves that row queued and is rethrown.
   * Resolves with the number of requests carried out.
   */
  drain (peer: string, perform: (row: OutboxRow) => Promise<void>): Promise<number> {
    const previous = this.draining.get(peer) ?? Promise.resolve()
    const run = previous.catch(() => {}).then(() => this.drainNow(peer, perform))
    this.draining.set(peer, run)
    const forget = (): void => { if (this.draining.get(peer) === run) this.draining.delete(peer) }
    run.then(forget, forget)
    return run
  }

  private async drainNow (peer: string, perform: (row: OutboxRow) => Promise<void>): Promise<number> {
    let done = 0
    for (;;) {
      const [row] = await this.db.outbox.where('peer').equals(peer).limit(1).toArray()
      if (!row) return done
      await perform(row)
      await this.db.outbox.delete(row.seq!)
      done++
    }
  }
}
