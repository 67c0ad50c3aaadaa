// A result whose bytes are produced piece by piece, only as the channel
// drains, so a large answer (a speed test, a file read from storage in
// chunks) is never held whole in memory. A handler returns one in place of a
// Uint8Array (as the result itself or as one property of a result object);
// the RPC layer sends exactly the bytes msgpack would have sent for the whole
// array, so the receiver assembles the very same result and callers see the
// same shape. Nothing on the wire changes.

const BRAND: unique symbol = Symbol('kith.byteStream')

export interface ByteStream {
  readonly [BRAND]: true
  /** Exactly how many bytes pull() will produce in all. */
  readonly totalBytes: number
  /** The next bytes. `wanted` is how many fit in the chunk being filled:
   *  a source should return at most `room` (at least `wanted`; more than
   *  `wanted` only when it asked for `readBytes` and the byte budgets had
   *  that room, already counted). More still is accepted, and held and
   *  counted until sent. Called only after the previous piece went out. */
  pull: (wanted: number, room: number) => Uint8Array | Promise<Uint8Array>
  /** Called once when the stream ends for any reason (sent, refused,
   *  cancelled, closed), so a source can let go of storage cursors. */
  close?: () => void
  /** How many bytes the source would rather read at once (a piece as
   *  stored): each storage read costs a round trip to the browser's storage
   *  whatever its size, so one read per stored piece rather than one per
   *  chunk. Given as `room` only while the byte budgets can hold it. */
  readonly readBytes?: number
}

export function byteStream (totalBytes: number, pull: ByteStream['pull'], close?: () => void, opts: { readBytes?: number } = {}): ByteStream {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) throw new RangeError('totalBytes must be a whole number of bytes')
  return { [BRAND]: true, totalBytes, pull, close, readBytes: opts.readBytes }
}

export function isByteStream (value: unknown): value is ByteStream {
  return typeof value === 'object' && value !== null && (value as Partial<ByteStream>)[BRAND] === true
}

/** A handler may answer a ByteStream wherever its result has bytes at the top
 *  level or in a top-level property. */
export type MaybeStreamed<T> = T extends Uint8Array
  ? T | ByteStream
  : T extends object ? T | { [K in keyof T]: T[K] extends Uint8Array ? T[K] | ByteStream : T[K] } : T

// One shared block of zeros: zero streams hand out views of it, so a 16 MiB
// speed-test answer costs no allocation beyond the chunk frames.
const ZEROS = new Uint8Array(256 * 1024)

/** `totalBytes` zero bytes, made as they are sent (the ping speed test). */
export function zeroStream (totalBytes: number): ByteStream {
  let left = totalBytes
  return byteStream(totalBytes, (wanted) => {
    const n = Math.min(left, wanted, ZEROS.length)
    left -= n
    return ZEROS.subarray(0, n)
  })
}
