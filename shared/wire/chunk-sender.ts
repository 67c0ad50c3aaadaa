// Sends one large message as a Large header and chunk frames, with
// back-pressure. Bytes come from `next`, piece by piece, and are packed into
// full chunks; `next` is called again only once the previous piece is in the
// transport, so a streaming source is never asked ahead of the channel.
//
// Speed matters here (the bulk-transfer benchmark): one frame buffer per
// message is reused (Transport.send copies), and bufferedAmount is read once
// per chunk, waiting on the transport's low-water event rather than polling.
import { CHUNK_HEADER_BYTES, CHUNK_MARKER, encodeFrame, FrameType, type Direction } from './codec'
import type { Transport } from './transport'

/** The next piece of the message (at most `wanted` bytes fit in the chunk
 *  being filled; more is packed into the following ones), or null at the end. */
export type NextPiece = (wanted: number) => Uint8Array | null | Promise<Uint8Array | null>

export class ChunkSender {
  constructor (
    private readonly transport: Transport,
    private readonly chunkBytes: number,
    private readonly highWaterMark: number
  ) {}

  /** Resolves true once every byte was handed over, false if `stop` said so first. */
  async send (id: number, direction: Direction, totalBytes: number, next: NextPiece, stop: () => boolean): Promise<boolean> {
    this.transport.send(encodeFrame({ type: FrameType.Large, id, direction, totalBytes }))
    const frame = new Uint8Array(CHUNK_HEADER_BYTES + Math.min(this.chunkBytes, totalBytes))
    frame[0] = CHUNK_MARKER
    new DataView(frame.buffer).setUint32(1, id)
    frame[5] = direction
    let fill = CHUNK_HEADER_BYTES
    for (let piece = await next(frame.length - fill); piece !== null; piece = await next(frame.length - fill)) {
      let offset = 0
      while (offset < piece.length) {
        const n = Math.min(piece.length - offset, frame.length - fill)
        frame.set(n === piece.length ? piece : piece.subarray(offset, offset + n), fill)
        fill += n
        offset += n
        if (fill < frame.length) continue
        if (!await this.flush(frame, stop)) return false
        fill = CHUNK_HEADER_BYTES
      }
    }
    return fill === CHUNK_HEADER_BYTES || await this.flush(frame.subarray(0, fill), stop)
  }

  /** Waits while the transport holds more than the high-water mark, then hands
   *  the chunk over in the same turn as the check, so several senders sharing
   *  the transport overshoot it by one chunk at most. */
  private async flush (frame: Uint8Array, stop: () => boolean): Promise<boolean> {
    while (this.transport.bufferedAmount > this.highWaterMark) {
      if (stop()) return false
      await this.transport.drain()
      // A transport whose low-water mark is above our high-water mark would
      // resolve drain() at once: give its buffer a turn to empty instead of spinning.
      if (this.transport.bufferedAmount > this.highWaterMark) await new Promise((resolve) => setTimeout(resolve, 0))
    }
    if (stop()) return false
    this.transport.send(frame)
    return true
  }
}
