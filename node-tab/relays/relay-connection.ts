// One relay, one socket at a time: connects, keeps our two subscriptions on
// it (offers under the tags we listen on, answers under the tags we dial
// on), publishes what the channel gives it, and reconnects with backoff
// when it fails. Everything the relay sends is bounded here before the
// channel sees it: message size, events per second, events per tag per
// minute, repeats; what fails is dropped without a word and counted.
import type { Event } from 'nostr-tools/pure'
import { backoffDelay } from '../discovery/backoff'
import type { TrackerHealth, TrackerState, TrackerStatus } from '../discovery/tracker-types'
import { ANSWER_KIND, OFFER_KIND, readRelayMessage, readRelayReply, type DropReason, type RelayReply } from './relay-events'

/** WebSocket.OPEN; the global may be missing when a socket factory is injected. */
const OPEN = 1

export interface RelayLimits {
  /** Events a relay may send per second (a bucket this deep, refilled at this rate). */
  eventsPerSecond: number
  eventBurst: number
  /** Events under one tag per minute: more is a flood under a friend's tag. */
  eventsPerTagPerMinute: number
  /** Event ids remembered to drop repeats. */
  rememberedIds: number
  /** Events we publish per minute on one relay (the dialler backs off too;
   *  this is the ceiling whatever calls us: public relays ban floods). */
  publishPerMinute: number
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  eventsPerSecond: 20,
  eventBurst: 60,
  eventsPerTagPerMinute: 60,
  rememberedIds: 512,
  publishPerMinute: 60
}

export interface RelaySettings {
  createSocket: (url: string) => WebSocket
  minBackoffMs: number
  maxBackoffMs: number
  connectTimeoutMs: number
  /** An open socket that lasted less than this before closing counts as a drop. */
  stableAfterMs: number
  random: () => number
  now: () => number
  limits: RelayLimits
  /** A random subscription id (never derived from a tag). */
  randomId: () => string
}

export interface RelayHooks {
  /** Tags whose offers we want, and tags whose answers we want. */
  wanted: () => { offers: readonly string[], answers: readonly string[] }
  /** True when the event passed the channel's checks (only then is its id
   *  remembered: an altered copy must not block the real one). */
  onEvent: (url: string, which: 'offer' | 'answer', event: Event) => boolean
  onDrop: (reason: DropReason) => void
  onChange: () => void
}

type Timer = ReturnType<typeof setTimeout>

/** How long a relay's refusal or "slow down" colours its status, unless an
 *  event of ours is accepted or the socket starts over first. */
export const COMPLAINT_SHOWN_MS = 120_000

export class RelayConnection {
  private state: TrackerState = 'connecting'
  private health: TrackerHealth = 'connecting'
  private lastError: string | undefined
  private nextRetryAt: number | undefined
  private socket: WebSocket | null = null
  private failures = 0
  private drops = 0
  private openedAt = 0
  private timer: Timer | null = null
  private closed = false
  /** Subscription ids on this socket, and the tags last asked for under each. */
  private subs: { offers: { id: string, sent: string }, answers: { id: string, sent: string } }
  private tokens: number
  private tokensAt: number
  private readonly perTag = new Map<string, { count: number, since: number }>()
  private readonly seenIds = new Set<string>()
  private published: number[] = []
  /** The relay's last refusal or "slow down", in its words. */
  private complaint: { health: 'refused' | 'rate-limited', words: string, at: number } | null = null

  constructor (readonly url: string, private readonly settings: RelaySettings, private readonly hooks: RelayHooks) {
    this.subs = this.freshSubs()
    this.tokens = settings.limits.eventBurst
    this.tokensAt = settings.now()
    this.connect()
  }

  status (): TrackerStatus {
    const complaint = this.complaint
    if (complaint && this.state === 'open' && this.health !== 'keeps-dropping' && this.settings.now() - complaint.at < COMPLAINT_SHOWN_MS) {
      return { url: this.url, state: this.state, health: complaint.health, lastError: complaint.words, nextRetryAt: this.nextRetryAt }
    }
    return { url: this.url, state: this.state, health: this.health, lastError: this.lastError, nextRetryAt: this.nextRetryAt }
  }

  get isOpen (): boolean { return this.state === 'open' }

  /** Sends our subscriptions again if what we want changed. */
  syncSubscriptions (): void {
    if (!this.socket || this.socket.readyState !== OPEN) return
    const { offers, answers } = this.hooks.wanted()
    this.syncOne(this.subs.offers, offers, OFFER_KIND)
    this.syncOne(this.subs.answers, answers, ANSWER_KIND)
  }

