// One live connection to a friend's tab: dial, authenticate, read their
// profile, then measure the round trip once a second. When the connection
// drops (they reloaded, went offline) it goes back to searching by itself.
import { AddressError, parseAddress } from '../shared/identity'
import { HandshakeError } from '../shared/handshake'
import { KithError } from '../shared/errors'
import type { Profile } from '../shared/protocol'
import { parsePingAnswer, parseProfileAnswer } from '../shared/answers'
import type { KithNode, NodeSession } from '../node-tab/node'

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
}

const PING_INTERVAL_MS = 1_000
const PING_TIMEOUT_MS = 4_000

export class FriendConnection extends EventTarget {
  readonly address: string
  private readonly remoteKey: Uint8Array | null
  private readonly abort = new AbortController()
  private session: NodeSession | null = null
  state: FriendState

  constructor (private readonly node: KithNode, address: string) {
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
    this.state = { phase: key ? 'waiting-for-tracker' : 'invalid', searchingSince: Date.now(), profile: null, rttMs: null, problem, handshakeFailed: false }
  }

  start (): void {
    if (this.remoteKey) void this.run(this.remoteKey)
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
      try {
        const session = await this.node.connect(remoteKey, {
          signal,
          onPhase: (phase) => this.update({ phase })
        })
        this.session = session
        const profile = parseProfileAnswer(await session.rpc.call('profile', {}, { timeoutMs: PING_TIMEOUT_MS, signal }), session.remoteAddress)
        this.update({ phase: 'connected', profile, problem: null, handshakeFailed: false })
        backoffMs = 1_000
        await this.measureUntilClosed(session, signal)
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
      this.update({ phase: 'searching', searchingSince: Date.now(), rttMs: null })
    }
  }

  private async measureUntilClosed (session: NodeSession, signal: AbortSignal): Promise<void> {
    const data = new Uint8Array(10)
    while (!signal.aborted && !session.rpc.closed) {
      const t0 = performance.now()
      try {
        parsePingAnswer(await session.rpc.call('ping', { data }, { timeoutMs: PING_TIMEOUT_MS, signal }), data)
      } catch {
        // No answer in time: treat the friend as gone and search again.
        session.rpc.close('the friend stopped answering')
        return
      }
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
