// A streamed answer's bytes as the chunk sender asks for them: the frame's
// head, the stream's own bytes as its source produces them, the tail. What
// is held in memory meanwhile counts against the byte budgets, and is given
// back as soon as the next piece is asked for (the previous one has gone out).
//
// A source that would rather read more than a chunk at once (a stored
// piece, ByteStream.readBytes) gets that room from separate, smaller read
// budgets: reading ahead never takes room an answer needs to be admitted,
// and when they are full the source reads a chunk at a time, as before.
import { KithError } from './errors'
import { takeAll, type ByteBudget } from './byte-budget'
import type { StreamedResult } from './streamed-result'

export class StreamedPieces {
  private held = 0
  /** What stays held for the whole answer: the chunk being filled. */
  private base = 0
  /** Room taken from the read budgets for the piece being sent. */
  private readHeld = 0
  private left: number
  private stage: 'head' | 'body' | 'tail' | 'done' = 'head'

  constructor (
    private readonly streamed: StreamedResult,
    private readonly budgets: ByteBudget[],
    private readonly signal: AbortSignal,
    private readonly readBudgets: ByteBudget[] = []
  ) {
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
    this.letGoOfSent()
    switch (this.stage) {
      case 'head': this.stage = this.left > 0 ? 'body' : 'tail'; return this.streamed.head
      case 'tail': this.stage = 'done'; return this.streamed.tail
      case 'done': return null
    }
    const want = Math.min(wanted, this.left)
    const room = want + this.readRoom(want)
    // A source stuck in a pull must not keep its budget once the caller is gone.
    const piece = await untilAborted(this.streamed.stream.pull(want, room), this.signal)
    if (!(piece instanceof Uint8Array) || piece.length === 0 || piece.length > this.left) {
      throw new KithError('INTERNAL', 'a streamed answer did not produce the bytes it announced')
    }
    this.left -= piece.length
    if (this.left === 0) this.stage = 'tail'
    // What the piece holds beyond the chunk waits in memory until sent:
    // counted in the read room taken for it (what it did not use goes back
    // at once) or, for a source that returned more than it was given, in
    // the budgets, over their limit.
    const over = Math.max(0, piece.length - want)
    if (this.readHeld > over) this.giveRead(this.readHeld - over)
    if (over > this.readHeld) this.hold(over - this.readHeld, true)
    return piece
  }

  /** Room beyond the chunk for the source's preferred read, if the read
   *  budgets can hold it now (taken from them); else none. */
  private readRoom (want: number): number {
    const extra = Math.min(this.streamed.stream.readBytes ?? 0, this.left) - want
    if (extra <= 0 || this.readBudgets.length === 0 || !takeAll(this.readBudgets, extra)) return 0
    this.readHeld = extra
    return extra
  }

  /** The previous piece has gone out: what was held for it goes back. */
  private letGoOfSent (): void {
    if (this.held > this.base) { for (const b of this.budgets) b.release(this.held - this.base); this.held = this.base }
    this.giveRead(this.readHeld)
  }

  private giveRead (bytes: number): void {
    for (const b of this.readBudgets) b.release(bytes)
    this.readHeld -= bytes
  }

  /** Gives back every byte held and lets the source go. */
  close (): void {
    for (const b of this.budgets) b.release(this.held)
    this.held = 0
    this.giveRead(this.readHeld)
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
