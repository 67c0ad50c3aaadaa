// What Kith puts on a Nostr relay for rendezvous, and what it takes back.
// An offer or answer is one ephemeral event (kind 20000–29999: relays pass
// it to whoever is subscribed and store nothing), signed with a key made for
// that one event, tagged only with the topic's relay tag (relay-tags.ts) and
// carrying the sealed payload the dialler or listener made. Nothing in it
// names a person: no address, identity key, name, or IP of ours.
//
// Everything a relay sends is hostile until checked: parseRelayEvent takes
// the text of one relay message and returns an event only when it has our
// shape, our bounds and a valid signature (the signature proves nothing
// about who sent it, as keys are throwaway, but a relay that alters an
// event in transit is caught here rather than by the seal).
import { finalizeEvent, generateSecretKey, verifyEvent, type Event } from 'nostr-tools/pure'
import { OFFER_MAX_AGE_MS } from '../../shared/rendezvous/rendezvous'

/** Ephemeral kinds (NIP-01: 20000 ≤ kind < 30000), one for each direction. */
export const OFFER_KIND = 25050
export const ANSWER_KIND = 25051
export type SignalKind = typeof OFFER_KIND | typeof ANSWER_KIND

/** A relay message longer than this is dropped unread. Public relays cap an
 *  event at 64 KiB; a sealed offer is a few KiB. */
export const MAX_RELAY_MESSAGE_CHARS = 64 * 1024
/** An offer id is chosen by the offerer (20 random bytes as a binary string). */
const MAX_OFFER_ID_CHARS = 64
/** How old an event may be: as old as an offer may be (the seal checks it
 *  again); a little into the future for clocks that run ahead. */
const MAX_AGE_S = OFFER_MAX_AGE_MS / 1000
const MAX_AHEAD_S = 60
/** NIP-40: a relay that stores ephemeral events anyway is asked to drop them. */
const EXPIRES_AFTER_S = 120

/** The body of one of our events: the offer id its answer names, and the sealed payload. */
interface SignalBody { o: string, p: string }

export interface SignalEvent {
  id: string
  pubkey: string
  kind: SignalKind
  tag: string
  offerId: string
  payload: string
}

/** Signs one offer or answer with a key made for it alone. */
export function makeSignalEvent (kind: SignalKind, tag: string, offerId: string, payload: string, nowMs: number): Event {
  const createdAt = Math.floor(nowMs / 1000)
  const body: SignalBody = { o: offerId, p: payload }
  return finalizeEvent({
    kind,
    created_at: createdAt,
    tags: [['t', tag], ['expiration', String(createdAt + EXPIRES_AFTER_S)]],
    content: JSON.stringify(body)
  }, generateSecretKey())
}

/** Why a relay message was dropped (counted, never answered). */
export type DropReason = 'oversized' | 'malformed' | 'unknown-subscription' | 'wrong-kind' | 'wrong-tag' | 'stale' | 'bad-signature' | 'duplicate' | 'flood' | 'topic-flood'

export type RelayMessage =
  | { type: 'event', subId: string, event: Event }
  | { type: 'other' }
  | { type: 'dropped', reason: DropReason }

/** What a relay said of our own events and subscriptions: it turned one
 *  down (OK false, CLOSED) or told us to slow down (NIP-01's
 *  machine-readable prefixes), in its words; or it took one. */
export type RelayReply =
  | { type: 'refusal', why: 'refused' | 'rate-limited', words: string }
  | { type: 'accepted' }
  | null

/** A relay's own words are shown to the owner: bounded and printable. */
const MAX_RELAY_WORDS = 160

/** OK false, CLOSED and NOTICE carry a reason; NIP-01 starts it with a
 *  prefix ("rate-limited:", "blocked:", "restricted:", "auth-required:",
 *  "pow:", "invalid:", "error:", "duplicate:"). Only what says the relay
 *  will not carry our events counts (a duplicate is no refusal; a NOTICE
 *  is free text, taken only when it says rate-limited). */
