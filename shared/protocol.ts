// The methods a node-tab serves to an authenticated peer, with guards for
// their inputs. Handlers receive `unknown` and parse it with these.
import { KithError } from './errors'

export const MAX_DISPLAY_NAME = 80
export const MAX_PING_BYTES = 16 * 1024 * 1024

export interface Profile {
  displayName: string
  address: string
}

export interface NodeMethods {
  [method: string]: { params: unknown, result: unknown }
  /** Echo: returns what it was given, for liveness and round-trip time. With
   *  replyBytes it answers that many bytes instead: a download speed test. */
  ping: { params: PingParams, result: { data: Uint8Array } }
  /** The node's public profile as its owner set it. */
  profile: { params: Record<string, never>, result: Profile }
}

export interface PingParams { data: Uint8Array, replyBytes?: number }

export function parsePingParams (input: unknown): PingParams {
  if (typeof input !== 'object' || input === null || !((input as { data?: unknown }).data instanceof Uint8Array)) {
    throw new KithError('BAD_REQUEST', 'ping takes {data: bytes, replyBytes?: number}')
  }
  const { data, replyBytes } = input as { data: Uint8Array, replyBytes?: unknown }
  if (replyBytes === undefined || replyBytes === null) return { data }
  if (!Number.isSafeInteger(replyBytes) || (replyBytes as number) < 0 || (replyBytes as number) > MAX_PING_BYTES) {
    throw new KithError('BAD_REQUEST', `replyBytes must be a whole number from 0 to ${MAX_PING_BYTES}`)
  }
  return { data, replyBytes: replyBytes as number }
}

export function parseEmptyParams (input: unknown): Record<string, never> {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Object.keys(input).length > 0)) {
    throw new KithError('BAD_REQUEST', 'this method takes no parameters')
  }
  return {}
}

export function isProfile (value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.displayName === 'string' && v.displayName.length <= MAX_DISPLAY_NAME && typeof v.address === 'string'
}

/** Cleans a display name typed by the owner; throws a sentence on bad input. */
export function normalizeDisplayName (input: string): string {
  const name = input.replace(/\s+/g, ' ').trim()
  if (name.length > MAX_DISPLAY_NAME) throw new Error(`A name can be at most ${MAX_DISPLAY_NAME} characters.`)
  return name
}
