// Connection codes: how two friends connect when no tracker works. I make a
// connection code (what my friend's browser needs of my WebRTC offer, with
// all its ICE candidates, sealed for my friend) and send it any way I like;
// my friend pastes it and gets an answer code (the same of their answer,
// sealed to a one-time key inside my code, so only I can open it) to send
// back; I paste that, and the connection forms. Then the normal handshake
// proves who is who, as with any connection.
//
// A code is sealed under a key made from the two friends' meeting secret
// (which only they hold), the maker's key and the recipient's key, so
// opening a code proves it was made by that friend for me, before any
// answer (with my network addresses) or RTCPeerConnection is made. Anyone
// can seal to my public key; nobody else can seal this. The key's own
// context keeps a tracker offer from ever being taken for a code or a code
// for one. Codes expire after CODE_MAX_AGE_MS and the receiver refuses a
// code it has seen before (single use, see node-tab/discovery/manual-connect.ts).
//
// Short enough for a QR code a phone reads at a glance: a code
// carries no SDP, only what the other side cannot know (ICE credentials,
// certificate fingerprint, DTLS role, candidates: sdp-essentials.ts) in a
// fixed binary layout, and the SDP is rebuilt from a template once the code
// has opened. The code is upper-case base32, which a QR code holds in its
// alphanumeric mode (denser than bytes), and which survives chat apps. The
// maker's key is not carried: it is bound into the sealing key, so a code
// opens only as made by the friend the receiver names.
import { base32nopad } from '@scure/base'
import { concatBytes, utf8 } from '../util/bytes'
import { ByteReader, ByteWriter } from '../util/byte-reader'
import { generateBoxKeyPair, isUsableBoxPublicKey, openSealed, seal, secretOpen, secretSeal, sha512, type BoxKeyPair } from '../crypto/crypto'
import { KithError } from '../wire/errors'
import { OFFER_MAX_AGE_MS } from './rendezvous'
import { rebuildSdp, sdpEssentials } from './sdp-essentials'
import { packEssentials, unpackEssentials } from './sdp-essentials-binary'

export const CODE_MAX_AGE_MS = OFFER_MAX_AGE_MS
const CONNECT_PREFIX = 'KITH-CONNECT-4:'
/** Version 1 was sealed to the public key alone, which anyone could make;
 *  versions 2 and 3 carried the whole SDP. All are refused, in words. */
const OLDER_CONNECT = /^KITH-CONNECT-[123]:/
const ANSWER_PREFIX = 'KITH-ANSWER-3:'
const OLDER_ANSWER = /^KITH-ANSWER-[12]:/
/** First byte of an opened body: which kind and version it is. */
const CONNECT_TAG = 0xc4
const ANSWER_TAG = 0xa3
const CODE_KEY_CONTEXT = utf8('kith/connection-code-key/v4')
/** Far above a real code (about 270 characters; 16 IPv6 candidates make 750). */
export const MAX_CODE_CHARS = 1024
export const OLDER_KITH = 'This code was made by an older Kith; ask for a new one (your friend reloads Kith first).'

export type CodeKind = 'connect' | 'answer'

/** Codes travel through chat apps that wrap lines, add spaces or lower the case. */
function compact (code: string): string {
  return code.replace(/\s+/g, '').toUpperCase()
}

/** Which kind of code this looks like, or null. */
export function codeKind (code: string): CodeKind | null {
  const c = compact(code)
  if (c.startsWith(CONNECT_PREFIX) || OLDER_CONNECT.test(c)) return 'connect'
  if (c.startsWith(ANSWER_PREFIX) || OLDER_ANSWER.test(c)) return 'answer'
  return null
}

export interface ConnectCode { sdp: string, replyKey: Uint8Array, from: Uint8Array, sentAt: number }

/** The key a code from `senderKey` for `recipientKey` is sealed under: the
 *  friends' meeting secret bound to both, in order, so a code made for my
 *  friend does not open as one made for me (we both hold the secret), and a
 *  code opens only as made by the friend it is opened for. Fixed-length
 *  fields first, the secret last. */
export function connectCodeKey (meetingSecret: Uint8Array, senderKey: Uint8Array, recipientKey: Uint8Array): Uint8Array {
  if (senderKey.length !== 32 || recipientKey.length !== 32) throw new Error('a key is 32 bytes')
  return sha512(concatBytes(CODE_KEY_CONTEXT, senderKey, recipientKey, meetingSecret)).subarray(0, 32)
}

/** The essentials of my own SDP as bytes; throws if the browser made an SDP
 *  a code cannot carry (not one data channel, no sha-256 fingerprint). */
function essentialsOf (sdp: string): Uint8Array {
  try {
    return packEssentials(sdpEssentials(sdp))
  } catch (err) {
    throw new KithError('INTERNAL', `This browser made connection details a code cannot carry (${(err as Error).message}).`)
  }
}

