// Nostr relays as a rendezvous channel (rendezvous/channel.ts), beside the
// trackers. A topic goes under its relay tag (relay-tags.ts); listening on
// a topic subscribes to offers under that tag, offering into it publishes
// each sealed offer as an ephemeral event and subscribes to answers under
// the tag until the dial leaves. Nothing is published but what the dialler
// and listener hand over (they back off and stop once connected), and an
// answer goes back through the relay its offer came by.
import { KithError } from '../../shared/wire/errors'
import { toHex } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/crypto'
import type { OutgoingOffer, RendezvousChannel, RendezvousSignal, RouteStatus } from '../rendezvous/channel'
import { ANSWER_KIND, checkSignalEvent, makeSignalEvent, OFFER_KIND, type DropReason } from './relay-events'
import { DEFAULT_RELAY_LIMITS, RelayConnection, type RelayLimits, type RelaySettings } from './relay-connection'
import { relayTag } from './relay-tags'
import type { Event } from 'nostr-tools/pure'

export interface RelayChannelOptions {
  urls: string[]
  /** Defaults to globalThis.WebSocket (Node tests pass one). */
  createSocket?: (url: string) => WebSocket
  minBackoffMs?: number
  maxBackoffMs?: number
  limits?: Partial<RelayLimits>
  now?: () => number
}

interface TopicUse { tag: string, listening: boolean, dialing: boolean }

export class RelayChannel implements RendezvousChannel {
  private readonly connections = new Map<string, RelayConnection>()
  private readonly topics = new Map<string, TopicUse>()
  private readonly byTag = new Map<string, string>()
  private readonly offerCbs = new Set<(s: RendezvousSignal) => void>()
  private readonly answerCbs = new Set<(s: RendezvousSignal) => void>()
  private readonly statusCbs = new Set<(s: RouteStatus[]) => void>()
  private readonly settings: RelaySettings
  private closed = false
  /** What was dropped from relays, by reason (for tests and diagnostics). */
  readonly dropped: Partial<Record<DropReason, number>> = {}

  constructor (opts: RelayChannelOptions) {
    this.settings = {
      createSocket: opts.createSocket ?? ((url) => new WebSocket(url)),
      minBackoffMs: opts.minBackoffMs ?? 1_000,
      maxBackoffMs: opts.maxBackoffMs ?? 60_000,
      connectTimeoutMs: 10_000,
      stableAfterMs: 10_000,
      random: Math.random,
      now: opts.now ?? Date.now,
      limits: { ...DEFAULT_RELAY_LIMITS, ...opts.limits },
      randomId: () => toHex(randomBytes(8))
    }
    this.setRoutes(opts.urls)
  }

  announce (topic: string, offers?: readonly OutgoingOffer[]): string[] {
    if (this.closed) return []
    const use = this.use(topic)
    if (offers && offers.length > 0) use.dialing = true
    else use.listening = true
    for (const c of this.connections.values()) c.syncSubscriptions()
    if (!offers || offers.length === 0) return []
    // One offer is enough: a relay passes every event to everyone subscribed
    // to the tag (a tracker hands each offer to one random peer, hence the
    // dialler's several). More would only cost the listener an answer and an
    // RTCPeerConnection each, and the relay an event each.
    const first = offers[0]!
    return this.publish([makeSignalEvent(OFFER_KIND, use.tag, first.offerId, first.payload, this.settings.now())], [...this.connections.values()])
  }

  leave (topic: string): void {
    const use = this.topics.get(topic)
    if (!use) return
    this.topics.delete(topic)
    this.byTag.delete(use.tag)
    for (const c of this.connections.values()) c.syncSubscriptions()
  }

  answer (to: RendezvousSignal, payload: string): void {
    const use = this.topics.get(to.topic)
    const connection = this.connections.get(to.route)
    if (this.closed || !use || !connection) return
    connection.publish(makeSignalEvent(ANSWER_KIND, use.tag, to.offerId, payload, this.settings.now()))
  }

