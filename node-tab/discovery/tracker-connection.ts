// One tracker, one socket at a time: connects, keeps the pool's swarms joined
// on it, relays offers and answers, and reconnects with backoff when it fails.
// It knows nothing of the other trackers, so a dead one cannot stall them.
import type { ConnectionHooks, ConnectionSettings, TrackerHealth, TrackerState, TrackerStatus } from './tracker-types'
import { backoffDelay } from './backoff'
import { announceMessage, answerMessage, fitsTracker, MAX_OFFERS_PER_ANNOUNCE, parseTrackerMessage, type OfferToSend } from './tracker-messages'

/** WebSocket.OPEN; the global may be missing when a socket factory is injected. */
const OPEN = 1
/** Until the tracker says otherwise (a stock server says 120 s). */
const DEFAULT_INTERVAL_MS = 120_000
/** An announce answered later than this on average marks the tracker slow:
 *  a dial waits 4 s for its first answer, and every offer makes two trips. */
export const SLOW_RESPONSE_MS = 1_500
/** Connections in a row that ended before they were stable: "keeps dropping". */
const DROPS_TO_FLAG = 2

type Timer = ReturnType<typeof setTimeout>

export class TrackerConnection {
  private state: TrackerState = 'connecting'
  private lastError: string | undefined
  private nextRetryAt: number | undefined
  private socket: WebSocket | null = null
  /** Swarms announced on the current socket, with when they were last
   *  announced: a strict tracker (Aquatic) drops a socket that re-announces a
   *  swarm sooner than its `interval`, except to dial (with offers). */
  private readonly started = new Map<string, number>()
  /** When each announce still waiting for its response went out, oldest first. */
  private readonly awaiting: number[] = []
  /** Smoothed response time of announces; undefined until one came back. */
  private latencyMs: number | undefined
  /** Connections in a row that dropped before they were stable. */
  private shortLived = 0
  private failures = 0
  private lastRecheckAt = -Infinity
  private openedAt = 0
  /** The peer id of the current socket. The first socket uses the pool's;
   *  every later one a fresh random id: a tracker (bittorrent-tracker's
   *  server) that still holds our dead socket keeps relaying offers for our
   *  old peer id to it, even after the same id announces again on a new
   *  socket, and when that dead socket finally closes it removes the id from
   *  every swarm, the new socket's entry included. A new id is a new peer,
   *  so the new socket is reachable at once. */
  private peerId: string
  private connects = 0
  private intervalMs: number
  private connectTimer: Timer | undefined
  private retryTimer: Timer | undefined
  private refreshTimer: Timer | undefined
  private responseTimer: Timer | undefined
  private stableTimer: Timer | undefined

  constructor (readonly url: string, private readonly settings: ConnectionSettings, private readonly hooks: ConnectionHooks) {
    this.intervalMs = this.clampInterval(DEFAULT_INTERVAL_MS)
    this.peerId = settings.peerId
  }

  start (): void {
    if (this.state === 'connecting' && !this.socket) this.connect()
  }

  status (): TrackerStatus {
    const s: TrackerStatus = { url: this.url, state: this.state, health: this.health() }
    if (this.lastError !== undefined) s.lastError = this.lastError
    if (this.nextRetryAt !== undefined) s.nextRetryAt = this.nextRetryAt
    if (this.latencyMs !== undefined) s.responseMs = Math.round(this.latencyMs)
    return s
  }

  /** The one-word verdict the owner sees; worst first. */
  private health (): TrackerHealth {
    const stableNow = this.isOpen() && Date.now() - this.openedAt >= this.settings.stableAfterMs
    if (this.shortLived >= DROPS_TO_FLAG && !stableNow) return 'keeps-dropping'
    if (this.state === 'backoff' || this.state === 'closed') return 'unreachable'
    if (this.state === 'connecting') return 'connecting'
    if (this.latencyMs !== undefined && this.latencyMs > SLOW_RESPONSE_MS) return 'slow'
    if (this.hooks.relays?.verdict(this.url) === 'not-relaying') return 'not-relaying'
    return 'working'
  }

