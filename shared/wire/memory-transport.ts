// Two Transports joined in memory, for tests and for the shared contract
// suite. Delivery is asynchronous (a macrotask per frame) so bufferedAmount
// and drain() behave like a real channel under load.
import { KithError } from './errors'
import { TransportEvents, type SessionBinding, type Transport } from './transport'

export interface MemoryPairOptions {
  maxFrameSize?: number
  lowWaterMark?: number
  /** Fingerprints each side sees; tests override them to act as a tracker
   *  that rewrote the SDP in the middle. */
  bindings?: [SessionBinding, SessionBinding]
}

class MemoryTransport implements Transport {
  readonly binding: SessionBinding
  readonly maxFrameSize: number
  private readonly events = new TransportEvents()
  private readonly lowWaterMark: number
  private queued = 0
  private drainWaiters: Array<() => void> = []
  private isClosed = false
  peer!: MemoryTransport

  constructor (binding: SessionBinding, maxFrameSize: number, lowWaterMark: number) {
    this.binding = binding
    this.maxFrameSize = maxFrameSize
    this.lowWaterMark = lowWaterMark
  }

  get bufferedAmount (): number { return this.queued }
  get closed (): boolean { return this.isClosed }

  send (frame: Uint8Array): void {
    if (this.isClosed) throw new KithError('CLOSED', 'the connection is closed')
    if (frame.length > this.maxFrameSize) throw new KithError('TOO_LARGE', `frame of ${frame.length} bytes exceeds ${this.maxFrameSize}`)
    const copy = frame.slice()
    this.queued += copy.length
    setTimeout(() => {
      this.queued -= copy.length
      this.releaseDrainWaiters()
      if (!this.peer.isClosed) this.peer.events.emitMessage(copy)
    }, 0)
  }

  drain (): Promise<void> {
    if (this.queued <= this.lowWaterMark || this.isClosed) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  onMessage (listener: (frame: Uint8Array) => void): () => void { return this.events.onMessage(listener) }
  onClose (listener: (reason: string) => void): () => void { return this.events.onClose(listener) }

  close (reason = 'closed'): void {
    if (this.isClosed) return
    this.shutDown(reason)
    // Like a data channel, the other end notices shortly after.
    setTimeout(() => this.peer.shutDown('the other side closed the connection'), 0)
  }

  private shutDown (reason: string): void {
    if (this.isClosed) return
    this.isClosed = true
    this.releaseDrainWaiters(true)
    this.events.emitClose(reason)
  }

  private releaseDrainWaiters (all = false): void {
    if (!all && this.queued > this.lowWaterMark) return
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
  }
}

export function createMemoryTransportPair (opts: MemoryPairOptions = {}): [Transport, Transport] {
  const maxFrameSize = opts.maxFrameSize ?? 256 * 1024
  const lowWaterMark = opts.lowWaterMark ?? 256 * 1024
  const [bindingA, bindingB] = opts.bindings ?? [
    { role: 'offerer', localFingerprint: 'memory-fp-a', remoteFingerprint: 'memory-fp-b' },
    { role: 'answerer', localFingerprint: 'memory-fp-b', remoteFingerprint: 'memory-fp-a' }
  ]
  const a = new MemoryTransport(bindingA, maxFrameSize, lowWaterMark)
  const b = new MemoryTransport(bindingB, maxFrameSize, lowWaterMark)
  a.peer = b
  b.peer = a
  return [a, b]
}
