// A hand-driven peer for unit tests: speaks raw frames on one end of a
// transport pair, to play a broken, replaying or hostile peer.
import { decodeChunk, decodeFrame, encodeFrame, isChunkFrame, type ChunkFrame, type Frame } from '../../shared/wire/codec'
import type { Transport } from '../../shared/wire/transport'

export class RawPeer {
  private readonly queue: Array<Frame | ChunkFrame> = []
  /** Every frame received, in order, as raw bytes (for capture and replay). */
  readonly received: Uint8Array[] = []

  constructor (readonly transport: Transport) {
    transport.onMessage((bytes) => {
      this.received.push(bytes)
      this.queue.push(isChunkFrame(bytes) ? decodeChunk(bytes) : decodeFrame(bytes))
    })
  }

  send (frame: Frame | Uint8Array): void {
    this.transport.send(frame instanceof Uint8Array ? frame : encodeFrame(frame))
  }

  /** The next frame received; throws if none arrives within `ms`. */
  async next (ms = 1000): Promise<Frame | ChunkFrame> {
    const end = Date.now() + ms
    while (this.queue.length === 0) {
      if (Date.now() > end) throw new Error('no frame arrived')
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    return this.queue.shift()!
  }

  /** Frames received but not yet taken with next(). */
  get pending (): number { return this.queue.length }
}
