// One tracker, one socket at a time: connects, keeps the pool's swarms joined
// on it, relays offers and answers, and reconnects with backoff when it fails.
// It knows nothing of the other trackers, so a dead one cannot stall them.
import type { SignalEnvelope, TrackerState, TrackerStatus } from './tracker-client'
import { announceMessage, answerMessage, parseTrackerMessage, type OfferToSend } from './tracker-messages'

/** WebSocket.OPEN; the global may be missing when a socket factory is injected. */
const OPEN = 1
/** Until the tracker says otherwise (a stock server says 120 s). */
const DEFAULT_INTERVAL_MS = 120_000

export interface ConnectionSettings {
  peerId: string
  createSocket: (url: string) => WebSocket
  minBackoffMs: number
  maxBackoffMs: number
  random: () => number
  minAnnounceIntervalMs: number
  maxAnnounceIntervalMs: number
  connectTimeoutMs: number
  responseTimeoutMs: number
  stableAfterMs: number
}

export interface ConnectionHooks {
  /** The pool's joined swarms: re-announced on every (re)connect and refresh. */
  swarms: ReadonlySet<string>
  onSignal: (kind: 'offer' | 'answer', envelope: SignalEnvelope) => void
  onChange: () => void
}

type Timer = ReturnType<typeof setTimeout>

/**
 * Delay before the next attempt after `failures` failures in a row: an
 * exponentially growing ceiling with the delay drawn at random between the
 * minimum and that ceiling, so clients that lost the same tracker at the same
 * moment do not all come back at once.
 */
export function backoffDelay (failures: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(failures + 1, 30))
  const raw = random()
  const r = raw > 0 ? Math.min(raw, 1) : 0 // a bad random source (NaN, out of range) must not break the bounds
  return Math.round(minMs + r * (ceiling - minMs))
}

export class TrackerConnection {
  private state: TrackerState = 'connecting'
  private lastError: string | undefined
  private nextRetryAt: number | undefined
  private socket: WebSocket | null = null
  /** Swarms announced with event 'started' on the current socket. */
  private readonly started = new Set<string>()
  private failures = 0
  private openedAt = 0
  private intervalMs: number
  private connectTimer: Timer | undefined
  private retryTimer: Timer | undefined
  private refreshTimer: Timer | undefined
  private responseTimer: Timer | undefined

  constructor (readonly url: string, private readonly settings: ConnectionSettings, private readonly hooks: ConnectionHooks) {
    this.intervalMs = this.clampInterval(DEFAULT_INTERVAL_MS)
  }

  start (): void {
    if (this.state === 'connecting' && !this.socket) this.connect()
  }

  status (): TrackerStatus {
    const s: TrackerStatus = { url: this.url, state: this.state }
    if (this.lastError !== undefined) s.lastError = this.lastError
    if (this.nextRetryAt !== undefined) s.nextRetryAt = this.nextRetryAt
    return s
  }

  /** Joins or refreshes a swarm; skipped unless open (the next connect re-joins). */
  announce (infoHash: string, offers?: readonly OfferToSend[]): void {
    if (!this.isOpen()) return
    const event = this.started.has(infoHash) ? undefined : 'started'
    this.started.add(infoHash)
    this.send(announceMessage({ infoHash, peerId: this.settings.peerId, event, offers }), true)
  }

  answer (infoHash: string, toPeerId: string, offerId: string, payload: string): void {
    // The server sends nothing back for an answer, so expect no response.
    this.send(answerMessage({ infoHash, peerId: this.settings.peerId, toPeerId, offerId, payload }), false)
  }

  leave (infoHash: string): void {
    // Not joined on this socket (or no socket): the tracker already forgot us.
    if (!this.isOpen() || !this.started.delete(infoHash)) return
    this.send(announceMessage({ infoHash, peerId: this.settings.peerId, event: 'stopped' }), true)
  }

  close (): void {
    if (this.state === 'closed') return
    this.dropSocket()
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.nextRetryAt = undefined
    this.setState('closed')
  }

  private isOpen (): boolean {
    return this.state === 'open' && this.socket?.readyState === OPEN
  }

  private connect (): void {
    this.retryTimer = undefined
    this.nextRetryAt = undefined
    this.setState('connecting')
    let socket: WebSocket
    try {
      socket = this.settings.createSocket(this.url)
    } catch (err) {
      // e.g. a malformed URL: treat like any failed attempt, so it is retried slowly.
      this.lost(`cannot connect: ${errorText(err)}`)
      return
    }
    this.socket = socket
    socket.onopen = () => this.opened()
    socket.onmessage = (ev) => this.received(ev.data)
    socket.onerror = (ev) => this.lost(errorText(ev))
    socket.onclose = (ev) => this.lost(`connection closed (code ${ev.code})`)
    // A black-holed host can leave a socket "connecting" for minutes.
    this.connectTimer = setTimeout(() => this.lost('connection timed out'), this.settings.connectTimeoutMs)
  }