  onOffer (cb: (signal: RendezvousSignal) => void): () => void {
    this.offerCbs.add(cb)
    return () => this.offerCbs.delete(cb)
  }

  onAnswer (cb: (signal: RendezvousSignal) => void): () => void {
    this.answerCbs.add(cb)
    return () => this.answerCbs.delete(cb)
  }

  ready (signal?: AbortSignal): Promise<void> {
    const cancelled = (): KithError => new KithError('CANCELLED', 'stopped dialling')
    if (signal?.aborted) return Promise.reject(cancelled())
    const isOpen = (): boolean => [...this.connections.values()].some((c) => c.isOpen)
    if (isOpen()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const off = this.onStatus(() => { if (isOpen()) { off(); resolve() } })
      signal?.addEventListener('abort', () => { off(); reject(cancelled()) }, { once: true })
    })
  }

  status (): RouteStatus[] {
    return [...this.connections.values()].map((c) => c.status())
  }

  onStatus (cb: (status: RouteStatus[]) => void): () => void {
    this.statusCbs.add(cb)
    return () => this.statusCbs.delete(cb)
  }

  setRoutes (urls: string[]): void {
    if (this.closed) return
    const wanted = new Set(urls)
    for (const [url, c] of this.connections) if (!wanted.has(url)) { c.close(); this.connections.delete(url) }
    for (const url of wanted) {
      if (this.connections.has(url)) continue
      this.connections.set(url, new RelayConnection(url, this.settings, {
        wanted: () => this.wanted(),
        onEvent: (from, which, event) => this.received(from, which, event),
        onDrop: (reason) => this.drop(reason),
        onChange: () => this.statusChanged()
      }))
    }
  }

  networkChanged (): void {
    for (const c of this.connections.values()) c.reconnectNow()
  }

  close (): void {
    this.closed = true
    for (const c of this.connections.values()) c.close()
    this.connections.clear()
    this.topics.clear()
    this.byTag.clear()
    this.offerCbs.clear()
    this.answerCbs.clear()
    this.statusCbs.clear()
  }

  private use (topic: string): TopicUse {
    let use = this.topics.get(topic)
    if (!use) {
      use = { tag: relayTag(topic), listening: false, dialing: false }
      this.topics.set(topic, use)
      this.byTag.set(use.tag, topic)
    }
    return use
  }

  private wanted (): { offers: string[], answers: string[] } {
    const offers: string[] = []
    const answers: string[] = []
    for (const use of this.topics.values()) {
      if (use.listening) offers.push(use.tag)
      if (use.dialing) answers.push(use.tag)
    }
    return { offers, answers }
  }

  private publish (events: Event[], to: RelayConnection[]): string[] {
    const routes: string[] = []
    for (const c of to) {
      let sent = false
      for (const event of events) sent = c.publish(event) || sent
      if (sent) routes.push(c.url)
    }
    return routes
  }

  private received (route: string, which: 'offer' | 'answer', event: Event): boolean {
    if (this.closed) return false
    const tag = event.tags.find((t) => t[0] === 't')?.[1] ?? ''
    const topic = this.byTag.get(tag)
    const use = topic === undefined ? undefined : this.topics.get(topic)
    if (topic === undefined || !use || (which === 'offer' ? !use.listening : !use.dialing)) return this.drop('wrong-tag')
    const checked = checkSignalEvent(event, which === 'offer' ? OFFER_KIND : ANSWER_KIND, use.tag, this.settings.now())
    if (typeof checked === 'string') return this.drop(checked)
    const signal: RendezvousSignal = { topic, from: checked.pubkey, offerId: checked.offerId, payload: checked.payload, route }
    for (const cb of which === 'offer' ? this.offerCbs : this.answerCbs) cb(signal)
    return true
  }

  private drop (reason: DropReason): false {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1
    return false
  }

  private statusChanged (): void {
    if (this.closed) return
    const status = this.status()
    for (const cb of this.statusCbs) cb(status)
  }
}
