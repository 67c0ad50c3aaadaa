// Types for relay-server.mjs, so TypeScript tests can start a stock Nostr relay.
export interface RelayOptions {
  port?: number
  host?: string
  /** Drop a socket that breaks what public relays enforce (64 KiB, a rate
   *  limit) and ignore deletions; default true. */
  strict?: boolean
  /** Do not print violations (for the strict mode's own tests). */
  quiet?: boolean
}

export interface RelayEvent { id: string, pubkey: string, created_at: number, kind: number, tags: string[][], content: string, sig: string }

export interface RunningRelay {
  url: string
  port: number
  /** Every strict violation seen, in words (each dropped its socket). */
  violations: string[]
  /** Every message clients sent, as text (the most recent 20 000). */
  seen: () => string[]
  /** The events it stores (ephemeral ones are never stored). */
  stored: () => RelayEvent[]
  close: () => Promise<void>
}

export const MAX_MESSAGE_BYTES: number
export const RATE_PER_SEC: number
export const RATE_BURST: number

export function startRelay (opts?: RelayOptions): Promise<RunningRelay>