/** A code for `toSigningKey`, sealed under our meeting secret. */
export async function sealConnectCode (sdp: string, from: Uint8Array, toSigningKey: Uint8Array, meetingSecret: Uint8Array, nowMs: number): Promise<{ code: string, reply: BoxKeyPair }> {
  const reply = generateBoxKeyPair()
  const body = new ByteWriter().u8(CONNECT_TAG).u32(Math.floor(nowMs / 1000)).bytes(reply.publicKey).bytes(essentialsOf(sdp)).done()
  return { code: CONNECT_PREFIX + base32nopad.encode(secretSeal(body, connectCodeKey(meetingSecret, from, toSigningKey))), reply }
}

/** The sealed bytes after a prefix, or null if they are not base32. */
function payloadBytes (c: string, prefix: string): Uint8Array | null {
  try {
    return base32nopad.decode(c.slice(prefix.length))
  } catch {
    return null
  }
}

/** What an open gave, or null if it threw (bytes too short to be sealed). */
function tryOpen (open: () => Uint8Array | null): Uint8Array | null {
  try {
    return open()
  } catch {
    return null
  }
}

const NOT_FROM_THEM = 'This connection code is not for you from this friend, or it was changed on the way. Ask them for a new one.'

/** Opens a code friend `from` made for me (`me`), trying the meeting secrets
 *  I share with them (the current one, and one being replaced); throws a
 *  KithError in plain words when it is not a code, not from them for me (or
 *  altered), or too old. Nothing about the code is trusted before it opens. */
export async function openConnectCode (code: string, me: Uint8Array, from: Uint8Array, meetingSecrets: readonly Uint8Array[], nowMs: number): Promise<ConnectCode> {
  const c = compact(code)
  if (codeKind(c) === 'answer') throw new KithError('BAD_REQUEST', 'This is an answer code. Paste it under “Paste their answer code”, on the side that made the connection code.')
  if (codeKind(c) !== 'connect') throw new KithError('BAD_REQUEST', 'This is not a Kith connection code. It starts with KITH-CONNECT.')
  if (OLDER_CONNECT.test(c)) throw new KithError('BAD_REQUEST', OLDER_KITH)
  if (c.length > MAX_CODE_CHARS) throw new KithError('TOO_LARGE', 'This code is far too long to be a connection code.')
  const sealed = payloadBytes(c, CONNECT_PREFIX)
  const body = sealed === null ? null : meetingSecrets.map((secret) => tryOpen(() => secretOpen(sealed, connectCodeKey(secret, from, me)))).find((b) => b !== null)
  if (!body) throw new KithError('BAD_REQUEST', NOT_FROM_THEM)
  // Opened, so made by this friend; what is in it is still checked.
  const r = new ByteReader(body)
  let opened: { sentAt: number, replyKey: Uint8Array, sdp: string } | null = null
  try {
    if (r.u8() === CONNECT_TAG) {
      const sentAt = r.u32() * 1000
      const replyKey = r.bytes(32)
      const essentials = unpackEssentials(r.bytes(body.length - 37))
      if (essentials && isUsableBoxPublicKey(replyKey)) opened = { sentAt, replyKey, sdp: rebuildSdp(essentials) }
    }
  } catch {
    opened = null
  }
  if (opened === null) throw new KithError('BAD_REQUEST', NOT_FROM_THEM)
  if (Math.abs(nowMs - opened.sentAt) > CODE_MAX_AGE_MS) throw new KithError('BAD_REQUEST', `This connection code has expired (codes last ${CODE_MAX_AGE_MS / 60_000} minutes). Ask for a new one.`)
  return { ...opened, from }
}

/** My answer, sealed to the one-time reply key inside their code. */
export async function sealAnswerCode (sdp: string, replyKey: Uint8Array): Promise<string> {
  return ANSWER_PREFIX + base32nopad.encode(seal(concatBytes(Uint8Array.of(ANSWER_TAG), essentialsOf(sdp)), replyKey))
}

/** Opens an answer to my connection code; throws in plain words otherwise. */
export async function openAnswerCode (code: string, reply: BoxKeyPair): Promise<string> {
  const c = compact(code)
  if (codeKind(c) === 'connect') throw new KithError('BAD_REQUEST', 'This is a connection code, not an answer code. Paste it under “Paste their connection code”.')
  if (codeKind(c) !== 'answer') throw new KithError('BAD_REQUEST', 'This is not a Kith answer code. It starts with KITH-ANSWER.')
  if (OLDER_ANSWER.test(c)) throw new KithError('BAD_REQUEST', OLDER_KITH)
  if (c.length > MAX_CODE_CHARS) throw new KithError('TOO_LARGE', 'This code is far too long to be an answer code.')
  const sealed = payloadBytes(c, ANSWER_PREFIX)
  const body = sealed === null ? null : tryOpen(() => openSealed(sealed, reply.secretKey))
  const essentials = body && body[0] === ANSWER_TAG ? unpackEssentials(body.subarray(1)) : null
  if (essentials === null) throw new KithError('BAD_REQUEST', 'This answer code does not belong to your latest connection code, or it was changed on the way.')
  return rebuildSdp(essentials)
}