  /** Publishes one event if the socket is open and the ceiling allows; true if sent. */
  publish (event: Event): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false
    const now = this.settings.now()
    this.published = this.published.filter((t) => now - t < 60_000)
    if (this.published.length >= this.settings.limits.publishPerMinute) return false
    this.published.push(now)
    this.send(['EVENT', event])
    return true
  }

  /** The network changed: a socket that looks open may be dead; start again now. */
  reconnectNow (): void {
    if (this.closed) return
    this.dropSocket()
    this.failures = 0
    this.connect()
  }

  close (): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.dropSocket()
    this.state = 'closed'
  }

  private syncOne (sub: { id: string, sent: string }, tags: readonly string[], kind: number): void {
    const key = [...tags].sort().join(',')
    if (key === sub.sent) return
    sub.sent = key
    if (tags.length === 0) this.send(['CLOSE', sub.id])
    // Only events from now on: an old offer is no use, and a relay that
    // keeps ephemeral events anyway is not asked for them.
    else this.send(['REQ', sub.id, { kinds: [kind], '#t': [...tags], since: Math.floor(this.settings.now() / 1000) - 30 }])
  }

  private freshSubs (): RelayConnection['subs'] {
    return { offers: { id: this.settings.randomId(), sent: '' }, answers: { id: this.settings.randomId(), sent: '' } }
  }

  private connect (): void {
    if (this.closed) return
    this.state = 'connecting'
    if (this.health !== 'keeps-dropping') this.health = 'connecting'
    this.nextRetryAt = undefined
    let socket: WebSocket
    try {
      socket = this.settings.createSocket(this.url)
    } catch (err) {
      this.failed(err instanceof Error ? err.message : 'could not open a socket')
      return
    }
    this.socket = socket
    this.subs = this.freshSubs()
    const timeout = setTimeout(() => { if (this.socket === socket && socket.readyState !== OPEN) this.failed('timed out connecting') }, this.settings.connectTimeoutMs)
    socket.onopen = () => {
      clearTimeout(timeout)
      if (this.socket !== socket) return
      this.state = 'open'
      if (this.health !== 'keeps-dropping') this.health = 'working'
      this.openedAt = this.settings.now()
      this.lastError = undefined
      this.complaint = null
      this.syncSubscriptions()
      this.hooks.onChange()
    }
    socket.onmessage = (ev: MessageEvent) => { if (this.socket === socket) this.received(ev.data) }
    socket.onerror = () => { /* onclose follows */ }
    socket.onclose = () => {
      clearTimeout(timeout)
      if (this.socket === socket) this.failed('the connection closed')
    }
  }

  private received (data: unknown): void {
    const msg = readRelayMessage(data)
    if (msg.type === 'other') return this.replied(readRelayReply(data as string))
    if (msg.type === 'dropped') return this.hooks.onDrop(msg.reason)
    const which = msg.subId === this.subs.offers.id ? 'offer' : msg.subId === this.subs.answers.id ? 'answer' : null
    if (!which) return this.hooks.onDrop('unknown-subscription')
    // The bounds come before any work on the event.
    const now = this.settings.now()
    const { eventsPerSecond, eventBurst, eventsPerTagPerMinute, rememberedIds } = this.settings.limits
    this.tokens = Math.min(eventBurst, this.tokens + (now - this.tokensAt) / 1000 * eventsPerSecond)
    this.tokensAt = now
    if (this.tokens < 1) return this.hooks.onDrop('flood')
    this.tokens -= 1
    const tag = msg.event.tags.find((t) => t[0] === 't')?.[1]
    const wanted = which === 'offer' ? this.hooks.wanted().offers : this.hooks.wanted().answers
    if (tag === undefined || !wanted.includes(tag)) return this.hooks.onDrop('wrong-tag')
    let count = this.perTag.get(tag)
    if (!count || now - count.since > 60_000) this.perTag.set(tag, count = { count: 0, since: now })
    if (++count.count > eventsPerTagPerMinute) return this.hooks.onDrop('topic-flood')
    if (this.perTag.size > wanted.length * 2 + 8) this.forgetTagsNotIn(wanted)
    if (this.seenIds.has(msg.event.id)) return this.hooks.onDrop('duplicate')
    if (!this.hooks.onEvent(this.url, which, msg.event)) return
    this.seenIds.add(msg.event.id)
    if (this.seenIds.size > rememberedIds) this.seenIds.delete(this.seenIds.values().next().value!)
  }

  private replied (reply: RelayReply): void {
    if (reply === null) return
    if (reply.type === 'accepted') {
      if (this.complaint) { this.complaint = null; this.hooks.onChange() }
      return
    }
    this.complaint = { health: reply.why, words: reply.words, at: this.settings.now() }
    this.hooks.onChange()
  }

  private forgetTagsNotIn (wanted: readonly string[]): void {
    for (const tag of this.perTag.keys()) if (!wanted.includes(tag)) this.perTag.delete(tag)
  }

  private failed (reason: string): void {
    if (this.closed) return
    const wasOpen = this.state === 'open'
    this.dropSocket()
    if (wasOpen && this.settings.now() - this.openedAt < this.settings.stableAfterMs) this.drops++
    else if (wasOpen) this.drops = 0
    this.failures = wasOpen ? 0 : this.failures + 1
    const delay = backoffDelay(this.failures, this.settings.minBackoffMs, this.settings.maxBackoffMs, this.settings.random)
    this.state = 'backoff'
    this.health = this.drops >= 2 ? 'keeps-dropping' : 'unreachable'
    this.lastError = reason
    this.nextRetryAt = this.settings.now() + delay
    this.timer = setTimeout(() => { this.timer = null; this.connect() }, delay)
    this.hooks.onChange()
  }

  private dropSocket (): void {
    const socket = this.socket
    this.socket = null
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    if (!socket) return
    // No-ops, not null: a socket closed while connecting still reports an
    // error (Node's ws throws one nobody listens to otherwise).
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = noop
    try { socket.close() } catch { /* already closing */ }
  }

  private send (msg: unknown[]): void {
    try { this.socket?.send(JSON.stringify(msg)) } catch { /* the close handler deals with it */ }
  }
}

function noop (): void {}
