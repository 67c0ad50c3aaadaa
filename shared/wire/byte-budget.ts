// A count of bytes held for answers that are not yet handed to the transport
// (encoded results waiting to go out in chunks, stream chunks being filled),
// against a limit. One budget per peer bounds what a single peer can make us
// hold; one shared by every session of a node bounds the whole node, so
// memory stays flat whatever many peers ask at once.
export class ByteBudget {
  private heldBytes = 0

  constructor (readonly limitBytes: number) {}

  get held (): number { return this.heldBytes }

  /** Takes `bytes` if they fit under the limit; false (nothing taken) otherwise. */
  tryTake (bytes: number): boolean {
    if (this.heldBytes + bytes > this.limitBytes) return false
    this.heldBytes += bytes
    return true
  }

  /** Takes `bytes` even over the limit: for a piece already in memory (a
   *  source that returned more than it was asked for). */
  force (bytes: number): void {
    this.heldBytes += bytes
  }

  release (bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes)
  }
}

/** Takes from every budget or from none. */
export function takeAll (budgets: ByteBudget[], bytes: number): boolean {
  for (let i = 0; i < budgets.length; i++) {
    if (budgets[i]!.tryTake(bytes)) continue
    for (let j = 0; j < i; j++) budgets[j]!.release(bytes)
    return false
  }
  return true
}
