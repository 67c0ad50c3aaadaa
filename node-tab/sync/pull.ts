// Pulling everything new from another of the person's devices: page after
// page of its change log, each page checked, its files fetched, then applied
// in one transaction with the cursor. Stop it at any point (abort, a closed
// session, a refused page): the next pull starts after the last page that
// committed, so a device away for a week fetches only what it missed.
import { KithError } from '../../shared/wire/errors'
import { MAX_SYNC_PAGE, parseSyncPullResult } from '../../shared/protocol/protocol'
import type { NodeDatabase } from '../storage/db'
import { deleteChunks } from '../storage/file-chunks'
import { applyRecords, type AppliedChanges } from './apply'
import { pulledFrom, refuseRevoked } from './cursors'
import { fetchMissingFiles, type DevicePeer } from './file-fetch'
import { checkRecords, type CheckedRecord } from './records'

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
  private running: Promise<SyncProgress> | null = null

  constructor (private readonly db: NodeDatabase, private readonly peer: DevicePeer, readonly peerDeviceKey: string, opts: DeviceSyncOptions = {}) {
    super()
    this.pageSize = Math.max(1, Math.min(MAX_SYNC_PAGE, opts.pageSize ?? MAX_SYNC_PAGE))
    this.now = opts.now ?? db.wall
    this.timeoutMs = opts.timeoutMs ?? 60_000
    this.accept = opts.accept ?? (() => true)
  }

  /** Pulls until the peer has nothing more. One run at a time: a second
   *  call while one runs joins it. */
  pull (signal?: AbortSignal): Promise<SyncProgress> {
    this.running ??= this.run(signal).finally(() => { this.running = null })
    return this.running
  }

  private async run (signal?: AbortSignal): Promise<SyncProgress> {
    await refuseRevoked(this.db, this.peerDeviceKey)
    let after = await pulledFrom(this.db, this.peerDeviceKey)
    const progress: SyncProgress = { pulled: 0, done: false }
    while (!progress.done) {
      if (signal?.aborted) throw new KithError('CANCELLED', 'the sync was stopped')
      const asked = { after, limit: this.pageSize }
      const page = parseSyncPullResult(await this.peer.call('syncPull', asked, { signal, timeoutMs: this.timeoutMs }), asked)
      const records = checkRecords(page.records, this.now()).filter(this.accept)
      const fetched = await fetchMissingFiles(this.db, this.peer, records, signal)
      let changes: AppliedChanges
      try {
        if (signal?.aborted) throw new KithError('CANCELLED', 'the sync was stopped')
        changes = await applyRecords(this.db, records, { now: this.now, pulled: { peer: this.peerDeviceKey, next: page.next } })
      } catch (err) {
        // Fetched for a page that did not commit: not to be left as orphans.
        for (const id of fetched) if (!await this.db.items.get(id)) await deleteChunks(this.db, id)
        throw err
      }
      after = page.next
      progress.pulled += records.length
      progress.done = page.done
      if (changes.tables.size > 0) this.dispatchEvent(new CustomEvent<AppliedChanges>('changes', { detail: changes }))
      this.dispatchEvent(new CustomEvent<SyncProgress>('progress', { detail: { ...progress } }))
    }
    return progress
  }
}
