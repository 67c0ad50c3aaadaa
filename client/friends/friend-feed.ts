// One friend's feed: what I have cached from them, and requests for more.
// Every request goes through the outbox first, so a request made while the
// friend is offline (or lost halfway) waits in IndexedDB and goes out when a
// session with them opens, even after a reload.
import { toHex } from '../../shared/util/bytes'
import { KithError, type ErrorCode } from '../../shared/wire/errors'
import type { NodeSession } from '../../node-tab/node'
import type { CacheLimit, FeedItem, FeedState, FriendFeed } from '../api/app-api'
import type { FriendCache } from '../cache/friend-cache'
import type { OutboxRow } from '../cache/db'
import type { Outbox } from './outbox'
import { describe, plainFileError } from './feed-words'
import { syncPages } from './page-sync'
import { fetchFileInto } from './file-fetch'

export interface FriendFeedOptions {
  ownerAddress: string
  ownerKeyHex: string
  cache: FriendCache
  outbox: Outbox
  /** The open session with this friend, if any (never dials). */
  currentSession: () => NodeSession | null
  /** Waits for (or dials) a session with this friend. */
  getSession: (signal: AbortSignal) => Promise<NodeSession>
  /** Back-off between background attempts while the friend is unreachable. */
  retryBaseMs?: number
  retryMaxMs?: number
  /** The friend is away and I asked (not a background turn): leave the
   *  request in their mailbox on relays too, for their first device online. */
  askWhileAway?: () => void
  /** How long a sync I asked for waits for a session before askWhileAway. */
  askAfterMs?: number
}

/** A dial keeps trying while the friend is offline; a friend online is
 *  usually reached well within this. */
const ASK_BY_MAILBOX_AFTER_MS = 15_000

