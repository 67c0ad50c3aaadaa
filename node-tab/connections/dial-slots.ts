// Caps how many background dials run at once. Each dial holds a tracker pool
// and a few RTCPeerConnections while it searches; with 250 friends offline,
// unbounded notice delivery would open hundreds (Chromium caps a page at ~500).
export class DialSlots {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor (private readonly max: number) {}

  async run<T> (task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const go = (): void => { signal?.removeEventListener('abort', cancel); resolve() }
        const cancel = (): void => {
          const i = this.waiting.indexOf(go)
          if (i >= 0) this.waiting.splice(i, 1)
          reject(signal?.reason ?? new Error('cancelled'))
        }
        this.waiting.push(go)
        signal?.addEventListener('abort', cancel, { once: true })
      })
    } else {
      this.active++
    }
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next() // the slot passes straight to the next waiter
      else this.active--
    }
  }
}
