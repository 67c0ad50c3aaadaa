// Wire format. Control and small messages are msgpack arrays; the encoded
// bytes of a large message travel as binary chunk frames so no single data
// channel message exceeds the transport's frame limit.
//
//   [1, id, method, params]          request
//   [2, id, result]                  result
//   [3, id, code, message]           error
//   [4, id]                          cancel
//   [5, id, direction, totalBytes]   a large message follows in chunks
//   [16, version, identityKey, nonce, deviceKey, certificate(, rotations)]  handshake hello
//   [17, signature]                  handshake proof
//   [18, reason]                     goodbye (sent before closing)
//   0x01 | id u32 | direction u8 | bytes…   chunk (binary, not msgpack)
//
// msgpack arrays always begin with 0x90–0x9f/0xdc/0xdd, so the first byte
// tells a chunk frame from a msgpack frame.
import { Decoder, Encoder } from '@msgpack/msgpack'
import { KithError } from './errors'

export const FrameType = {
  Request: 1,
  Result: 2,
  Error: 3,
  Cancel: 4,
  Large: 5,
  Hello: 16,
  Auth: 17,
  Goodbye: 18
} as const

export const CHUNK_MARKER = 0x01
export const CHUNK_HEADER_BYTES = 6

/** Which way a large message flows: a request we received or a result. */
export type Direction = 0 | 1
export const REQUEST_DIRECTION: Direction = 0
export const RESULT_DIRECTION: Direction = 1

export type Frame =
  | { type: typeof FrameType.Request, id: number, method: string, params: unknown }
  | { type: typeof FrameType.Result, id: number, result: unknown }
  | { type: typeof FrameType.Error, id: number, code: unknown, message: unknown }
  | { type: typeof FrameType.Cancel, id: number }
  | { type: typeof FrameType.Large, id: number, direction: Direction, totalBytes: number }
  /** deviceKey and certificate are absent in hellos before protocol 3, so
   *  an old peer is still told, in words, that its version is too old. */
  /** rotations: the latest of the person's rotation records, oldest first
   *  (rotation-record.ts), absent until the person has rotated. */
  | { type: typeof FrameType.Hello, version: number, publicKey: Uint8Array, nonce: Uint8Array, deviceKey?: Uint8Array, certificate?: unknown, rotations?: unknown }
  | { type: typeof FrameType.Auth, signature: Uint8Array }
  | { type: typeof FrameType.Goodbye, reason: string }

export interface ChunkFrame { id: number, direction: Direction, bytes: Uint8Array }

const encoder = new Encoder({ ignoreUndefined: true })

/** Limits keep a hostile peer from making us allocate huge structures. */
export function createDecoder (maxMessageBytes: number): Decoder {
  return new Decoder({
    maxStrLength: maxMessageBytes,
    maxBinLength: maxMessageBytes,
    maxArrayLength: 100_000,
    maxMapLength: 100_000,
    maxExtLength: 0
  })
}

const defaultDecoder = createDecoder(64 * 1024 * 1024)

export function encodeFrame (frame: Frame): Uint8Array {
  switch (frame.type) {
    case FrameType.Request: return encoder.encode([frame.type, frame.id, frame.method, frame.params])
    case FrameType.Result: return encoder.encode([frame.type, frame.id, frame.result])
    case FrameType.Error: return encoder.encode([frame.type, frame.id, frame.code, frame.message])
    case FrameType.Cancel: return encoder.encode([frame.type, frame.id])
    case FrameType.Large: return encoder.encode([frame.type, frame.id, frame.direction, frame.totalBytes])
    case FrameType.Hello:
      if (!frame.deviceKey) return encoder.encode([frame.type, frame.version, frame.publicKey, frame.nonce])
      return encoder.encode(frame.rotations !== undefined
        ? [frame.type, frame.version, frame.publicKey, frame.nonce, frame.deviceKey, frame.certificate ?? null, frame.rotations]
        : [frame.type, frame.version, frame.publicKey, frame.nonce, frame.deviceKey, frame.certificate ?? null])
    case FrameType.Auth: return encoder.encode([frame.type, frame.signature])
    case FrameType.Goodbye: return encoder.encode([frame.type, frame.reason])
  }
}

