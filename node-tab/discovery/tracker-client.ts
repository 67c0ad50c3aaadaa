// Browser-side client for the WebTorrent WebSocket tracker protocol, used only
// as a rendezvous: Kith puts opaque sealed strings where SDP would go. Several
// trackers are used at once and none is special; each has its own connection
// (tracker-connection.ts), so one that is down only affects itself.
import { TrackerConnection } from './tracker-connection'
import { isBinaryId, type OfferToSend } from './tracker-messages'
import type { RelayBook } from './tracker-relays'
import type { ConnectionHooks, ConnectionSettings, SignalEnvelope, TrackerStatus } from './tracker-types'

export type { SignalEnvelope, TrackerHealth, TrackerState, TrackerStatus } from './tracker-types'

export interface TrackerPoolOptions {
  /** Several trackers at once; none is special. Duplicates are used once. */
  urls: string[]
  /** 20-char binary string (char codes 0–255); random if absent. */
  peerId?: string
  /** Defaults to globalThis.WebSocket. */
  createSocket?: (url: string) => WebSocket
  /** Reconnect delay bounds; default 1 s … 60 s. */
  minBackoffMs?: number
  maxBackoffMs?: number
  /** For jitter; default Math.random. */
  random?: () => number
  /** Bounds on the tracker's re-announce `interval`; default 30 s … 1 h. */
  minAnnounceIntervalMs?: number
  maxAnnounceIntervalMs?: number
  /** Give up on a socket that has not opened by then; default 10 s. */
  connectTimeoutMs?: number
  /** Reconnect when an announce gets no reply by then; default 20 s. */
  responseTimeoutMs?: number
  /** A connection open this long resets the backoff; default 10 s. */
  stableAfterMs?: number
  /** A liveness probe (see networkChanged()) unanswered by then drops the socket; default 5 s. */
  probeTimeoutMs?: number
  /** networkChanged() acts on a tracker at most once in this long; default 10 s. */
  recheckGapMs?: number
  /** The backoff ceiling while no tracker is open (our own network is the likely fault); default 8 s. */
  offlineMaxBackoffMs?: number
  /** Where every pool of a node notes which trackers relay (see tracker-relays.ts). */
  relays?: RelayBook
}

type Listener<T> = (value: T) => void

export class TrackerPool {
  readonly peerId: string
  private connections: TrackerConnection[]
  private readonly settings: ConnectionSettings
  private readonly hooks: ConnectionHooks
  /** Swarms joined through this pool, re-announced on reconnect and refresh. */
  private readonly swarms = new Set<string>()
  /** Each swarm's latest offers, until replaced or the swarm is left. */
  private readonly latestOffers = new Map<string, readonly OfferToSend[]>()
  private readonly offerListeners = new Set<Listener<SignalEnvelope>>()
  private readonly answerListeners = new Set<Listener<SignalEnvelope>>()
  private readonly statusListeners = new Set<Listener<TrackerStatus[]>>()
  private closed = false
  private closing = false

  constructor (opts: TrackerPoolOptions) {
    if (!Array.isArray(opts.urls) || !opts.urls.every((u) => typeof u === 'string')) {
      throw new TypeError('urls must be a list of tracker URLs')
    }
    if (opts.peerId !== undefined && !isBinaryId(opts.peerId)) {
      throw new TypeError('peerId must be a 20-character binary string')
    }
    this.peerId = opts.peerId ?? randomPeerId()
    const minBackoffMs = opts.minBackoffMs ?? 1_000
    const maxBackoffMs = opts.maxBackoffMs ?? 60_000
    // A zero delay would turn an unreachable tracker into a reconnect loop.
    if (!(minBackoffMs >= 1 && maxBackoffMs >= minBackoffMs)) {
      throw new RangeError('backoff needs 1 <= minBackoffMs <= maxBackoffMs')
    }
    const minAnnounceIntervalMs = opts.minAnnounceIntervalMs ?? 30_000
    // A strict tracker drops a socket that announces more often than its
    // interval, so the ceiling only guards against an absurd one.
    const maxAnnounceIntervalMs = opts.maxAnnounceIntervalMs ?? 3_600_000
    if (!(minAnnounceIntervalMs >= 1 && maxAnnounceIntervalMs >= minAnnounceIntervalMs)) {
      throw new RangeError('announce interval needs 1 <= minAnnounceIntervalMs <= maxAnnounceIntervalMs')
    }
    const settings: ConnectionSettings = {
      peerId: this.peerId,
      createSocket: opts.createSocket ?? defaultCreateSocket(),
      minBackoffMs,
      maxBackoffMs,
      random: opts.random ?? Math.random,
      minAnnounceIntervalMs,
      maxAnnounceIntervalMs,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      responseTimeoutMs: opts.responseTimeoutMs ?? 20_000,
      stableAfterMs: opts.stableAfterMs ?? 10_000,
      probeTimeoutMs: opts.probeTimeoutMs ?? 5_000,
      offlineMaxBackoffMs: opts.offlineMaxBackoffMs ?? 8_000,
      recheckGapMs: opts.recheckGapMs ?? 10_000,
      randomId: randomPeerId,
      randomPeerId
    }
    const hooks: ConnectionHooks = {
      swarms: this.swarms,
      onSignal: (kind: 'offer' | 'answer', envelope: SignalEnvelope) => {
        this.emit(kind === 'offer' ? this.offerListeners : this.answerListeners, envelope)
      },
      onChange: () => {
        if (!this.closing) this.emit(this.statusListeners, this.status())
      },
      offersFor: (infoHash) => this.latestOffers.get(infoHash),
      relays: opts.relays,
      anyOpen: () => this.connections.some((c) => c.isOpen())
    }
    this.settings = settings
    this.hooks = hooks
    this.connections = [...new Set(opts.urls)].map((url) => new TrackerConnection(url, settings, hooks))
    // Started only once all exist, so a status callback always sees every tracker.
    for (const connection of this.connections) connection.start()
  }

