// How two tabs find each other through trackers without telling them who
// they are. Swarm names (info_hash) are hashes of a secret and the current day,
// so they change daily and cannot be linked across days:
//  - two friends meet in a swarm named after a secret only they can compute
//    (X25519 of their keys), so nobody else can find it, even knowing both
//    addresses;
//  - someone holding an invite meets the owner in a swarm named after the
//    invite's token;
//  - only if the owner chose to be reachable by address is there a swarm named
//    after the public key (then anyone with the address can find it).
// An offer must prove its right to an answer: in a pair or invite swarm it is
// sealed with a key derived from that swarm's secret (and the swarm's name and
// the recipient), so opening it is the proof; only in the opt-in address swarm
// is an offer sealed to the public key alone, which anyone with the address
// can do. Either way SDP (with its ICE candidates, i.e. IP addresses) reaches
// only the intended peer, never the tracker or others in the swarm; the answer
// is sealed to a one-time key from the offer.
//
// v2: offers into pair and invite swarms are sealed with the swarm's key
// (v1 sealed every offer to the public key, so anyone could probe any swarm).
import { Decoder, Encoder } from '@msgpack/msgpack'
import { concatBytes, fromBase64, toBase64, toBinaryString, uint32BE, utf8 } from '../util/bytes'
import {
  boxPublicKeyFromSigning, generateBoxKeyPair, isUsableBoxPublicKey, openSealed, seal, secretOpen, secretSeal, sha512, type BoxKeyPair
} from '../crypto/crypto'

export const EPOCH_MS = 24 * 60 * 60 * 1000
/** Offers older than this are ignored: a tracker replaying them gains nothing. */
export const OFFER_MAX_AGE_MS = 10 * 60 * 1000
const TOPIC_CONTEXT = utf8('kith/rendezvous/v2')
const PAIR_CONTEXT = utf8('kith/rendezvous/pair/v2')
const INVITE_CONTEXT = utf8('kith/rendezvous/invite/v2')
const OFFER_KEY_CONTEXT = utf8('kith/rendezvous/offer-key/v2')
const LINK_CONTEXT = utf8('kith/rendezvous/link/v1')
const DEVICE_CONTEXT = utf8('kith/rendezvous/device/v1')
/** Several times a real sealed offer (1–4 kB: SDP with its candidates);
 *  checked before any decoding or decryption, so a tracker flooding a swarm
 *  with large junk makes each offer cheap to refuse. */
const MAX_PAYLOAD_CHARS = 16 * 1024
const encoder = new Encoder()
const decoder = new Decoder({ maxStrLength: 64 * 1024, maxBinLength: 1024, maxArrayLength: 16, maxMapLength: 16 })

export function epochAt (timeMs: number): number {
  return Math.floor(timeMs / EPOCH_MS)
}

/** The 20-byte info_hash (as a tracker binary string) where a person's node
 *  listens during an epoch. */
export function personTopic (publicKey: Uint8Array, epoch: number): string {
  return toBinaryString(sha512(concatBytes(TOPIC_CONTEXT, publicKey, uint32BE(epoch))).subarray(0, 20))
}

/** The swarm where two friends meet; `secret` is pairSecret() of the two. */
export function pairTopic (secret: Uint8Array, epoch: number): string {
  return toBinaryString(sha512(concatBytes(PAIR_CONTEXT, secret, uint32BE(epoch))).subarray(0, 20))
}

/** The swarm where the holder of an invite meets its owner. */
export function inviteTopic (token: string, epoch: number): string {
  return toBinaryString(sha512(concatBytes(INVITE_CONTEXT, utf8(token), uint32BE(epoch))).subarray(0, 20))
}

/** The swarm where a new device waits for the full device that holds its
 *  link code. Not per epoch: a code lives ten minutes. */
export function linkTopic (secret: Uint8Array): string {
  return toBinaryString(sha512(concatBytes(LINK_CONTEXT, secret)).subarray(0, 20))
}

/** The swarm where the person's other devices reach one of them: named by
 *  the secret only the person's devices share, and the device's own key. */
export function deviceTopic (devicesSecret: Uint8Array, deviceKey: Uint8Array, epoch: number): string {
  return toBinaryString(sha512(concatBytes(DEVICE_CONTEXT, devicesSecret, deviceKey, uint32BE(epoch))).subarray(0, 20))
}

/** Epochs a dialler tries: the current one, plus the neighbour when within
 *  the skew window of a boundary, for clocks that disagree a little. */
export function epochsToTry (nowMs: number, skewMs = 5 * 60 * 1000): number[] {
  const epoch = epochAt(nowMs)
  const epochs = [epoch]
  if (epochAt(nowMs - skewMs) !== epoch) epochs.push(epoch - 1)
  if (epochAt(nowMs + skewMs) !== epoch) epochs.push(epoch + 1)
  return epochs
}

/** `restartTag`: an ICE restart for a live session (ice-restart-tag.ts),
 *  not a new connection. */
export interface SealedOffer { sdp: string, replyKey: Uint8Array, sentAt: number, restartTag?: Uint8Array }