  private opened (): void {
    clearTimeout(this.connectTimer)
    this.connectTimer = undefined
    this.openedAt = Date.now()
    this.lastError = undefined
    this.setState('open')
    for (const infoHash of this.hooks.swarms) this.announce(infoHash)
    if (this.isOpen()) this.scheduleRefresh() // a failed send may have dropped the socket already
  }

  private received (data: unknown): void {
    const msg = parseTrackerMessage(data)
    if (!msg) return
    // Any well-formed message shows the tracker is still there.
    clearTimeout(this.responseTimer)
    this.responseTimer = undefined
    switch (msg.kind) {
      case 'failure':
        // The tracker refused one request; the connection itself still works.
        this.lastError = `tracker: ${msg.reason}`
        this.hooks.onChange()
        return
      case 'response':
        if (msg.intervalSec !== undefined) this.setInterval(msg.intervalSec * 1000)
        return
      case 'offer':
      case 'answer':
        // Our own offers can come back if the tracker misbehaves; swarms we
        // never joined or have left are none of our business.
        if (msg.peerId === this.settings.peerId || !this.hooks.swarms.has(msg.infoHash)) return
        this.hooks.onSignal(msg.kind, {
          infoHash: msg.infoHash,
          fromPeerId: msg.peerId,
          offerId: msg.offerId,
          payload: msg.payload,
          trackerUrl: this.url
        })
    }
  }

  private send (text: string, expectsResponse: boolean): void {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) return
    try {
      socket.send(text)
    } catch (err) {
      this.lost(`send failed: ${errorText(err)}`)
      return
    }
    // A half-open connection (sleep, network change) can look open for minutes;
    // a tracker that stops answering announces is treated as gone.
    if (expectsResponse && this.responseTimer === undefined) {
      this.responseTimer = setTimeout(() => this.lost('tracker stopped responding'), this.settings.responseTimeoutMs)
    }
  }

  private setInterval (ms: number): void {
    const clamped = this.clampInterval(ms)
    if (clamped === this.intervalMs) return
    this.intervalMs = clamped
    if (this.isOpen()) this.scheduleRefresh()
  }

  /** A tracker decides the refresh rate, within bounds: too often would let it
   *  make us spin, too rarely would let its peer cache forget us. */
  private clampInterval (ms: number): number {
    return Math.min(Math.max(ms, this.settings.minAnnounceIntervalMs), this.settings.maxAnnounceIntervalMs)
  }

  private scheduleRefresh (): void {
    clearTimeout(this.refreshTimer)
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      for (const infoHash of this.hooks.swarms) this.announce(infoHash)
      if (this.isOpen()) this.scheduleRefresh()
    }, this.intervalMs)
  }

  /** The socket failed or closed: wait, then try again. */
  private lost (reason: string): void {
    if (this.state === 'closed') return
    // Only a connection that stayed up for a while proves the tracker healthy;
    // one that opens and drops at once must keep backing off.
    const wasStable = this.openedAt > 0 && Date.now() - this.openedAt >= this.settings.stableAfterMs
    this.dropSocket()
    if (wasStable) this.failures = 0
    const { minBackoffMs, maxBackoffMs, random } = this.settings
    const delay = backoffDelay(this.failures, minBackoffMs, maxBackoffMs, random)
    this.failures++
    this.lastError = reason
    this.nextRetryAt = Date.now() + delay
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connect(), delay)
    this.setState('backoff')
  }

  private dropSocket (): void {
    for (const timer of [this.connectTimer, this.refreshTimer, this.responseTimer]) clearTimeout(timer)
    this.connectTimer = this.refreshTimer = this.responseTimer = undefined
    this.started.clear()
    this.openedAt = 0
    const socket = this.socket
    this.socket = null
    if (!socket) return
    // No-ops rather than null: the `ws` package throws on an 'error' event
    // nobody listens to, and closing a connecting socket emits one.
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = noop
    try {
      socket.close()
    } catch {
      // Already closing; nothing more to do.
    }
  }

  private setState (state: TrackerState): void {
    if (this.state === state) return
    this.state = state
    this.hooks.onChange()
  }
}

function noop (): void {}

function errorText (err: unknown): string {
  if (err instanceof Error) return err.message
  // A browser's socket error event carries no detail; ws's carries a message.
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string' && err.message) return err.message
  return 'connection error'
}