  /** Join (or refresh) a swarm on every tracker. infoHash is a 20-char binary string.
   *  offers (optional) are sent now to the trackers that are open (each with the same offer_id),
   *  at most 10 an announce (more are split over several), and to a tracker that opens (or reopens)
   *  later, until newer offers replace them or the swarm is left: a dial waits seconds for an answer,
   *  and a tracker that was still connecting when it offered must not sit those seconds out;
   *  the pool remembers joined swarms and re-announces them (without offers) at the tracker's `interval` and after every reconnect. */
  announce (infoHash: string, offers?: { offerId: string, payload: string }[]): void {
    if (this.closed) return
    if (!isBinaryId(infoHash)) throw new TypeError('infoHash must be a 20-character binary string')
    const toSend: OfferToSend[] | undefined = offers?.map(({ offerId, payload }) => {
      if (typeof offerId !== 'string' || offerId.length === 0 || typeof payload !== 'string') {
        throw new TypeError('each offer needs a non-empty offerId and a string payload')
      }
      return { offerId, payload }
    })
    this.swarms.add(infoHash)
    if (toSend && toSend.length > 0) this.latestOffers.set(infoHash, toSend)
    for (const connection of this.connections) connection.announce(infoHash, toSend)
  }

  /** Use these trackers from now on: new ones connect (and join every
   *  swarm), dropped ones close; the others keep their sockets untouched,
   *  so nothing is re-announced on them. */
  setUrls (urls: string[]): void {
    if (this.closed) return
    const wanted = [...new Set(urls)]
    const kept = this.connections.filter((c) => wanted.includes(c.url))
    for (const c of this.connections) if (!wanted.includes(c.url)) c.close()
    const added = wanted.filter((url) => !kept.some((c) => c.url === url)).map((url) => new TrackerConnection(url, this.settings, this.hooks))
    this.connections = wanted.map((url) => kept.find((c) => c.url === url) ?? added.find((c) => c.url === url)!)
    for (const c of added) c.start()
    this.emit(this.statusListeners, this.status())
  }

  /** The network may have changed (online again, woke from sleep, a peer
   *  connection broke): probe every open tracker socket, dropping the ones
   *  that no longer answer, and retry at once the ones waiting out a backoff. */
  networkChanged (): void {
    if (this.closed) return
    for (const connection of this.connections) connection.recheck()
  }

  /** Answer an offer through the tracker that delivered it (to_peer_id = fromPeerId). */
  answer (to: SignalEnvelope, payload: string): void {
    if (this.closed) return
    if (typeof payload !== 'string') throw new TypeError('payload must be a string')
    const connection = this.connections.find((c) => c.url === to.trackerUrl)
    connection?.answer(to.infoHash, to.fromPeerId, to.offerId, payload)
  }

  /** Leave a swarm: send event 'stopped' to every open tracker and stop re-announcing it. */
  leave (infoHash: string): void {
    if (this.closed) return
    this.swarms.delete(infoHash)
    this.latestOffers.delete(infoHash)
    for (const connection of this.connections) connection.leave(infoHash)
  }

  onOffer (cb: (e: SignalEnvelope) => void): () => void {
    return subscribe(this.offerListeners, cb)
  }

  onAnswer (cb: (e: SignalEnvelope) => void): () => void {
    return subscribe(this.answerListeners, cb)
  }

  /** Called with every tracker's status whenever one of them changes. */
  onStatus (cb: (s: TrackerStatus[]) => void): () => void {
    return subscribe(this.statusListeners, cb)
  }

  status (): TrackerStatus[] {
    return this.connections.map((c) => c.status())
  }

  /** Closes sockets and cancels timers; nothing reconnects afterwards. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.swarms.clear()
    // One status report for the whole shutdown, not one per tracker.
    this.closing = true
    for (const connection of this.connections) connection.close()
    this.closing = false
    this.emit(this.statusListeners, this.status())
  }

  private emit<T> (listeners: Set<Listener<T>>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value)
      } catch (err) {
        // A faulty listener must neither break the socket handler that called
        // us nor starve the other listeners; surface its error separately.
        queueMicrotask(() => { throw err })
      }
    }
  }
}

/** 20 random bytes as a binary string. No client prefix (as BitTorrent
 *  clients use): it would tell trackers which peers run Kith. */
export function randomPeerId (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  return String.fromCharCode(...bytes)
}

function subscribe<T> (listeners: Set<Listener<T>>, cb: Listener<T>): () => void {
  // Wrapped so the same function subscribed twice gets two independent subscriptions.
  const entry: Listener<T> = (value) => cb(value)
  listeners.add(entry)
  return () => { listeners.delete(entry) }
}

function defaultCreateSocket (): (url: string) => WebSocket {
  const Socket = globalThis.WebSocket
  if (typeof Socket !== 'function') throw new Error('no WebSocket in this environment; pass createSocket')
  return (url) => new Socket(url)
}
