// Reading something an element shows whenever it may have changed, one read
// at a time: asked again during a read, it reads once more after it, however
// many times it was asked (a burst of changes costs one more read).
export class LoadLoop {
  private running = false
  private again = false

  /** `loadOnce` returning false ends the loop early: nothing to read from now. */
  constructor (private readonly loadOnce: () => Promise<boolean | void>) {}

  async request (): Promise<void> {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    try {
      do {
        this.again = false
        if (await this.loadOnce() === false) break
      } while (this.again)
    } finally {
      this.running = false
    }
  }
}
