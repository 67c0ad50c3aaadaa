// Web Locks for one browser profile, in memory (Node has none): one
// exclusive lock at a time, granted in order; `signal` stops a request that
// waits, `steal` takes the lock, `query` says who holds it. `grantDelayMs`
// stands for a busy device: the lock is the requester's at once, but its
// page hears so only that much later.
interface Request {
  callback: LockGrantedCallback<unknown>
  resolve: (v: unknown) => void
  reject: (err: unknown) => void
  signal: AbortSignal | undefined
}

const abortError = (): DOMException => new DOMException('The request was aborted.', 'AbortError')

export class FakeLocks {
  private holder: Request | null = null
  private readonly queue: Request[] = []
  private paused = false

  constructor (private readonly grantDelayMs = 0) {}

  /** Whether a page holds the lock (or was granted it and is not told yet). */
  get held (): boolean { return this.holder !== null }

  /** Requests still waiting. */
  get waiting (): number { return this.queue.length }

  async query (): Promise<LockManagerSnapshot> {
    const info = (): LockInfo => ({ name: 'kith-node', mode: 'exclusive', clientId: 'a-tab' })
    return { held: this.holder ? [info()] : [], pending: this.queue.map(info) }
  }

  request (_name: string, options: LockOptions, callback: LockGrantedCallback<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: Request = { callback, resolve, reject, signal: options.signal }
      if (options.steal === true) {
        this.holder?.reject(abortError())
        this.holder = null
        this.grant(request)
        return
      }
      if (options.signal?.aborted === true) { reject(abortError()); return }
      options.signal?.addEventListener('abort', () => {
        const at = this.queue.indexOf(request)
        if (at >= 0) { this.queue.splice(at, 1); reject(abortError()) }
      }, { once: true })
      this.queue.push(request)
      this.next()
    })
  }

  /** Grants nothing until the returned function is called: a browser busy
   *  elsewhere, with the lock free and nobody holding it. */
  holdQueue (): () => void {
    this.paused = true
    return () => { this.paused = false; this.next() }
  }

  private next (): void {
    if (!this.paused && this.holder === null && this.queue.length > 0) this.grant(this.queue.shift()!)
  }

  private grant (request: Request): void {
    this.holder = request
    const letGo = (): void => {
      if (this.holder !== request) return
      this.holder = null
      this.next()
    }
    setTimeout(() => {
      if (this.holder !== request) return // stolen meanwhile
      // Aborted before the page heard: the page never gets it (as in Chromium).
      if (request.signal?.aborted === true) { request.reject(abortError()); letGo(); return }
      Promise.resolve(request.callback(null)).then((v) => { letGo(); request.resolve(v) }, (err: unknown) => { letGo(); request.reject(err) })
    }, this.grantDelayMs)
  }
}