  /** Joins or refreshes a swarm; skipped unless open (the next connect re-joins).
   *  Without offers, a swarm already announced on this socket is announced
   *  again only once its interval has passed; with offers (to dial) at once. */
  announce (infoHash: string, offers?: readonly OfferToSend[]): void {
    if (!this.isOpen()) return
    const last = this.started.get(infoHash)
    const now = Date.now()
    if ((offers === undefined || offers.length === 0) && last !== undefined && now - last < this.intervalMs - TIMER_SLACK_MS) return
    let event: 'started' | undefined = last === undefined ? 'started' : undefined
    this.started.set(infoHash, now)
    const send = (group: readonly OfferToSend[] | undefined): void => {
      const text = announceMessage({ infoHash, peerId: this.peerId, event, offers: group })
      if (!fitsTracker(text)) {
        // Halve until each message fits; a single offer that does not fit
        // is far larger than any real SDP and is dropped.
        if (group && group.length > 1) {
          const half = Math.ceil(group.length / 2)
          send(group.slice(0, half))
          send(group.slice(half))
        } else console.warn(`[kith] an offer too large for ${this.url} was not sent`)
        return
      }
      event = undefined
      this.send(text, true)
    }
    const all = offers ?? []
    if (all.length === 0) send(undefined)
    for (let i = 0; i < all.length; i += MAX_OFFERS_PER_ANNOUNCE) send(all.slice(i, i + MAX_OFFERS_PER_ANNOUNCE))
  }

  answer (infoHash: string, toPeerId: string, offerId: string, payload: string): void {
    const text = answerMessage({ infoHash, peerId: this.peerId, toPeerId, offerId, payload })
    if (!fitsTracker(text)) return void console.warn(`[kith] an answer too large for ${this.url} was not sent`)
    // The server sends nothing back for an answer, so expect no response.
    this.send(text, false)
  }

  leave (infoHash: string): void {
    // Not joined on this socket (or no socket): the tracker already forgot us.
    if (!this.isOpen() || !this.started.delete(infoHash)) return
    this.send(announceMessage({ infoHash, peerId: this.peerId, event: 'stopped' }), true)
  }

  /** The network may have changed (back online, woke from sleep, a session
   *  to a peer broke): a socket that looks open may be dead without knowing
   *  it, and one waiting out its backoff may now get through. An open socket
   *  is probed (a throwaway swarm joined and left: a first announce in a swarm
   *  is something even a strict tracker accepts) and dropped if the probe goes
   *  unanswered; one in backoff reconnects at once, with its backoff reset. */
  recheck (): void {
    const now = Date.now()
    if (now - this.lastRecheckAt < this.settings.recheckGapMs) return
    if (this.state === 'backoff') {
      this.lastRecheckAt = now
      clearTimeout(this.retryTimer)
      this.failures = 0
      this.connect()
      return
    }
    // One unanswered request at a time is enough to tell.
    if (!this.isOpen() || this.responseTimer !== undefined) return
    this.lastRecheckAt = now
    const probe = this.settings.randomId()
    this.send(announceMessage({ infoHash: probe, peerId: this.peerId, event: 'started' }), true, this.settings.probeTimeoutMs)
    this.send(announceMessage({ infoHash: probe, peerId: this.peerId, event: 'stopped' }), true, this.settings.probeTimeoutMs)
  }

  close (): void {
    if (this.state === 'closed') return
    this.dropSocket()
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.nextRetryAt = undefined
    this.setState('closed')
  }

  isOpen (): boolean {
    return this.state === 'open' && this.socket?.readyState === OPEN
  }

