// A streamed answer's bytes as the chunk sender asks for them: the frame's
// head, the stream's own bytes as its source produces them, the tail. What
// is held in memory meanwhile counts against the byte budgets, and is given
// back as soon as the next piece is asked for (the previous one has gone out).
import { KithError } from './errors'
import { takeAll, type ByteBudget } from './byte-budget'
import type { StreamedResult } from './streamed-result'

export class StreamedPieces {
  private held = 0
  /** What stays held for the whole answer: the chunk being filled. */
  private base = 0
  private left: number
  private stage: 'head' | 'body' | 'tail' | 'done' = 'head'

  constructor (private readonly streamed: StreamedResult, private readonly budgets: ByteBudget[], private readonly signal: AbortSignal) {
    this.left = streamed.stream.totalBytes
  }

  /** Holds the chunk being filled, for the whole answer; false when the budgets have no room. */
  admit (bytes: number): boolean {
    if (!this.hold(bytes)) return false
    this.base = this.held
    return true
  }

  /** The next piece, at most about `wanted` bytes; null once the tail went. */
  readonly next = async (wanted: number): Promise<Uint8Array | null> => {
    if (this.held > this.base) { for (const b of this.budgets) b.release(this.held - this.base); this.held = this.base }
    switch (this.stage) {
      case 'head': this.stage = this.left > 0 ? 'body' : 'tail'; return this.streamed.head
      case 'tail': this.stage = 'done'; return this.streamed.tail
      case 'done': return null
    }
    const want = Math.min(wanted, this.left)
    const room = this.roomFor(want)
    // A source stuck in a pull must not keep its budget once the caller is gone.
    const piece = await untilAborted(this.streamed.stream.pull(want, room), this.signal)
    if (!(piece instanceof Uint8Array) || piece.length === 0 || piece.length > this.left) {
      throw new KithError('INTERNAL', 'a streamed answer did not produce the bytes it announced')
    }
    this.left -= piece.length
    if (this.left === 0) this.stage = 'tail'
    // What the piece holds beyond the chunk waits in memory until sent:
    // counted, from the room taken for it (the rest goes back at once) or,
    // for a source that returned more than it was given, over the limit.
    const over = Math.max(0, piece.length - want)
    const reserved = room - want
    if (reserved > over) this.give(reserved - over)
    else if (over > reserved) this.hold(over - reserved, true)
    return piece
  }

  /** Room for the next pull: the source's preferred read if the budgets
   *  can hold it now (taken from them), else the chunk's room alone, so a
   *  busy node still serves every stream a chunk at a time. */
  private roomFor (want: number): number {
    const read = Math.min(this.streamed.stream.readBytes ?? 0, this.left)
    return read > want && this.hold(read - want) ? read : want
  }

  private give (bytes: number): void {
    for (const b of this.budgets) b.release(bytes)
    this.held -= bytes
  }

  /** Gives back every byte held and lets the source go. */
  close (): void {
    for (const b of this.budgets) b.release(this.held)
    try { this.streamed.stream.close?.() } catch { /* the source's own trouble */ }
  }

  private hold (bytes: number, force = false): boolean {
    if (force) { for (const b of this.budgets) b.force(bytes) } else if (!takeAll(this.budgets, bytes)) return false
    this.held += bytes
    return true
  }
}

/** The promise's value, or a CANCELLED rejection as soon as the signal aborts. */
function untilAborted<T> (value: T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value)
  if (signal.aborted) return Promise.reject(new KithError('CANCELLED', 'cancelled'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new KithError('CANCELLED', 'cancelled'))
    signal.addEventListener('abort', onAbort, { once: true })
    value.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