const NOT_A_FRIEND = 'This person no longer shares with you.'
/** Answers that will not change by asking again: the request is dropped. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'BAD_REQUEST', 'TOO_LARGE'])

interface FileWaiter {
  resolve: (file: Blob) => void
  reject: (err: KithError) => void
  onProgress?: (fraction: number) => void
}

export class FriendFeedImpl extends EventTarget implements FriendFeed {
  readonly ownerAddress: string
  private readonly owner: string
  private readonly opts: FriendFeedOptions
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private currentState: FeedState = 'idle'
  private error: string | null = null
  private syncedAt: number | null = null
  private trimmed: CacheLimit | null = null
  private readonly closer = new AbortController()
  private waitingInBackground = false
  private activeDrains = 0
  /** A request dropped for good during the current drain, to tell the user. */
  private droppedProblem: string | null = null
  private readonly fileWaiters = new Map<string, FileWaiter[]>()
  private askTimer: ReturnType<typeof setTimeout> | null = null

  constructor (opts: FriendFeedOptions) {
    super()
    this.opts = opts
    this.ownerAddress = opts.ownerAddress
    this.owner = opts.ownerKeyHex
    this.retryBaseMs = Math.max(1, opts.retryBaseMs ?? 1_000)
    this.retryMaxMs = Math.max(this.retryBaseMs, opts.retryMaxMs ?? 30_000)
    opts.cache.lastSyncAt(this.owner).then((at) => {
      if (at !== null && this.syncedAt === null) {
        this.syncedAt = at
        this.changed()
      }
    }, () => { /* shown as "never synced" */ })
    void this.readLeftOut()
  }

  get state (): FeedState { return this.currentState }
  get lastError (): string | null { return this.error }
  get lastSyncAt (): number | null { return this.syncedAt }
  get leftOut (): CacheLimit | null { return this.trimmed }

  items (): Promise<FeedItem[]> {
    return this.opts.cache.items(this.owner)
  }

  /** Resolves once the sync ran, or once it is queued (state 'queued'); the
   *  outcome is in state and lastError. With `signal` (a turn of the sync
   *  queue), it stops once that aborts, and the request stays queued for
   *  whoever gave the turn to ask again. */
  async sync (opts: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen()
    await this.opts.outbox.enqueue({ peer: this.owner, kind: 'sync' })
    await this.flush(opts.signal)
    // Asked by the person (not a background turn): if no session comes
    // soon, the request goes to their mailbox too.
    if (opts.signal === undefined && this.currentState === 'queued') this.askSoon()
  }

  /** Sends whatever is queued for this friend (e.g. from before a reload), now
   *  if a session is open, otherwise once one opens. Queues nothing new. */
  async drainQueued (): Promise<void> {
    this.assertOpen()
    await this.flush()
  }

  /** Resolves with the file once downloaded, however long the friend is
   *  offline; a download cut short (even by a reload) resumes where it stopped. */
  async fetchFile (id: string, onProgress?: (fraction: number) => void): Promise<Blob> {
    this.assertOpen()
    if (!/^[A-Za-z0-9]{1,64}$/.test(id)) throw new KithError('BAD_REQUEST', 'This is not an item id.')
    // Wait first, then look: a download already under way (resumed after a
    // reload, say) that completes while we look settles this waiter too,
    // instead of finishing between the look and the wait and leaving it hanging.
    let waiter!: FileWaiter
    const done = new Promise<Blob>((resolve, reject) => {
      waiter = { resolve, reject }
      if (onProgress) waiter.onProgress = onProgress
      this.fileWaiters.set(id, [...(this.fileWaiters.get(id) ?? []), waiter])
    })
    const cached = await this.opts.cache.fileBlob(this.owner, id)
    if (cached) {
      this.dropWaiter(id, waiter)
      onProgress?.(1)
      return cached
    }
    try {
      await this.opts.outbox.enqueue({ peer: this.owner, kind: 'fetchFile', itemId: id })
    } catch (err) {
      this.settleFile(id, err instanceof KithError ? err : new KithError('INTERNAL', 'The download could not be queued.'))
    }
    this.flush().catch(() => { /* reflected in state; the request stays queued */ })
    return done
  }

  fileBlob (id: string): Promise<Blob | null> {
    return this.opts.cache.fileBlob(this.owner, id)
  }

  async purge (): Promise<void> {
    await this.opts.cache.purge(this.owner, { friendStays: true })
    this.syncedAt = null
    this.trimmed = null
    this.changed()
  }

  private askSoon (): void {
    if (!this.opts.askWhileAway || this.askTimer) return
    this.askTimer = setTimeout(() => {
      this.askTimer = null
      if (!this.closed && this.openSession() === null) this.opts.askWhileAway?.()
    }, this.opts.askAfterMs ?? ASK_BY_MAILBOX_AFTER_MS)
  }

  private cancelAsk (): void {
    if (this.askTimer) clearTimeout(this.askTimer)
    this.askTimer = null
  }

  /** Stops background attempts and in-flight requests; queued rows stay for later. */
  close (): void {
    if (this.closer.signal.aborted) return
    this.cancelAsk()
    this.closer.abort()
    for (const id of [...this.fileWaiters.keys()]) this.settleFile(id, new KithError('CANCELLED', 'The download was stopped.'))
  }

  private get closed (): boolean { return this.closer.signal.aborted }

  /** Closed feeds are not reused: the client makes a new one. */
  get isClosed (): boolean { return this.closed }

  private assertOpen (): void {
    if (this.closed) throw new KithError('CLOSED', 'This feed was closed.')
  }

  /** Drains the queue now if a session is open; otherwise waits for one in the background. */
  private async flush (turn?: AbortSignal): Promise<void> {
    if (this.closed) return
    const session = this.openSession()
    if (!session) {
      if (this.activeDrains === 0) this.setState('queued', this.error)
      this.waitInBackground()
      return
    }
    await this.drainWith(session, turn)
  }

  private openSession (): NodeSession | null {
    const session = this.opts.currentSession()
    return session && !session.rpc.closed && this.isOwner(session) ? session : null
  }

  private isOwner (session: NodeSession): boolean {
    return toHex(session.remotePublicKey) === this.owner
  }

  /** Returns true when nothing is left to retry (all done, or they refused). */
  private async drainWith (session: NodeSession, turn?: AbortSignal): Promise<boolean> {
    this.activeDrains++
    this.setState('syncing', this.error)
    try {
      await this.opts.outbox.drain(this.owner, (row) => this.perform(row, session, turn))
      this.cancelAsk()
      this.activeDrains--
      if (this.activeDrains === 0) this.setState('idle', this.takeDroppedProblem())
      return true
    } catch (err) {
      this.activeDrains--
      if (this.closed) return false
      if (turn?.aborted) {
        // The turn's time is up; the sync queue gives them another later.
        this.setState('queued', describe(new KithError('TIMEOUT', 'turn over')))
        return false
      }
      if (err instanceof KithError && err.code === 'UNAUTHORIZED') {
        this.setState('not-a-friend', NOT_A_FRIEND)
        for (const id of [...this.fileWaiters.keys()]) this.settleFile(id, new KithError('UNAUTHORIZED', NOT_A_FRIEND))
        return true
      }
      this.setState('queued', describe(err))
      this.waitInBackground()
      return false
    }
  }

  /** Gets a session (with back-off between failures) and drains, until done or closed. */
  private waitInBackground (): void {
    if (this.waitingInBackground || this.closed) return
    this.waitingInBackground = true
    void this.backgroundLoop().finally(() => { this.waitingInBackground = false })
  }

  private async backgroundLoop (): Promise<void> {
    const signal = this.closer.signal
    let delay = this.retryBaseMs
    while (!signal.aborted) {
      let session: NodeSession | null = this.openSession()
      if (!session) {
        try {
          session = await this.opts.getSession(signal)
          if (!this.isOwner(session) || session.rpc.closed) throw new KithError('CLOSED', 'no usable session')
        } catch {
          session = null
          if (!signal.aborted && this.activeDrains === 0) this.setState('queued', 'Your friend is not reachable right now. Your request waits until they are back.')

        }
      }
      if (session && await this.drainWith(session)) return
      await sleep(delay / 2 + Math.random() * delay / 2, signal)
      delay = Math.min(delay * 2, this.retryMaxMs)
    }
  }

  private async perform (row: OutboxRow, session: NodeSession, turn?: AbortSignal): Promise<void> {
    const signal = turn ? AbortSignal.any([this.closer.signal, turn]) : this.closer.signal
    try {
      if (row.kind === 'sync') await this.performSync(session, signal)
      else if (row.kind === 'fetchFile' && row.itemId !== undefined) await this.performFetch(session, row.itemId, signal)
    } catch (err) {
      // Asking again would get the same answer: drop it rather than block the queue.
      if (!(err instanceof KithError) || !PERMANENT.has(err.code)) throw err
      if (row.itemId !== undefined) this.settleFile(row.itemId, err)
      this.droppedProblem = row.kind === 'sync' ? 'Your friend’s node sent an answer that could not be used.' : plainFileError(err)
    }
  }

  /** Pages through what changed since my cursor (page-sync.ts). */
  private async performSync (session: NodeSession, signal: AbortSignal): Promise<void> {
    this.syncedAt = await syncPages(this.opts.cache, this.owner, session, signal, async () => {
      await this.readLeftOut()
      this.changed()
    })
  }

  /** Fetches the pieces not yet in my cache (file-fetch.ts), then hands the file to whoever waits. */
  private async performFetch (session: NodeSession, id: string, signal: AbortSignal): Promise<void> {
    let reported = 0
    const report = (fraction: number): void => {
      if (!(fraction > reported)) return
      reported = Math.min(1, fraction)
      for (const waiter of this.fileWaiters.get(id) ?? []) waiter.onProgress?.(reported)
    }
    const file = await fetchFileInto(this.opts.cache, this.owner, session, id, signal, report)
    report(1)
    this.changed()
    const waiters = this.fileWaiters.get(id) ?? []
    this.fileWaiters.delete(id)
    for (const waiter of waiters) waiter.resolve(file)
  }

  /** Whether older items of theirs were left out of my cache to fit their budget. */
  private async readLeftOut (): Promise<void> {
    const note = await this.opts.cache.leftOutNote(this.owner).catch(() => this.trimmed)
    if (note?.by === this.trimmed?.by) return
    this.trimmed = note
    this.changed()
  }

  private dropWaiter (id: string, waiter: FileWaiter): void {
    const rest = (this.fileWaiters.get(id) ?? []).filter((w) => w !== waiter)
    if (rest.length > 0) this.fileWaiters.set(id, rest)
    else this.fileWaiters.delete(id)
  }

  private settleFile (id: string, err: KithError): void {
    const waiters = this.fileWaiters.get(id) ?? []
    this.fileWaiters.delete(id)
    for (const waiter of waiters) waiter.reject(err)
  }

  private takeDroppedProblem (): string | null {
    const problem = this.droppedProblem
    this.droppedProblem = null
    return problem
  }

  private setState (state: FeedState, error: string | null): void {
    if (state === this.currentState && error === this.error) return
    this.currentState = state
    this.error = error
    this.changed()
  }

  private changed (): void {
    this.dispatchEvent(new Event('change'))
  }
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
  })
}