  private connect (): void {
    if (this.connects++ > 0) this.peerId = this.settings.randomPeerId()
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
    // Stable later, the drop count restarts (see lost()); checked then.
    this.stableTimer = setTimeout(() => this.hooks.onChange(), this.settings.stableAfterMs + 10)
    for (const infoHash of this.hooks.swarms) this.announce(infoHash, this.hooks.offersFor(infoHash))
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
        this.responded()
        this.lastError = `tracker: ${msg.reason}`
        this.hooks.onChange()
        return
      case 'response':
        this.responded()
        if (msg.intervalSec !== undefined) this.setInterval(msg.intervalSec * 1000)
        return
      case 'offer':
      case 'answer':
        // Our own offers can come back if the tracker misbehaves; swarms we
        // never joined or have left are none of our business.
        if (msg.peerId === this.peerId || !this.hooks.swarms.has(msg.infoHash)) return
        this.hooks.relays?.relayed(this.url)
        this.hooks.onSignal(msg.kind, {
          infoHash: msg.infoHash,
          fromPeerId: msg.peerId,
          offerId: msg.offerId,
          payload: msg.payload,
          trackerUrl: this.url
        })
    }
  }

  /** An announce came back: how long it took tells a slow tracker. */
  private responded (): void {
    const sentAt = this.awaiting.shift()
    if (sentAt === undefined) return
    const ms = Date.now() - sentAt
    const wasSlow = this.latencyMs !== undefined && this.latencyMs > SLOW_RESPONSE_MS
    this.latencyMs = this.latencyMs === undefined ? ms : 0.7 * this.latencyMs + 0.3 * ms
    if (wasSlow !== this.latencyMs > SLOW_RESPONSE_MS) this.hooks.onChange()
  }

  private send (text: string, expectsResponse: boolean, timeoutMs = this.settings.responseTimeoutMs): void {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) return
    try {
      socket.send(text)
    } catch (err) {
      this.lost(`send failed: ${errorText(err)}`)
      return
    }
    if (expectsResponse) {
      this.awaiting.push(Date.now())
      if (this.awaiting.length > 64) this.awaiting.shift() // a tracker that never answers must not grow this
    }
    // A half-open connection (sleep, network change) can look open for minutes;
    // a tracker that stops answering announces is treated as gone.
    if (expectsResponse && this.responseTimer === undefined) {
      this.responseTimer = setTimeout(() => this.lost('tracker stopped responding'), timeoutMs)
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

  /** Wakes when the swarm announced longest ago is due, and refreshes every
   *  swarm that is due then (announce() skips those that are not). */
  private scheduleRefresh (): void {
    clearTimeout(this.refreshTimer)
    let oldest = Date.now()
    for (const infoHash of this.hooks.swarms) oldest = Math.min(oldest, this.started.get(infoHash) ?? oldest)
    const delay = Math.max(oldest + this.intervalMs - Date.now(), 100)
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      for (const infoHash of this.hooks.swarms) this.announce(infoHash)
      if (this.isOpen()) this.scheduleRefresh()
    }, delay)
  }

  /** The socket failed or closed: wait, then try again. */
  private lost (reason: string): void {
    if (this.state === 'closed') return
    // Only a connection that stayed up for a while proves the tracker healthy;
    // one that opens and drops at once must keep backing off.
    const wasOpen = this.openedAt > 0
    const wasStable = wasOpen && Date.now() - this.openedAt >= this.settings.stableAfterMs
    this.dropSocket()
    if (wasStable) this.failures = 0
    if (wasOpen) this.shortLived = wasStable ? 0 : this.shortLived + 1
    const { minBackoffMs, maxBackoffMs, offlineMaxBackoffMs, random } = this.settings
    // When every tracker fails at once the fault is most likely our own
    // network (uplink down, laptop asleep): attempts then never reach a
    // tracker and cost it nothing, and a short ceiling brings us back within
    // seconds of the network's return. A tracker failing alone while others
    // work backs off fully, so a dead or restarting one is not hammered.
    const ceiling = this.hooks.anyOpen?.() === false ? Math.max(minBackoffMs, Math.min(maxBackoffMs, offlineMaxBackoffMs)) : maxBackoffMs
    const delay = backoffDelay(this.failures, minBackoffMs, ceiling, random)
    this.failures++
    this.lastError = reason
    this.nextRetryAt = Date.now() + delay
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connect(), delay)
    this.setState('backoff')
  }

  private dropSocket (): void {
    for (const timer of [this.connectTimer, this.refreshTimer, this.responseTimer, this.stableTimer]) clearTimeout(timer)
    this.connectTimer = this.refreshTimer = this.responseTimer = this.stableTimer = undefined
    this.started.clear()
    this.awaiting.length = 0
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

/** Timers may fire a little early; the strict tracker allows more than this. */
const TIMER_SLACK_MS = 50

function errorText (err: unknown): string {
  if (err instanceof Error) return err.message
  // A browser's socket error event carries no detail; ws's carries a message.
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string' && err.message) return err.message
  return 'connection error'
}
