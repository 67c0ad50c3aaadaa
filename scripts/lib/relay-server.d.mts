// Types for relay-server.mjs, so TypeScript tests can start a stock Nostr relay.
export interface RelayOptions {
  port?: number
  host?: string
  /** Drop a socket that breaks what public relays enforce (64 KiB, a rate
   *  limit) and ignore deletions; default true. */
  strict?: boolean
  /** Do not print violations (for the strict mode's own tests). */
  quiet?: boolean
  /** How long the relay answers the same filter from its cache (ms): the
   *  library's default is 1 000, so a read repeated within a second sees
   *  what the first saw; a test that writes and reads again at once sets 0. */
  filterCacheMs?: number
  /** NIP-09 deletion requests: ignored by default in strict mode, honoured
   *  otherwise; set to test both against an otherwise strict relay. */
  deletions?: 'ignored' | 'honoured'
}

export interface RelayEvent { id: string, pubkey: string, created_at: number, kind: number, tags: string[][], content: string, sig: string }

export interface RunningRelay {
  url: string
  port: number
  /** Every strict violation seen, in words (each dropped its socket). */
  violations: string[]
  /** Every message clients sent, as text (the most recent 20 000). */
  seen: () => string[]
  /** How many sockets it has accepted since it started. */
  connections: () => number
  /** The events it stores (ephemeral ones are never stored). */
  stored: () => RelayEvent[]
  /** Forgets these stored events (by id), as a relay that drops some does. */
  forget: (ids: string[]) => void
  close: () => Promise<void>
}

export const MAX_MESSAGE_BYTES: number
export const RATE_PER_SEC: number
export const RATE_BURST: number

export function startRelay (opts?: RelayOptions): Promise<RunningRelay>