export function isChunkFrame (bytes: Uint8Array): boolean {
  return bytes.length >= CHUNK_HEADER_BYTES && bytes[0] === CHUNK_MARKER
}

export function encodeChunk (id: number, direction: Direction, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + bytes.length)
  const view = new DataView(out.buffer)
  out[0] = CHUNK_MARKER
  view.setUint32(1, id)
  out[5] = direction
  out.set(bytes, CHUNK_HEADER_BYTES)
  return out
}

export function decodeChunk (frame: Uint8Array): ChunkFrame {
  if (!isChunkFrame(frame)) throw new KithError('BAD_REQUEST', 'not a chunk frame')
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const direction = frame[5]
  if (direction !== 0 && direction !== 1) throw new KithError('BAD_REQUEST', 'bad chunk direction')
  return { id: view.getUint32(1), direction, bytes: frame.subarray(CHUNK_HEADER_BYTES) }
}

/** Deepest nesting a frame may have. The deepest real one (a page of items
 *  with their file fields, in a result map, in the frame) is 5 levels. */
export const MAX_FRAME_DEPTH = 32

/** Bytes of payload after each msgpack type byte that carries a fixed-size
 *  value (numbers, fixext), for tooDeep(). */
const FIXED: Record<number, number> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17
}

/**
 * True when msgpack bytes nest arrays or maps deeper than `max`. A walk over
 * the bytes that allocates nothing: decoding a frame of nested one-element
 * arrays costs the decoder many times what the same bytes cost as data, so
 * a peer could keep the tab busy with a stream of them. Truncated or invalid
 * bytes are left for the decoder to refuse (false).
 */
export function tooDeep (bytes: Uint8Array, max = MAX_FRAME_DEPTH): boolean {
  // remaining[d]: items still to read in the container at depth d (d = 0: the top value).
  const remaining: number[] = [1]
  let at = 0
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const len = (size: 1 | 2 | 4): number => {
    if (at + size > bytes.length) return -1
    const n = size === 1 ? bytes[at]! : size === 2 ? view.getUint16(at) : view.getUint32(at)
    at += size
    return n
  }
  while (remaining.length > 0) {
    if (remaining[remaining.length - 1] === 0) { remaining.pop(); continue }
    remaining[remaining.length - 1]!--
    if (at >= bytes.length) return false
    const t = bytes[at++]!
    let items = -1 // a container's item count, when t opens one
    let skip = 0
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) skip = 0
    else if (t <= 0x8f) items = (t & 0x0f) * 2
    else if (t <= 0x9f) items = t & 0x0f
    else if (t <= 0xbf) skip = t & 0x1f
    else if (t === 0xc4 || t === 0xd9) skip = len(1)
    else if (t === 0xc5 || t === 0xda) skip = len(2)
    else if (t === 0xc6 || t === 0xdb) skip = len(4)
    else if (t === 0xc7) skip = len(1) + 1
    else if (t === 0xc8) skip = len(2) + 1
    else if (t === 0xc9) skip = len(4) + 1
    else if (t === 0xdc) items = len(2)
    else if (t === 0xdd) items = len(4)
    else if (t === 0xde) items = len(2) * 2
    else if (t === 0xdf) items = len(4) * 2
    else if (FIXED[t] !== undefined) skip = FIXED[t]!
    else return false // 0xc1: never valid
    if (skip < 0 || items < -1 || (items === -1 && at + skip > bytes.length)) return false
    at += skip
    if (items > 0) {
      if (remaining.length > max) return true
      remaining.push(items)
    }
  }
  return false
}

const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff
const isBytes = (v: unknown, length: number): v is Uint8Array => v instanceof Uint8Array && v.length === length