export interface OfferSeal { payload: string, reply: BoxKeyPair }

/** The key that seals offers into a pair or invite swarm. It binds the
 *  swarm's secret (pair secret or invite token), the swarm's name (so the
 *  epoch) and the recipient, so an offer cannot be moved to another swarm or
 *  day, and one friend's listener cannot open the offers the same friend
 *  makes to the other (both sit in the pair swarm). */
export function swarmOfferKey (swarmSecret: Uint8Array, topic: string, recipientSigningKey: Uint8Array): Uint8Array {
  if (topic.length !== 20 || recipientSigningKey.length !== 32) throw new Error('a topic is 20 bytes and a key 32')
  // Fixed-length fields first, the variable-length secret last: unambiguous.
  const topicBytes = Uint8Array.from(topic, (c) => c.charCodeAt(0))
  return sha512(concatBytes(OFFER_KEY_CONTEXT, topicBytes, recipientSigningKey, swarmSecret)).subarray(0, 32)
}

/** An offer for the address swarm, sealed to the recipient's public key. */
export function sealOffer (sdp: string, recipientSigningKey: Uint8Array, nowMs: number, restartTag?: Uint8Array): OfferSeal {
  const reply = generateBoxKeyPair()
  return { payload: toBase64(seal(offerBody(sdp, reply, nowMs, restartTag), boxPublicKeyFromSigning(recipientSigningKey))), reply }
}

/** An offer for a pair or invite swarm, sealed with swarmOfferKey(). */
export function sealSwarmOffer (sdp: string, offerKey: Uint8Array, nowMs: number, restartTag?: Uint8Array): OfferSeal {
  const reply = generateBoxKeyPair()
  return { payload: toBase64(secretSeal(offerBody(sdp, reply, nowMs, restartTag), offerKey)), reply }
}

/** Opens an address-swarm offer. Null when the offer is not for us, altered,
 *  malformed or stale. */
export function openOffer (payload: string, boxSecretKey: Uint8Array, nowMs: number): SealedOffer | null {
  return parseOffer(openPayload(payload, (bytes) => openSealed(bytes, boxSecretKey)), nowMs)
}

/** Opens a pair- or invite-swarm offer: a success proves the sender knows the
 *  swarm's secret. Null when it does not, or the offer is altered, malformed
 *  or stale (an offer sealed to the public key alone never opens here). */
export function openSwarmOffer (payload: string, offerKey: Uint8Array, nowMs: number): SealedOffer | null {
  return parseOffer(openPayload(payload, (bytes) => secretOpen(bytes, offerKey)), nowMs)
}

function offerBody (sdp: string, reply: BoxKeyPair, nowMs: number, restartTag?: Uint8Array): Uint8Array {
  return encoder.encode(restartTag ? ['restart', sdp, reply.publicKey, nowMs, restartTag] : ['offer', sdp, reply.publicKey, nowMs])
}

const RESTART_TAG_BYTES = 32

function parseOffer (opened: unknown, nowMs: number): SealedOffer | null {
  if (!Array.isArray(opened) || (opened.length !== 4 && opened.length !== 5)) return null
  const [kind, sdp, replyKey, sentAt, restartTag] = opened as unknown[]
  if (opened.length === 4 ? kind !== 'offer' : kind !== 'restart') return null
  // A reply key no answer can be sealed to is refused before anything is made for it.
  if (typeof sdp !== 'string' || !(replyKey instanceof Uint8Array) || !isUsableBoxPublicKey(replyKey)) return null
  // Number.isFinite: NaN would slip past the age comparison below.
  if (typeof sentAt !== 'number' || !Number.isFinite(sentAt) || Math.abs(nowMs - sentAt) > OFFER_MAX_AGE_MS) return null
  if (kind === 'offer') return { sdp, replyKey, sentAt }
  if (!(restartTag instanceof Uint8Array) || restartTag.length !== RESTART_TAG_BYTES) return null
  return { sdp, replyKey, sentAt, restartTag }
}

export function sealAnswer (sdp: string, replyKey: Uint8Array): string {
  return toBase64(seal(encoder.encode(['answer', sdp]), replyKey))
}

export function openAnswer (payload: string, reply: BoxKeyPair): string | null {
  const opened = openPayload(payload, (bytes) => openSealed(bytes, reply.secretKey))
  if (!Array.isArray(opened) || opened.length !== 2) return null
  const [kind, sdp] = opened as unknown[]
  return kind === 'answer' && typeof sdp === 'string' ? sdp : null
}

function openPayload (payload: string, open: (sealed: Uint8Array) => Uint8Array | null): unknown {
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD_CHARS) return null
  try {
    const opened = open(fromBase64(payload))
    return opened ? decoder.decode(opened) : null
  } catch {
    return null
  }
}

/** The DTLS fingerprint line of an SDP, which the handshake signs. */
export function sdpFingerprint (sdp: string): string | null {
  const match = sdp.match(/^a=fingerprint:(\S+) (\S+)\s*$/m)
  return match ? `${match[1]!.toLowerCase()} ${match[2]!.toLowerCase()}` : null
}
