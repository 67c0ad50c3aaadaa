// Pulling everything new from another of the person's devices: page after
// page of its change log, each page checked, its files fetched, then applied
// in one transaction with the cursor. Stop it at any point (abort, a closed
// session, a refused page): the next pull starts after the last page that
// committed, so a device away for a week fetches only what it missed.
//
// While one page is applied the next is already on its way (a device that
// says it serves two requests at once, see `ahead`), telling the peer what
// is really applied here; pages are still applied one at a time, in log
// order, and at most one page waits while another is applied. A device
// that never pulled from this peer first takes its newest items
// (syncNewest), so its first screen fills before the rest of the log came.
import { KithError } from '../../shared/wire/errors'
import {
  MAX_SYNC_NEWEST, MAX_SYNC_PAGE, MAX_SYNC_PAGE_BYTES, parseSyncNewestResult, parseSyncPullResult,
  type SyncPullParams, type SyncPullResult
} from '../../shared/protocol/protocol'
import type { NodeDatabase } from '../storage/db'
import { deleteChunks } from '../storage/file-chunks'
import { applyRecords, type AppliedChanges } from './apply'
import { pulledFrom, refuseRevoked } from './cursors'
import { fetchMissingFiles, type DevicePeer } from './file-fetch'
import { checkRecords, type CheckedRecord } from './records'

/** The largest answer a page may be: MAX_SYNC_PAGE_BYTES of records (the
 *  serving device stops there) and their framing. Anything larger is refused
 *  at its header, before it is held. */
export const MAX_SYNC_ANSWER_BYTES = MAX_SYNC_PAGE_BYTES + 1024 * 1024

/** The newest items a new device takes first: "My items"' first screen. */
export const NEWEST_FIRST = 50

export interface SyncProgress {
  /** Records pulled so far in this run. */
  pulled: number
  done: boolean
}

export interface DeviceSyncOptions {
  /** Records per page, 1 to MAX_SYNC_PAGE. */
  pageSize?: number
  now?: () => number
  timeoutMs?: number
  /** Records that pass every check but are still not to be taken (a
   *  friendship without the identity's grant): skipped, the pull goes on. */
  accept?: (record: CheckedRecord) => boolean
  /** How many of the peer's newest items to take first when nothing was
   *  pulled from it yet (at most MAX_SYNC_NEWEST; the node asks for
   *  NEWEST_FIRST). Default 0: none. */
  newestFirst?: number
}

/**
 * One direction of sync with one peer device. Events:
 * - 'progress' (CustomEvent<SyncProgress>) after every page;
 * - 'changes' (CustomEvent<AppliedChanges>) after a page that changed
 *   anything here: friends, invites or groups (refresh the swarms), items
 *   (refresh the UI), notices (kick the notice sender), settings.
 */
export class DeviceSync extends EventTarget {
  private readonly pageSize: number
  private readonly now: () => number
  private readonly timeoutMs: number
  private readonly accept: (record: CheckedRecord) => boolean
  private readonly newestFirst: number
  private running: Promise<SyncProgress> | null = null
  /** Asked once (a peer with an empty log leaves the cursor at 0). */
  private askedNewest = false

  constructor (private readonly db: NodeDatabase, private readonly peer: DevicePeer, readonly peerDeviceKey: string, opts: DeviceSyncOptions = {}) {
    super()
    this.pageSize = Math.max(1, Math.min(MAX_SYNC_PAGE, opts.pageSize ?? MAX_SYNC_PAGE))
    this.now = opts.now ?? db.wall
    this.timeoutMs = opts.timeoutMs ?? 60_000
    this.accept = opts.accept ?? (() => true)
    this.newestFirst = Math.max(0, Math.min(MAX_SYNC_NEWEST, opts.newestFirst ?? 0))
  }

  /** Pulls until the peer has nothing more. One run at a time: a second
   *  call while one runs joins it. */
  pull (signal?: AbortSignal): Promise<SyncProgress> {
    this.running ??= this.run(signal).finally(() => { this.running = null })
    return this.running
  }