/** Decodes and checks one msgpack frame; anything malformed is BAD_REQUEST. */
export function decodeFrame (bytes: Uint8Array, decoder: Decoder = defaultDecoder): Frame {
  if (tooDeep(bytes)) throw new KithError('BAD_REQUEST', 'a frame nested too deeply')
  let raw: unknown
  try {
    raw = decoder.decode(bytes)
  } catch {
    throw new KithError('BAD_REQUEST', 'undecodable frame')
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new KithError('BAD_REQUEST', 'a frame is a non-empty array')
  const [type, a, b, c] = raw as unknown[]
  switch (type) {
    case FrameType.Request:
      if (raw.length === 4 && isId(a) && typeof b === 'string' && b.length <= 64) return { type, id: a, method: b, params: c }
      break
    case FrameType.Result:
      if (raw.length === 3 && isId(a)) return { type, id: a, result: b }
      break
    case FrameType.Error:
      if (raw.length === 4 && isId(a)) return { type, id: a, code: b, message: c }
      break
    case FrameType.Cancel:
      if (raw.length === 2 && isId(a)) return { type, id: a }
      break
    case FrameType.Large:
      if (raw.length === 4 && isId(a) && (b === 0 || b === 1) && Number.isSafeInteger(c) && (c as number) > 0) {
        return { type, id: a, direction: b, totalBytes: c as number }
      }
      break
    case FrameType.Hello:
      if (raw.length === 4 && Number.isInteger(a) && isBytes(b, 32) && isBytes(c, 32)) return { type, version: a as number, publicKey: b, nonce: c }
      if (raw.length === 6 && Number.isInteger(a) && isBytes(b, 32) && isBytes(c, 32) && isBytes(raw[4], 32)) {
        return { type, version: a as number, publicKey: b, nonce: c, deviceKey: raw[4], certificate: raw[5] }
      }
      // Checked whole by the handshake (followRotations), which bounds its length.
      if (raw.length === 7 && Number.isInteger(a) && isBytes(b, 32) && isBytes(c, 32) && isBytes(raw[4], 32) && Array.isArray(raw[6])) {
        return { type, version: a as number, publicKey: b, nonce: c, deviceKey: raw[4], certificate: raw[5], rotations: raw[6] }
      }
      break
    case FrameType.Auth:
      if (raw.length === 2 && isBytes(a, 64)) return { type, signature: a }
      break
    case FrameType.Goodbye:
      if (raw.length === 2 && typeof a === 'string') return { type, reason: goodbyeReason(a) }
      break
  }
  // A request with a readable id gets a typed error back instead of silence.
  if (type === FrameType.Request && isId(a)) throw new KithError('BAD_REQUEST', `malformed request ${a}`)
  throw new KithError('BAD_REQUEST', 'malformed frame')
}

/** A peer's goodbye reason is shown to people (an error on a friend's page):
 *  one plain line of at most GOODBYE_REASON_CHARS, without control, format
 *  (bidi, zero-width) or line-separator characters that could reorder or
 *  break what is shown around it. */
const GOODBYE_REASON_CHARS = 300
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu

function goodbyeReason (raw: string): string {
  const plain = raw.slice(0, 4 * GOODBYE_REASON_CHARS).replace(UNSHOWABLE, ' ').replace(/\s+/g, ' ').trim()
  return [...plain].slice(0, GOODBYE_REASON_CHARS).join('')
}

/** The request id of a malformed request frame, if one can be read. */
export function salvageRequestId (bytes: Uint8Array, decoder: Decoder = defaultDecoder): number | null {
  // Not decoded a second time: a hostile frame costs its sender an answer, not us two decodes.
  if (tooDeep(bytes)) return null
  try {
    const raw = decoder.decode(bytes)
    if (Array.isArray(raw) && raw[0] === FrameType.Request && isId(raw[1])) return raw[1]
  } catch { /* undecodable: no id */ }
  return null
}

export function encodeValue (value: unknown): Uint8Array {
  return encoder.encode(value)
}