function refusalOf (reason: unknown, notice: boolean): RelayReply {
  if (typeof reason !== 'string') return null
  const words = reason.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, MAX_RELAY_WORDS)
  const prefix = words.match(/^([a-z-]+):/)?.[1]
  if (prefix === 'rate-limited') return { type: 'refusal', why: 'rate-limited', words }
  if (notice || prefix === 'duplicate') return null
  return { type: 'refusal', why: 'refused', words }
}

/** Tags an event of ours may carry: a rendezvous event has two; the
 *  mailbox's wrap events more (it says how many it allows). */
const MAX_EVENT_TAGS = 16

/** The first look at a relay message: its size and its outer shape. */
export function readRelayMessage (text: unknown, maxTags = MAX_EVENT_TAGS): RelayMessage {
  if (typeof text !== 'string') return { type: 'dropped', reason: 'malformed' }
  if (text.length > MAX_RELAY_MESSAGE_CHARS) return { type: 'dropped', reason: 'oversized' }
  let msg: unknown
  try { msg = JSON.parse(text) } catch { return { type: 'dropped', reason: 'malformed' } }
  if (!Array.isArray(msg) || typeof msg[0] !== 'string') return { type: 'dropped', reason: 'malformed' }
  if (msg[0] !== 'EVENT') return { type: 'other' } // EOSE, AUTH: nothing we act on
  if (msg.length !== 3 || typeof msg[1] !== 'string' || !isEventShape(msg[2], maxTags)) return { type: 'dropped', reason: 'malformed' }
  return { type: 'event', subId: msg[1], event: msg[2] }
}

/** A message readRelayMessage called 'other' (already bounded in size),
 *  read for the relay's verdict on what we sent. */
export function readRelayReply (text: string): RelayReply {
  let msg: unknown
  try { msg = JSON.parse(text) } catch { return null }
  if (!Array.isArray(msg)) return null
  if (msg[0] === 'OK') return msg[2] === true ? { type: 'accepted' } : refusalOf(msg[3], false)
  if (msg[0] === 'CLOSED') return refusalOf(msg[2], false)
  if (msg[0] === 'NOTICE') return refusalOf(msg[1], true)
  return null
}

/** The full check of an event that came under one of our subscriptions. */
export function checkSignalEvent (event: Event, wantedKind: SignalKind, tag: string, nowMs: number): SignalEvent | DropReason {
  if (event.kind !== wantedKind) return 'wrong-kind'
  const tags = event.tags.filter((t) => t[0] === 't')
  if (tags.length !== 1 || tags[0]![1] !== tag) return 'wrong-tag'
  const nowS = nowMs / 1000
  if (event.created_at < nowS - MAX_AGE_S || event.created_at > nowS + MAX_AHEAD_S) return 'stale'
  let body: unknown
  try { body = JSON.parse(event.content) } catch { return 'malformed' }
  if (typeof body !== 'object' || body === null) return 'malformed'
  const { o, p } = body as Record<string, unknown>
  if (typeof o !== 'string' || o.length === 0 || o.length > MAX_OFFER_ID_CHARS) return 'malformed'
  if (typeof p !== 'string' || p.length === 0) return 'malformed'
  // Last, as it costs the most: a flood is turned away by the cheap checks.
  if (!verifyEvent(event)) return 'bad-signature'
  return { id: event.id, pubkey: event.pubkey, kind: wantedKind, tag, offerId: o, payload: p }
}

const HEX64 = /^[0-9a-f]{64}$/
const HEX128 = /^[0-9a-f]{128}$/

function isEventShape (v: unknown, maxTags: number): v is Event {
  if (typeof v !== 'object' || v === null) return false
  const e = v as Record<string, unknown>
  return typeof e.id === 'string' && HEX64.test(e.id) &&
    typeof e.pubkey === 'string' && HEX64.test(e.pubkey) &&
    typeof e.sig === 'string' && HEX128.test(e.sig) &&
    Number.isInteger(e.kind) && Number.isInteger(e.created_at) &&
    typeof e.content === 'string' &&
    Array.isArray(e.tags) && e.tags.length <= maxTags &&
    e.tags.every((t) => Array.isArray(t) && t.length <= 4 && t.every((x) => typeof x === 'string' && x.length <= 256))
}
