// Types for tracker-server.mjs, so TypeScript tests can start a stock tracker.
export type TrackerBehaviour = 'good' | 'black-hole' | 'flapping' | 'slow'

export interface TrackerOptions {
  port?: number
  host?: string
  /** Drop a socket that breaks what strict trackers (Aquatic) enforce; default true. */
  strict?: boolean
  /** Default 'good'; the others misbehave like half-dead public trackers. */
  behaviour?: TrackerBehaviour
  /** The re-announce interval handed to clients; default 120 s (stock). */
  intervalSec?: number
  /** 'flapping': how long each socket lives; default 3 s. */
  flapAfterMs?: number
  /** 'slow': how long each message is held, both ways; default 3 s. */
  slowDelayMs?: number
  /** Do not print violations (for the strict mode's own tests). */
  quiet?: boolean
}

export interface RunningTracker {
  url: string
  port: number
  behaviour: TrackerBehaviour
  /** Every strict violation seen, in words (each dropped its socket). */
  violations: string[]
  /** WebSocket messages received from and sent to every client so far. */
  messages: () => { received: number, sent: number }
  /** Resolves once every client connection has ended. */
  close: () => Promise<void>
}

export const MAX_OFFERS: number
export const MAX_MESSAGE_BYTES: number
export const INTERVAL_SLACK_MS: number

export function startTracker (opts?: TrackerOptions): Promise<RunningTracker>
