// Connection codes: how two friends connect when no tracker works. I make a
// connection code (my WebRTC offer with all its ICE candidates, sealed to
// my friend's key) and send it any way I like; my friend pastes it and gets
// an answer code (their answer, sealed to a one-time key inside my code, so
// only I can open it) to send back; I paste that, and the connection forms.
// Then the normal handshake proves who is who, as with any connection.
//
// The sealing is the rendezvous sealing of a pair-swarm offer: under a key
// made from the two friends' meeting secret (which only they hold) and the
// recipient's key, so opening a code proves it was made by that friend for
// me, before any answer (with my network addresses) or RTCPeerConnection is
// made. Anyone can seal to my public key; nobody else can seal this. The
// answer is sealed to a one-time reply key inside the code. A code has its
// own tag so a tracker offer is never taken for a code or a code for one,
// and names its maker's key; the handshake checks who is who anyway.
// Codes expire after CODE_MAX_AGE_MS and the receiver refuses a code it has
// seen before (single use, see node-tab/discovery/manual-connect.ts).
//
// Short enough for a QR code a phone reads at a glance (issue 19): the SDP
// travels as raw DEFLATE in binary msgpack (an SDP is repetitive text: a
// code of 959 characters became 719 in the browser tests, and an offer with
// many candidates shrinks more), and is inflated only after the code has opened, so a
// stranger's bytes never reach the inflater, and never beyond MAX_SDP_BYTES.
import { Decoder, Encoder } from '@msgpack/msgpack'
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from '../util/bytes'
import { deflateRaw, inflateRaw, TOO_LARGE } from '../util/deflate'
import { generateBoxKeyPair, isUsableBoxPublicKey, openSealed, seal, secretOpen, secretSeal, sha512, type BoxKeyPair } from '../crypto/crypto'
import { KithError } from '../wire/errors'
import { OFFER_MAX_AGE_MS } from './rendezvous'

export const CODE_MAX_AGE_MS = OFFER_MAX_AGE_MS
const CONNECT_PREFIX = 'KITH-CONNECT-3:'
/** Version 1 was sealed to the public key alone, which anyone could make;
 *  version 2 carried the SDP as text. Both are refused, in words. */
const OLDER_CONNECT = /^KITH-CONNECT-[12]:/
const ANSWER_PREFIX = 'KITH-ANSWER-2:'
const OLDER_ANSWER = /^KITH-ANSWER-1:/
const CONNECT_TAG = 'kc3'
const ANSWER_TAG = 'ka2'
const CODE_KEY_CONTEXT = utf8('kith/connection-code-key/v2')
/** Far above a real code (an SDP with its candidates, 1–4 kB sealed). */
export const MAX_CODE_CHARS = 16 * 1024
/** An SDP inflated from a code stops here (a real one is 1–4 kB). */
export const MAX_SDP_BYTES = 12 * 1024
const encoder = new Encoder()
const decoder = new Decoder({ maxStrLength: 64, maxBinLength: MAX_CODE_CHARS, maxArrayLength: 8, maxMapLength: 0 })
export const OLDER_KITH = 'This code was made by an older Kith; ask for a new one (your friend reloads Kith first).'

export type CodeKind = 'connect' | 'answer'

/** Codes travel through chat apps that wrap lines and add spaces. */
function compact (code: string): string {
  return code.replace(/\s+/g, '')
}

/** Which kind of code this looks like, or null. */
export function codeKind (code: string): CodeKind | null {
  const c = compact(code)
  if (c.startsWith(CONNECT_PREFIX) || OLDER_CONNECT.test(c)) return 'connect'
  if (c.startsWith(ANSWER_PREFIX) || OLDER_ANSWER.test(c)) return 'answer'
  return null
}

export interface ConnectCode { sdp: string, replyKey: Uint8Array, from: Uint8Array, sentAt: number }

/** The key a code for `recipientKey` is sealed under: the friends' meeting
 *  secret bound to the recipient, so a code made for my friend does not
 *  open as one made for me (we both hold the secret). Fixed-length fields
 *  first, the secret last. */
export function connectCodeKey (meetingSecret: Uint8Array, recipientKey: Uint8Array): Uint8Array {
  if (recipientKey.length !== 32) throw new Error('a key is 32 bytes')
  return sha512(concatBytes(CODE_KEY_CONTEXT, recipientKey, meetingSecret)).subarray(0, 32)
}

/** A code for `toSigningKey`, sealed under our meeting secret. */
export async function sealConnectCode (sdp: string, from: Uint8Array, toSigningKey: Uint8Array, meetingSecret: Uint8Array, nowMs: number): Promise<{ code: string, reply: BoxKeyPair }> {
  const reply = generateBoxKeyPair()
  const body = encoder.encode([CONNECT_TAG, await deflateRaw(utf8(sdp)), reply.publicKey, from, nowMs])
  return { code: CONNECT_PREFIX + toBase64(secretSeal(body, connectCodeKey(meetingSecret, toSigningKey))), reply }
}

