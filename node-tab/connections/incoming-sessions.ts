// Bounds on the sessions others open to this node. Each holds an
// RTCPeerConnection (Chromium allows about 500 per page), and answer slots
// only bound connections still being set up: without a bound here, whoever
// can get answered at all (a stranger in the address swarm, the holder of an
// invite link, spent or leaked, or one hostile friend) could open session
// after session and keep them, until nobody else can connect.
//  - A stranger (not a friend when the handshake ends) gets a session for a
//    short while, enough to redeem an invite; it is closed then unless they
//    became a friend. Few stranger sessions are open at once, from each kind
//    of swarm, so strangers flooding the address swarm cannot keep someone
//    with an invite out; more are closed at once.
//  - Anyone (friend or not) keeps a few incoming sessions at most; a new one
//    replaces their oldest (a reload, a second tab), so a friend is never
//    locked out by their own stale sessions.
import type { MeetingKind } from '../../shared/rendezvous/meetings'
import type { Transport } from '../../shared/wire/transport'

/** What is needed of a session: to see and cause its end. */
interface AnySession { rpc: { readonly closed: boolean, close: (reason?: string) => void }, transport: Pick<Transport, 'onClose'> }

export interface IncomingSessionLimits {
  /** Stranger sessions open at once, per kind of swarm they came through. */
  maxStrangers: number
  /** How long a stranger's session may stay open without becoming a friend. */
  strangerLifetimeMs: number
  /** Incoming sessions per peer key. */
  maxPerPeer: number
}

export const DEFAULT_INCOMING_LIMITS: IncomingSessionLimits = { maxStrangers: 4, strangerLifetimeMs: 60_000, maxPerPeer: 4 }

export const TOO_MANY_STRANGERS = 'This node is busy; try again later.'
export const STRANGER_TIME_UP = 'This node answers only its owner’s friends.'
export const REPLACED = 'replaced by a newer connection'

export class IncomingSessions {
  private readonly limits: IncomingSessionLimits
  /** Stranger sessions by the kind of swarm they came through, each with its peer's key. */
  private readonly strangers = new Map<MeetingKind, Map<AnySession, string>>()
  /** Per peer key, oldest first. */
  private readonly byPeer = new Map<string, AnySession[]>()

  constructor (private readonly isFriend: (keyHex: string) => Promise<boolean>, limits: Partial<IncomingSessionLimits> = {}) {
    this.limits = { ...DEFAULT_INCOMING_LIMITS, ...limits }
  }

  /** Stranger sessions open now (for tests and status). */
  get strangerCount (): number {
    let n = 0
    for (const set of this.strangers.values()) n += set.size
    return n
  }

  /** Applies the limits to a session that just passed its handshake; false
   *  when it was closed instead. `via` is the kind of swarm it came through
   *  (unknown: counted with the address swarm's, the most open). */
  async admit (keyHex: string, session: AnySession, via: MeetingKind = 'address'): Promise<boolean> {
    if (session.rpc.closed) return false
    if (!await this.isFriend(keyHex)) {
      let pool = this.strangers.get(via)
      if (!pool) this.strangers.set(via, pool = new Map())
      // Those who redeemed an invite meanwhile are friends now, not
      // strangers: their slots are free (five people accepting invites
      // within a minute must all get in).
      if (pool.size >= this.limits.maxStrangers) await this.forgetFriends(pool)
      if (pool.size >= this.limits.maxStrangers) {
        session.rpc.close(TOO_MANY_STRANGERS)
        return false
      }
      const mine = pool
      mine.set(session, keyHex)
      const timer = setTimeout(() => {
        this.isFriend(keyHex).then((friend) => {
          if (friend) mine.delete(session)
          else session.rpc.close(STRANGER_TIME_UP)
        }, () => session.rpc.close(STRANGER_TIME_UP))
      }, this.limits.strangerLifetimeMs)
      session.transport.onClose(() => {
        clearTimeout(timer)
        mine.delete(session)
      })
    }
    let mine = this.byPeer.get(keyHex)
    if (!mine) this.byPeer.set(keyHex, mine = [])
    mine.push(session)
    session.transport.onClose(() => {
      const list = this.byPeer.get(keyHex)
      if (!list) return
      const i = list.indexOf(session)
      if (i >= 0) list.splice(i, 1)
      if (list.length === 0) this.byPeer.delete(keyHex)
    })
    while (mine.length > this.limits.maxPerPeer) mine.shift()!.rpc.close(REPLACED)
    return !session.rpc.closed
  }

  private async forgetFriends (pool: Map<AnySession, string>): Promise<void> {
    for (const [session, keyHex] of [...pool]) {
      if (await this.isFriend(keyHex).catch(() => false)) pool.delete(session)
    }
  }
}
