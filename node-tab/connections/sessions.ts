// Open sessions by the peer's key, so any part of the node can reuse a live
// connection to a friend (to deliver a notice, to sync) instead of dialling
// again, and can close them all when a friend is removed.
//
// Sessions are opened on demand and closed when idle (see session-limits.ts
// for the numbers and why): a session with no RPC either way for `idleMs`
// closes by itself, and at most `maxSessions` are open at once. At the cap a
// newcomer that may make room (a friend, or a dial of our own) closes, in
// this order, the oldest session of whoever holds more than one, or the
// least recently used session that has been quiet for `evictableAfterMs`;
// if every session is in use it is refused instead, so a flood of new
// connections cannot push out friends who are using theirs.
import { toHex } from '../../shared/util/bytes'
import type { NodeMethods } from '../../shared/protocol/protocol'
import type { Session } from '../../shared/session/session'
import { SESSION_LIMITS, type SessionLimits } from './session-limits'

export type NodeSession = Session<NodeMethods, NodeMethods>

export const IDLE_CLOSED = 'closed after a while without use; it reopens when needed'
export const MADE_ROOM = 'closed to make room for another connection; it reopens when needed'
export const AT_CAPACITY = 'This node has as many connections open as it can hold, all in use; try again in a few minutes.'

interface Entry { keyHex: string, lastActive: number }

export interface SessionRegistryOptions extends Partial<SessionLimits> {
  /** The clock for idleness; Date.now unless a test drives it. */
  now?: () => number
}

export class SessionRegistry extends EventTarget {
  private readonly byKey = new Map<string, Set<NodeSession>>()
  private readonly entries = new Map<NodeSession, Entry>()
  private readonly limits: SessionLimits
  private readonly now: () => number
  private sweepTimer: ReturnType<typeof setTimeout> | null = null
  /** The most sessions open at once so far (for the benchmark and status). */
  highWater = 0

  constructor (opts: SessionRegistryOptions = {}) {
    super()
    this.limits = { ...SESSION_LIMITS, ...opts }
    this.now = opts.now ?? Date.now
  }

  get size (): number {
    return this.entries.size
  }

  get maxSessions (): number {
    return this.limits.maxSessions
  }

  add (keyHex: string, session: NodeSession): void {
    let set = this.byKey.get(keyHex)
    if (!set) this.byKey.set(keyHex, set = new Set())
    set.add(session)
    const entry: Entry = { keyHex, lastActive: this.now() }
    this.entries.set(session, entry)
    this.noteHighWater()
    // Any frame from the peer (a request, an answer, a chunk) is use.
    session.transport.onMessage(() => { entry.lastActive = this.now() })
    session.transport.onClose(() => {
      set.delete(session)
      this.entries.delete(session)
      if (set.size === 0 && this.byKey.get(keyHex) === set) this.byKey.delete(keyHex)
      if (this.entries.size === 0) this.stopSweeping()
      this.dispatchEvent(new CustomEvent('closed', { detail: keyHex }))
    })
    this.startSweeping()
    this.dispatchEvent(new CustomEvent('opened', { detail: keyHex }))
  }

  /** Keeps the registry within maxSessions now that `session` is in it.
   *  With `mayEvict` (a friend, or our own dial) another session may be
   *  closed to make room; without (a stranger) only free room counts. False
   *  when `session` was refused (and closed) instead. */
  makeRoom (session: NodeSession, mayEvict: boolean): boolean {
    if (session.rpc.closed || !this.entries.has(session)) return !session.rpc.closed
    while (this.size > this.limits.maxSessions) {
      const victim = mayEvict ? this.evictionCandidate(session) : null
      if (!victim) {
        session.rpc.closeWithGoodbye(AT_CAPACITY)
        this.forget(session)
        return false
      }
      victim.rpc.closeWithGoodbye(MADE_ROOM)
      // A transport whose close is not reported at once must not be counted twice.
      this.forget(victim)
    }
    this.noteHighWater()
    return true
  }

  /** Counts only what stays: a newcomer above the cap is weighed at once. */
  private noteHighWater (): void {
    if (this.size <= this.limits.maxSessions) this.highWater = Math.max(this.highWater, this.size)
  }

  /** A live session with this peer, if there is one. */
  get (keyHex: string): NodeSession | null {
    for (const session of this.byKey.get(keyHex) ?? []) if (!session.rpc.closed) return session
    return null
  }

