// What one tracker connection reports and hands on: its state, its health as
// the owner sees it, and the signals it receives. Apart from the pool
// (tracker-client.ts) so a connection and the pool share them without an
// import circle.
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
