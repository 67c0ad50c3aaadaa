// Delivers delete notices to friends until each one acknowledges. Notices live
// in IndexedDB, so start() after a reload resumes whatever is still pending.
// Each friend has its own schedule: at most one delivery in flight, and after
// a failure an exponential back-off with jitter, so an offline friend costs
// one attempt now and then, never a busy loop.
import { KithError } from '../../shared/wire/errors'
import { MAX_NOTICE_BATCH } from '../../shared/protocol/protocol'
import type { NodeSession } from '../connections/sessions'
import type { NoticesStore } from './notices-store'

/** Other messages owed to friends, delivered on the same schedule (and the
 *  same session) as delete notices, before them: device revocations. */
export interface FriendQueue {
  friendsWithPending (): Promise<string[]>
  hasPending (friendKey: string): Promise<boolean>
  /** Sends what is pending; throws on failure (retried with back-off). */
  deliver (friendKey: string, session: NodeSession, signal: AbortSignal): Promise<void>
}

export interface NoticeSenderOptions {
  store: NoticesStore
  queues?: FriendQueue[]
  /** Returns an open session with this friend, dialing if needed. */
  getSession: (friendKey: string, signal: AbortSignal) => Promise<NodeSession>
  retryBaseMs?: number
  retryMaxMs?: number
  dialTimeoutMs?: number
}

export interface AcknowledgedDetail { friendKey: string, itemIds: string[] }

interface FriendSchedule {
  busy: boolean
  failures: number
  timer: ReturnType<typeof setTimeout> | null
  /** Asked to run again while busy: new notices, or a session just opened. */
  again: boolean
  /** `again` came from a fresh session: worth retrying even after a failure. */
  reachable: boolean
  abort: AbortController | null
}

export class NoticeSender extends EventTarget {
  private readonly store: NoticesStore
  private readonly queues: FriendQueue[]
  private readonly getSession: NoticeSenderOptions['getSession']
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number
  private readonly dialTimeoutMs: number
  private readonly friends = new Map<string, FriendSchedule>()
  private running = false

  constructor (opts: NoticeSenderOptions) {
    super()
    this.store = opts.store
    this.queues = opts.queues ?? []
    this.getSession = opts.getSession
    // A floor of 1 ms keeps even a zero setting from spinning.
    this.retryBaseMs = Math.max(1, opts.retryBaseMs ?? 2_000)
    this.retryMaxMs = Math.max(this.retryBaseMs, opts.retryMaxMs ?? 60_000)
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 20_000
  }

  /** Resumes every pending notice (e.g. after a reload). */
  start (): void {
    if (this.running) return
    this.running = true
    this.kick()
  }

  stop (): void {
    this.running = false
    for (const schedule of this.friends.values()) {
      if (schedule.timer) clearTimeout(schedule.timer)
      schedule.abort?.abort()
    }
    this.friends.clear()
  }

  /**
   * kick(): new notices exist; friends not waiting out a back-off are tried now
   * (one still backing off gets them with its next retry).
   * kick(friendKey): a session with that friend just opened; try them now.
   */
  kick (friendKey?: string): void {
    if (!this.running) return
    if (friendKey !== undefined) {
      this.trigger(friendKey, true)
      return
    }
    Promise.all([this.store.friendsWithPending(), ...this.queues.map((q) => q.friendsWithPending())]).then((lists) => {
      for (const key of new Set(lists.flat())) this.trigger(key, false)
    }, () => { /* the database is closing; start() resumes later */ })
  }

  private scheduleFor (friendKey: string): FriendSchedule {
    let schedule = this.friends.get(friendKey)
    if (!schedule) {
      schedule = { busy: false, failures: 0, timer: null, again: false, reachable: false, abort: null }
      this.friends.set(friendKey, schedule)
    }
    return schedule
  }