  /** Every live session with this peer (one per device of theirs). */
  openSessions (keyHex: string): NodeSession[] {
    return [...(this.byKey.get(keyHex) ?? [])].filter((session) => !session.rpc.closed)
  }

  /** The peers with a live session now. */
  onlineKeys (): string[] {
    return [...this.byKey.keys()].filter((key) => this.isOnline(key))
  }

  isOnline (keyHex: string): boolean {
    return this.get(keyHex) !== null
  }

  closeAll (keyHex: string, reason: string): void {
    for (const session of [...(this.byKey.get(keyHex) ?? [])]) session.rpc.close(reason)
  }

  /** Closes this person's sessions served by one of their devices. */
  closeDevice (keyHex: string, deviceHex: string, reason: string): void {
    for (const session of [...(this.byKey.get(keyHex) ?? [])]) {
      if (toHex(session.remoteDevice.deviceKey) === deviceHex) session.rpc.close(reason)
    }
  }

  closeEverything (reason: string): void {
    for (const key of [...this.byKey.keys()]) this.closeAll(key, reason)
    this.stopSweeping()
  }

  /** Closes every session with nothing in flight and no frame from the peer
   *  for idleMs. Run by a timer; public so tests can drive it by the clock. */
  closeIdle (): number {
    const now = this.now()
    let closed = 0
    for (const [session, entry] of [...this.entries]) {
      if (now - entry.lastActive >= this.limits.idleMs && !inUse(session)) {
        session.rpc.closeWithGoodbye(IDLE_CLOSED)
        this.forget(session)
        closed++
      }
    }
    return closed
  }

  /** Whom to close for a newcomer: the oldest session of the peer holding
   *  the most (if more than one), else the least recently used session that
   *  has been quiet long enough. Never the newcomer itself. */
  private evictionCandidate (newcomer: NodeSession): NodeSession | null {
    let most: Set<NodeSession> | null = null
    for (const set of this.byKey.values()) if (set.size > 1 && (!most || set.size > most.size)) most = set
    if (most) {
      const oldest = this.leastRecent([...most].filter((s) => s !== newcomer))
      if (oldest) return oldest
    }
    const now = this.now()
    return this.leastRecent([...this.entries.keys()].filter((s) => s !== newcomer && !inUse(s) &&
      now - this.entries.get(s)!.lastActive >= this.limits.evictableAfterMs))
  }

  private leastRecent (sessions: NodeSession[]): NodeSession | null {
    let best: NodeSession | null = null
    for (const s of sessions) if (!best || this.entries.get(s)!.lastActive < this.entries.get(best)!.lastActive) best = s
    return best
  }

  private forget (session: NodeSession): void {
    const entry = this.entries.get(session)
    if (!entry) return
    this.entries.delete(session)
    this.byKey.get(entry.keyHex)?.delete(session)
    if (this.byKey.get(entry.keyHex)?.size === 0) this.byKey.delete(entry.keyHex)
  }

  private startSweeping (): void {
    if (this.sweepTimer || !Number.isFinite(this.limits.idleMs)) return
    // A few sweeps per idle period: a session closes within 1¼ idleMs.
    const every = Math.max(this.limits.idleMs / 4, 10)
    const sweep = (): void => {
      this.sweepTimer = null
      this.closeIdle()
      if (this.entries.size > 0) this.sweepTimer = setTimeout(sweep, every)
    }
    this.sweepTimer = setTimeout(sweep, every)
  }

  private stopSweeping (): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer)
    this.sweepTimer = null
  }
}

/** Something in flight either way: a call awaiting its answer, a request
 *  being handled (an answer still streaming), a large message arriving. */
function inUse (session: NodeSession): boolean {
  const s = session.rpc.stats()
  return s.pending > 0 || s.inFlight > 0 || s.assemblies > 0
}

/** Friends' sessions (capped, closed when idle) and my own devices' (neither). */
export function sessionRegistries (limits?: Partial<SessionLimits>): { sessions: SessionRegistry, deviceSessions: SessionRegistry } {
  return { sessions: new SessionRegistry(limits), deviceSessions: new SessionRegistry({ maxSessions: Infinity, idleMs: Infinity, evictableAfterMs: Infinity }) }
}
