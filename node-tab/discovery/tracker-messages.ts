// Wire format of the WebTorrent WebSocket tracker protocol, as a stock
// bittorrent-tracker server speaks it. Kith only uses the tracker as a
// rendezvous: the "sdp" fields carry opaque sealed strings. A tracker is
// untrusted, so everything it sends is checked here before anyone sees it.

/** Largest opaque payload (sealed SDP) accepted from a tracker. */
export const MAX_PAYLOAD_CHARS = 64 * 1024
/** Longer messages are dropped unparsed. JSON may escape each payload
 *  character as six (\u00XX), plus a few ids and field names. */
const MAX_MESSAGE_CHARS = 6 * MAX_PAYLOAD_CHARS + 4096
/** What strict trackers (Aquatic's defaults) accept from us: at most this
 *  many offers in one announce, and every message under this many bytes. */
export const MAX_OFFERS_PER_ANNOUNCE = 10
export const MAX_TRACKER_MESSAGE_BYTES = 64 * 1024
const utf8Encoder = new TextEncoder()

/** True when a message we made is small enough for a strict tracker. */
export function fitsTracker (text: string): boolean {
  // Binary-string ids are up to two bytes a character in UTF-8.
  return text.length * 3 < MAX_TRACKER_MESSAGE_BYTES || utf8Encoder.encode(text).length < MAX_TRACKER_MESSAGE_BYTES
}

/** Stock clients use 20-char offer ids; leave room, but not unbounded. */
const MAX_OFFER_ID_CHARS = 64
/** A failure reason is shown to the owner; keep it short. */
const MAX_REASON_CHARS = 200

export interface OfferToSend { offerId: string, payload: string }

export interface SignalMessage {
  kind: 'offer' | 'answer'
  infoHash: string
  peerId: string
  offerId: string
  payload: string
}

export type TrackerMessage =
  | { kind: 'response', intervalSec: number | undefined }
  | { kind: 'failure', reason: string }
  | SignalMessage

/** Info hashes and peer ids travel as 20-char "binary strings" (char codes 0–255). */
export function isBinaryId (value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 20) return false
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) return false
  }
  return true
}

export interface AnnounceParams {
  infoHash: string
  peerId: string
  /** 'started' on a swarm's first announce on a socket; omitted on refresh. */
  event?: 'started' | 'stopped'
  offers?: readonly OfferToSend[]
}

export function announceMessage (p: AnnounceParams): string {
  const offers = p.offers ?? []
  const msg: Record<string, unknown> = {
    action: 'announce',
    info_hash: p.infoHash,
    peer_id: p.peerId,
    // The server hands offer i to the i-th random peer, up to numwant peers.
    numwant: offers.length,
    uploaded: 0,
    downloaded: 0
  }
  if (p.event) msg.event = p.event
  if (offers.length > 0) {
    msg.offers = offers.map((o) => ({ offer: { type: 'offer', sdp: o.payload }, offer_id: o.offerId }))
  }
  return JSON.stringify(msg)
}

export interface AnswerParams { infoHash: string, peerId: string, toPeerId: string, offerId: string, payload: string }

export function answerMessage (p: AnswerParams): string {
  return JSON.stringify({
    action: 'announce',
    info_hash: p.infoHash,
    peer_id: p.peerId,
    to_peer_id: p.toPeerId,
    answer: { type: 'answer', sdp: p.payload },
    offer_id: p.offerId
  })
}

/** Returns null for anything that is not a well-formed message we use. */
export function parseTrackerMessage (data: unknown): TrackerMessage | null {
  // Binary frames and oversized text are never part of the protocol.
  if (typeof data !== 'string' || data.length > MAX_MESSAGE_CHARS) return null
  let msg: unknown
  try {
    msg = JSON.parse(data)
  } catch {
    return null
  }
  if (!isRecord(msg)) return null

  // Parse errors come back without an action, so check this first.
  const reason = msg['failure reason']
  if (reason !== undefined) {
    return typeof reason === 'string' ? { kind: 'failure', reason: reason.slice(0, MAX_REASON_CHARS) } : null
  }
  if (msg.action !== 'announce') return null

  const hasOffer = msg.offer !== undefined
  const hasAnswer = msg.answer !== undefined
  if (hasOffer && hasAnswer) return null
  if (hasOffer) return parseSignal(msg, 'offer')
  if (hasAnswer) return parseSignal(msg, 'answer')

  const interval = msg.interval
  const intervalSec = typeof interval === 'number' && Number.isFinite(interval) && interval > 0 ? interval : undefined
  return { kind: 'response', intervalSec }
}

function parseSignal (msg: Record<string, unknown>, kind: 'offer' | 'answer'): SignalMessage | null {
  const body = msg[kind]
  // The body's `type` repeats the field name, so only `sdp` matters.
  if (!isRecord(body)) return null
  const payload = body.sdp
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_CHARS) return null
  const offerId = msg.offer_id
  if (typeof offerId !== 'string' || offerId.length === 0 || offerId.length > MAX_OFFER_ID_CHARS) return null
  const infoHash = msg.info_hash
  const peerId = msg.peer_id
  if (!isBinaryId(infoHash) || !isBinaryId(peerId)) return null
  return { kind, infoHash, peerId, offerId, payload }
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
