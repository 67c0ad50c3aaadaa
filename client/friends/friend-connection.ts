// One live connection to a friend's tab: dial, authenticate, read their
// profile, then measure the round trip once a second. When the connection
// drops (they reloaded, went offline) it goes back to searching by itself.
import { AddressError, parseAddress } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { HandshakeError } from '../../shared/session/handshake-error'
import { KithError } from '../../shared/wire/errors'
import type { Profile } from '../../shared/protocol/protocol'
import type { KithNode, NodeSession } from '../../node-tab/node'

export type FriendPhase = 'invalid' | 'waiting-for-tracker' | 'searching' | 'connecting' | 'authenticating' | 'connected' | 'stopped'

export interface FriendState {
  phase: FriendPhase
  /** When the current search began (ms since epoch), for "not reachable after N s". */
  searchingSince: number
  profile: Profile | null
  rttMs: number | null
  /** The last failure, in plain words; kept while retrying. */
  problem: string | null
  /** True when the problem is a failed handshake (someone else answered). */
  handshakeFailed: boolean
  /** The last time a connection with them was up (kept across reloads), if ever. */
  lastReachedAt: number | null
}

/** Where the last time I reached a friend is kept (the client's cache), by key hex. */
export interface ReachLog {
  lastReachedAt (keyHex: string): Promise<number | null>
  markReached (keyHex: string, at: number): Promise<void>
}

const PING_INTERVAL_MS = 1_000
const PING_TIMEOUT_MS = 4_000
/** How long pings may go unanswered on a connection that can be restarted
 *  in place before the session is closed and the friend dialled afresh:
 *  ICE notices a lost path after a few seconds, waits 2 s, and a restart
 *  has 8 s (and closes the session itself if it fails). */
const RESTART_GRACE_MS = 14_000
/** While connected, "last reached" is written down this often (and when it drops). */
const REACHED_EVERY_MS = 60_000

export class FriendConnection extends EventTarget {
  readonly address: string
  private readonly remoteKey: Uint8Array | null
  private readonly abort = new AbortController()
  private session: NodeSession | null = null
  state: FriendState

  constructor (private readonly node: KithNode, address: string, private readonly reachLog: ReachLog | null = null) {
    super()
    this.address = address
    let key: Uint8Array | null = null
    let problem: string | null = null
    try {
      key = parseAddress(address)
    } catch (err) {
      problem = err instanceof AddressError ? err.message : 'This is not a valid address.'
    }
    this.remoteKey = key
    this.state = { phase: key ? 'waiting-for-tracker' : 'invalid', searchingSince: Date.now(), profile: null, rttMs: null, problem, handshakeFailed: false, lastReachedAt: null }
  }

  start (): void {
    if (!this.remoteKey) return
    const keyHex = toHex(this.remoteKey)
    this.reachLog?.lastReachedAt(keyHex).then((at) => {
      // A connection made meanwhile is newer than what was kept.
      if (at !== null && !this.abort.signal.aborted && (this.state.lastReachedAt ?? 0) < at) this.update({ lastReachedAt: at })
    }, () => { /* shown without "since when" */ })
    void this.run(this.remoteKey)
  }

  /** Notes that they are reachable now, in memory and (best effort) on disk. */
  private reached (): void {
    const at = Date.now()
    this.update({ lastReachedAt: at })
    if (this.remoteKey) this.reachLog?.markReached(toHex(this.remoteKey), at).catch(() => { /* only a hint for later */ })
  }

  stop (): void {
    this.abort.abort()
    this.session?.rpc.close('closed by you')
    this.update({ phase: 'stopped' })
  }

  private update (patch: Partial<FriendState>): void {
    this.state = { ...this.state, ...patch }
    this.dispatchEvent(new Event('change'))
  }

  private async run (remoteKey: Uint8Array): Promise<void> {
    const signal = this.abort.signal
    let backoffMs = 1_000
    while (!signal.aborted) {
      let wasConnected = false
      try {
        const session = await this.node.connect(remoteKey, {
          signal,
          onPhase: (phase) => this.update({ phase })
        })
        this.session = session
        const { parseProfileAnswer } = await loadAnswers()
        const profile = parseProfileAnswer(await session.rpc.call('profile', {}, { timeoutMs: PING_TIMEOUT_MS, signal }), session.remoteAddress)
        this.update({ phase: 'connected', profile, problem: null, handshakeFailed: false })
        wasConnected = true
        this.reached()
        backoffMs = 1_000
        await this.measureUntilClosed(session, signal)
        if (!signal.aborted) this.reached()
      } catch (err) {
        if (signal.aborted) return
        // Back to searching (the real person may still turn up), with the reason shown.
        if (err instanceof HandshakeError) {
          this.update({ phase: 'searching', problem: `Handshake failed: ${err.message}`, handshakeFailed: true })
        } else {
          this.update({ phase: 'searching', problem: err instanceof KithError || err instanceof Error ? err.message : 'The connection failed.' })
        }
        await sleep(backoffMs, signal)
        backoffMs = Math.min(backoffMs * 2, 15_000)
      }
      if (signal.aborted) return
      this.session = null
      // A new search starts when they went away, not at every failed attempt:
      // "not reachable after N s" counts from the last time they were there.
      this.update({ phase: 'searching', rttMs: null, ...(wasConnected ? { searchingSince: Date.now() } : {}) })
    }
  }

  private async measureUntilClosed (session: NodeSession, signal: AbortSignal): Promise<void> {
    const data = new Uint8Array(10)
    let notedAt = Date.now()
    let lostSince: number | null = null
    while (!signal.aborted && !session.rpc.closed) {
      if (Date.now() - notedAt >= REACHED_EVERY_MS) {
        notedAt = Date.now()
        this.reached()
      }
      const t0 = performance.now()
      try {
        const { parsePingAnswer } = await loadAnswers()
        parsePingAnswer(await session.rpc.call('ping', { data }, { timeoutMs: PING_TIMEOUT_MS, signal }), data)
      } catch {
        // No answer, on a connection that can be restarted in place: the
        // same session may come back, so wait (a while) instead of closing it.
        lostSince ??= Date.now()
        if (session.transport?.mayRestart === true && Date.now() - lostSince < RESTART_GRACE_MS && !session.rpc.closed) {
          if (this.state.rttMs !== null) this.update({ rttMs: null })
          await sleep(PING_INTERVAL_MS, signal)
          continue
        }
        // No answer in time: treat the friend as gone and search again.
        session.rpc.close('the friend stopped answering')
        return
      }
      lostSince = null
      this.update({ rttMs: performance.now() - t0 })
      await sleep(PING_INTERVAL_MS, signal)
    }
  }
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
  })
}

/** The answers' checks load with the first session (not on the first screen). */
function loadAnswers (): Promise<typeof import('../../shared/protocol/answers')> {
  return import('../../shared/protocol/answers')
}
