// What one tracker connection reports and hands on: its state, its health as
// the owner sees it, and the signals it receives; and what the pool gives it
// (its settings and hooks). Apart from the pool (tracker-client.ts) so a
// connection and the pool share them without an import circle.
import type { RelayBook } from './tracker-relays'
import type { OfferToSend } from './tracker-messages'

export type TrackerState = 'connecting' | 'open' | 'backoff' | 'closed'

/** What the owner is told about a tracker, worst first:
 *  - 'keeps-dropping': its last connections ended before they were stable;
 *  - 'unreachable': no connection now (retrying);
 *  - 'connecting';
 *  - 'slow': announces come back late (over SLOW_RESPONSE_MS on average);
 *  - 'not-relaying': connected, but our offers went unanswered through it
 *    while they were answered through another tracker (a guess: see
 *    tracker-relays.ts);
 *  - 'working': connected, answers in time, and not caught failing to relay.
 *  Relays only (node-tab/relays/relay-connection.ts), in the relay's words
 *  kept as lastError:
 *  - 'refused': it turned our events or subscriptions down (OK false, CLOSED);
 *  - 'rate-limited': it told us to slow down. */
export type TrackerHealth = 'working' | 'connecting' | 'unreachable' | 'keeps-dropping' | 'slow' | 'not-relaying' | 'refused' | 'rate-limited'

export interface TrackerStatus {
  url: string
  state: TrackerState
  health: TrackerHealth
  lastError?: string
  nextRetryAt?: number
  /** Smoothed time for an announce to come back, once one has. */
  responseMs?: number
}

export interface SignalEnvelope { infoHash: string, fromPeerId: string, offerId: string, payload: string, trackerUrl: string }

export interface ConnectionSettings {
  peerId: string
  createSocket: (url: string) => WebSocket
  minBackoffMs: number
  maxBackoffMs: number
  random: () => number
  minAnnounceIntervalMs: number
  maxAnnounceIntervalMs: number
  connectTimeoutMs: number
  responseTimeoutMs: number
  stableAfterMs: number
  /** How long a liveness probe may go unanswered before the socket is dropped. */
  probeTimeoutMs: number
  /** The backoff ceiling while no tracker of the pool is open (see lost()). */
  offlineMaxBackoffMs: number
  /** A recheck acts at most once in this long: with many friends, sessions
   *  break often (a friend closes a laptop), and each break is a hint. */
  recheckGapMs: number
  /** A random 20-char binary id, for probe swarms. */
  randomId: () => string
  /** A random 20-char binary peer id, for each reconnected socket. */
  randomPeerId: () => string
}

export interface ConnectionHooks {
  /** The pool's joined swarms: re-announced on every (re)connect and refresh. */
  swarms: ReadonlySet<string>
  /** The offers a swarm was last announced with, while the dial that made
   *  them waits: a tracker that opens meanwhile gets them too. */
  offersFor: (infoHash: string) => readonly OfferToSend[] | undefined
  onSignal: (kind: 'offer' | 'answer', envelope: SignalEnvelope) => void
  onChange: () => void
  /** What this tracker relayed, shared by every pool of the node. */
  relays?: RelayBook
  /** Whether any tracker of the pool has an open socket now. */
  anyOpen?: () => boolean
}