  private async run (signal?: AbortSignal): Promise<SyncProgress> {
    await refuseRevoked(this.db, this.peerDeviceKey)
    let applied = await pulledFrom(this.db, this.peerDeviceKey)
    if (applied === 0 && this.newestFirst > 0 && !this.askedNewest) {
      this.askedNewest = true
      await this.takeNewest(signal)
    }
    const progress: SyncProgress = { pulled: 0, done: false }
    // Cancels a page asked for ahead when this run ends early.
    const ended = new AbortController()
    const stop = signal ? AbortSignal.any([signal, ended.signal]) : ended.signal
    let next: Promise<SyncPullResult> | null = this.ask({ after: applied, limit: this.pageSize }, stop)
    try {
      while (!progress.done) {
        const page: SyncPullResult = await next!
        next = null
        if (!page.done && (page.ahead ?? 1) > 1) {
          next = this.ask({ after: page.next, limit: this.pageSize, applied }, stop)
          // Awaited on the next turn; until then, a failure must not go unhandled.
          next.catch(() => {})
        }
        const changes = await this.applyPage(page.records, page.next, signal)
        applied = page.next
        progress.pulled += changes.taken
        progress.done = page.done
        if (changes.applied.tables.size > 0) this.dispatchEvent(new CustomEvent<AppliedChanges>('changes', { detail: changes.applied }))
        this.dispatchEvent(new CustomEvent<SyncProgress>('progress', { detail: { ...progress } }))
        // A device that serves one request at once (an older version) is asked once this page is applied.
        if (!page.done && next === null) next = this.ask({ after: applied, limit: this.pageSize }, stop)
      }
    } finally {
      ended.abort()
    }
    return progress
  }

  /** Asks for one page and checks its shape (its records are checked before they are applied). */
  private async ask (asked: SyncPullParams, signal: AbortSignal): Promise<SyncPullResult> {
    if (signal.aborted) throw new KithError('CANCELLED', 'the sync was stopped')
    const answer = await this.peer.call('syncPull', asked, { signal, timeoutMs: this.timeoutMs, maxResultBytes: MAX_SYNC_ANSWER_BYTES })
    return parseSyncPullResult(answer, asked)
  }

  /** The peer's newest items, applied without moving the cursor: the pull
   *  that follows brings them again, as they are here, and changes nothing.
   *  A device that does not know syncNewest (an older version) answers an
   *  error, and the pull goes on without; so does one whose answer is
   *  refused (nothing of it is applied; the pull checks everything again). */
  private async takeNewest (signal?: AbortSignal): Promise<void> {
    const asked = { limit: this.newestFirst }
    try {
      const answer = await this.peer.call('syncNewest', asked, { signal, timeoutMs: this.timeoutMs, maxResultBytes: MAX_SYNC_ANSWER_BYTES })
      const { records } = parseSyncNewestResult(answer, asked)
      if (records.some((r) => (r as { table?: unknown }).table !== 'items')) throw new KithError('BAD_REQUEST', 'the device answered newest items that are not items')
      const { applied } = await this.applyPage(records, null, signal)
      if (applied.tables.size > 0) this.dispatchEvent(new CustomEvent<AppliedChanges>('changes', { detail: applied }))
    } catch {
      if (signal?.aborted) throw new KithError('CANCELLED', 'the sync was stopped')
    }
  }

  /** Checks `records`, fetches their files, applies them (with the cursor
   *  at `next`, unless null). */
  private async applyPage (raw: readonly unknown[], next: number | null, signal?: AbortSignal): Promise<{ applied: AppliedChanges, taken: number }> {
    const records = checkRecords(raw, this.now()).filter(this.accept)
    const fetched = await fetchMissingFiles(this.db, this.peer, records, signal)
    try {
      if (signal?.aborted) throw new KithError('CANCELLED', 'the sync was stopped')
      const pulled = next === null ? { peer: this.peerDeviceKey } : { peer: this.peerDeviceKey, next }
      return { applied: await applyRecords(this.db, records, { now: this.now, pulled }), taken: records.length }
    } catch (err) {
      // Fetched for a page that did not commit: not to be left as orphans.
      for (const id of fetched) if (!await this.db.items.get(id)) await deleteChunks(this.db, id)
      throw err
    }
  }
}