/** The SDP a code carried, inflated only once the code has opened: null
 *  if it is not valid; refused if it would grow past MAX_SDP_BYTES. */
async function sdpFrom (deflated: Uint8Array): Promise<string | null> {
  const bytes = await inflateRaw(deflated, MAX_SDP_BYTES)
  if (bytes === TOO_LARGE) throw new KithError('TOO_LARGE', 'The connection details in this code are far too long to be real. Ask for a new code.')
  return bytes && bytes.length > 0 ? fromUtf8(bytes) : null
}

const NOT_FROM_THEM = 'This connection code is not for you from this friend, or it was changed on the way. Ask them for a new one.'

/** Opens a code one friend made for me (`me`), trying the meeting secrets I
 *  share with them (the current one, and one being replaced); throws a
 *  KithError in plain words when it is not a code, not from them for me (or
 *  altered), or too old. Nothing about the code is trusted before it opens. */
export async function openConnectCode (code: string, me: Uint8Array, meetingSecrets: readonly Uint8Array[], nowMs: number): Promise<ConnectCode> {
  const c = compact(code)
  if (codeKind(c) === 'answer') throw new KithError('BAD_REQUEST', 'This is an answer code. Paste it under “Paste their answer code”, on the side that made the connection code.')
  if (codeKind(c) !== 'connect') throw new KithError('BAD_REQUEST', 'This is not a Kith connection code. It starts with KITH-CONNECT.')
  if (c.length > MAX_CODE_CHARS) throw new KithError('TOO_LARGE', 'This code is far too long to be a connection code.')
  if (OLDER_CONNECT.test(c)) throw new KithError('BAD_REQUEST', OLDER_KITH)
  let opened: unknown = null
  try {
    const sealed = fromBase64(c.slice(CONNECT_PREFIX.length))
    for (const secret of meetingSecrets) {
      const body = secretOpen(sealed, connectCodeKey(secret, me))
      if (body) { opened = decoder.decode(body); break }
    }
  } catch {
    opened = null
  }
  if (!Array.isArray(opened) || opened.length !== 5) throw new KithError('BAD_REQUEST', NOT_FROM_THEM)
  const [tag, deflated, replyKey, from, sentAt] = opened as unknown[]
  if (tag !== CONNECT_TAG || !(deflated instanceof Uint8Array) || !(replyKey instanceof Uint8Array) || !isUsableBoxPublicKey(replyKey) ||
    !(from instanceof Uint8Array) || from.length !== 32 || typeof sentAt !== 'number' || !Number.isFinite(sentAt)) {
    throw new KithError('BAD_REQUEST', NOT_FROM_THEM)
  }
  if (Math.abs(nowMs - sentAt) > CODE_MAX_AGE_MS) throw new KithError('BAD_REQUEST', `This connection code has expired (codes last ${CODE_MAX_AGE_MS / 60_000} minutes). Ask for a new one.`)
  // Opened, so made by this friend; a broken or outsized SDP is still refused.
  const sdp = await sdpFrom(deflated)
  if (sdp === null) throw new KithError('BAD_REQUEST', NOT_FROM_THEM)
  return { sdp, replyKey, from, sentAt }
}

/** My answer, sealed to the one-time reply key inside their code. */
export async function sealAnswerCode (sdp: string, replyKey: Uint8Array): Promise<string> {
  return ANSWER_PREFIX + toBase64(seal(encoder.encode([ANSWER_TAG, await deflateRaw(utf8(sdp))]), replyKey))
}

/** Opens an answer to my connection code; throws in plain words otherwise. */
export async function openAnswerCode (code: string, reply: BoxKeyPair): Promise<string> {
  const c = compact(code)
  if (codeKind(c) === 'connect') throw new KithError('BAD_REQUEST', 'This is a connection code, not an answer code. Paste it under “Paste their connection code”.')
  if (codeKind(c) !== 'answer') throw new KithError('BAD_REQUEST', 'This is not a Kith answer code. It starts with KITH-ANSWER.')
  if (c.length > MAX_CODE_CHARS) throw new KithError('TOO_LARGE', 'This code is far too long to be an answer code.')
  if (OLDER_ANSWER.test(c)) throw new KithError('BAD_REQUEST', OLDER_KITH)
  const sdp = await openAnswerBody(c.slice(ANSWER_PREFIX.length), reply)
  if (sdp === null) throw new KithError('BAD_REQUEST', 'This answer code does not belong to your latest connection code, or it was changed on the way.')
  return sdp
}

async function openAnswerBody (payload: string, reply: BoxKeyPair): Promise<string | null> {
  let opened: unknown
  try {
    const body = openSealed(fromBase64(payload), reply.secretKey)
    opened = body ? decoder.decode(body) : null
  } catch {
    return null
  }
  if (!Array.isArray(opened) || opened.length !== 2) return null
  const [tag, deflated] = opened as unknown[]
  return tag === ANSWER_TAG && deflated instanceof Uint8Array ? await sdpFrom(deflated) : null
}