  private trigger (friendKey: string, reachable: boolean): void {
    if (!this.running) return
    const schedule = this.scheduleFor(friendKey)
    if (schedule.busy) {
      schedule.again = true
      schedule.reachable ||= reachable
      return
    }
    if (schedule.timer) {
      if (!reachable) return
      clearTimeout(schedule.timer)
      schedule.timer = null
    }
    void this.deliver(friendKey, schedule)
  }

  private async deliver (friendKey: string, schedule: FriendSchedule): Promise<void> {
    schedule.busy = true
    schedule.again = false
    schedule.reachable = false
    const abort = new AbortController()
    schedule.abort = abort
    let failed = false
    try {
      await this.deliverAll(friendKey, abort.signal)
      schedule.failures = 0
    } catch {
      failed = true
    } finally {
      schedule.busy = false
      schedule.abort = null
    }
    if (!this.running || this.friends.get(friendKey) !== schedule) return
    // A session that opened meanwhile, or notices added after a success, go now;
    // anything else after a failure waits out the back-off.
    if (schedule.reachable || (schedule.again && !failed)) {
      void this.deliver(friendKey, schedule)
    } else if (failed) {
      schedule.failures++
      schedule.timer = setTimeout(() => {
        schedule.timer = null
        if (this.running && !schedule.busy) void this.deliver(friendKey, schedule)
      }, this.backoffMs(schedule.failures))
    } else {
      // Nothing pending and nothing scheduled: forget this friend until kicked.
      this.friends.delete(friendKey)
    }
  }

  /** Sends every pending notice for one friend in batches; throws on the first failure. */
  private async deliverAll (friendKey: string, signal: AbortSignal): Promise<void> {
    let itemIds = await this.store.pendingFor(friendKey, MAX_NOTICE_BATCH)
    const queues = (await Promise.all(this.queues.map(async (q) => await q.hasPending(friendKey) ? q : null))).filter((q) => q !== null)
    if (itemIds.length === 0 && queues.length === 0) return // checked before dialing: no pointless connections
    try {
      const session = await this.withDialTimeout(friendKey, signal)
      for (const queue of queues) await queue.deliver(friendKey, session, signal)
      while (itemIds.length > 0) {
        const result = await session.rpc.call('deleteNotices', { itemIds }, { signal })
        // The friend's answer is untrusted: only ids we sent count, and a
        // malformed answer counts for nothing.
        const { parseAcknowledgedAnswer } = await import('../../shared/protocol/answers') // with the first session's code
        const acknowledged = parseAcknowledgedAnswer(result, itemIds)
        if (acknowledged.length === 0) throw new KithError('BAD_REQUEST', 'the friend acknowledged none of the notices')
        await this.store.acknowledge(friendKey, acknowledged)
        this.dispatchEvent(new CustomEvent<AcknowledgedDetail>('acknowledged', { detail: { friendKey, itemIds: acknowledged } }))
        itemIds = await this.store.pendingFor(friendKey, MAX_NOTICE_BATCH)
      }
    } catch (err) {
      if (this.running && itemIds.length > 0) await this.store.recordAttempt(friendKey, itemIds).catch(() => {})
      throw err
    }
  }

  /** getSession, given up (and aborted) after dialTimeoutMs or on stop(). */
  private withDialTimeout (friendKey: string, signal: AbortSignal): Promise<NodeSession> {
    const dial = new AbortController()
    const onAbort = (): void => dial.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new KithError('TIMEOUT', `no session with the friend within ${this.dialTimeoutMs} ms`))
        dial.abort()
      }, this.dialTimeoutMs)
      dial.signal.addEventListener('abort', () => reject(new KithError('CANCELLED', 'stopped')), { once: true })
    })
    // A getSession that ignores its signal cannot hold us: the race ends regardless.
    return Promise.race([this.getSession(friendKey, dial.signal), timeout]).finally(() => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    })
  }

  /** Exponential, capped, with "equal jitter" so friends back off out of step. */
  private backoffMs (failures: number): number {
    const ceiling = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(failures - 1, 30))
    return ceiling / 2 + Math.random() * ceiling / 2
  }
}
