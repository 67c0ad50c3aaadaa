// Encodes a result frame that holds a ByteStream without producing the
// stream's bytes: the frame is encoded with a random placeholder in the
// stream's place, then split around it. What goes on the wire is prefix,
// a msgpack bin header for totalBytes, the streamed bytes, suffix: byte for
// byte what encoding the whole Uint8Array would have given.
import { encodeFrame, FrameType } from './codec'
import { isByteStream, type ByteStream } from './byte-stream'
import { KithError } from './errors'

export interface StreamedResult {
  stream: ByteStream
  /** The frame's bytes up to and including the bin header of the stream. */
  head: Uint8Array
  /** The frame's bytes after the stream's bytes. */
  tail: Uint8Array
  totalBytes: number
}

const PLACEHOLDER_BYTES = 16
// A fresh random placeholder per process: a result cannot contain it by chance
// (2^-128), and a peer cannot plant it because it never sees it.
const placeholder = globalThis.crypto.getRandomValues(new Uint8Array(PLACEHOLDER_BYTES))
const encodedPlaceholder = Uint8Array.of(0xc4, PLACEHOLDER_BYTES, ...placeholder)

/** The stream in a handler's result (the result itself, or one top-level
 *  property), with the result rebuilt around a placeholder; null if none. */
function withPlaceholder (result: unknown): { stream: ByteStream, value: unknown } | null {
  if (isByteStream(result)) return { stream: result, value: placeholder }
  if (typeof result !== 'object' || result === null || Array.isArray(result) || result instanceof Uint8Array) return null
  let found: { stream: ByteStream, value: unknown } | null = null
  for (const [k, v] of Object.entries(result)) {
    if (!isByteStream(v)) continue
    if (found) throw new KithError('INTERNAL', 'a result may stream one byte array')
    const copy: Record<string, unknown> = { ...result }
    copy[k] = placeholder
    found = { stream: v, value: copy }
  }
  return found
}

function binHeader (n: number): Uint8Array {
  if (n <= 0xff) return Uint8Array.of(0xc4, n)
  if (n <= 0xffff) return Uint8Array.of(0xc5, n >>> 8, n & 0xff)
  return Uint8Array.of(0xc6, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
}

function lastIndexOf (haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

export function encodeStreamedResult (id: number, result: unknown): StreamedResult | null {
  const found = withPlaceholder(result)
  if (!found) return null
  const frame = encodeFrame({ type: FrameType.Result, id, result: found.value })
  const at = lastIndexOf(frame, encodedPlaceholder)
  if (at < 0) throw new KithError('INTERNAL', 'streamed result could not be encoded')
  const header = binHeader(found.stream.totalBytes)
  const head = new Uint8Array(at + header.length)
  head.set(frame.subarray(0, at))
  head.set(header, at)
  const tail = frame.slice(at + encodedPlaceholder.length)
  return { stream: found.stream, head, tail, totalBytes: head.length + found.stream.totalBytes + tail.length }
}
