// The node's side of rendezvous: it sits in its swarms for the current epoch
// (one per friend, one per pending invite, and its address swarm if the owner
// wants to be reachable by address) and answers offers that prove their right
// to an answer. Every offer is checked before it costs anything, cheapest
// first:
//   1. it came through a swarm we joined;
//   2. it opens with that swarm's key (a pair or invite swarm: the secret
//      behind it; only the address swarm takes an offer sealed to the public
//      key alone), and is fresh;
//   3. it was not let through before (a replay, or the same offer from a
//      second tracker: that one gets the answer already made, at no new
//      cost, so a tracker that delivers first and drops our answer cannot
//      keep a friend out while another tracker is honest);
//   4. a slot of that swarm's kind is free.
// Only then is an RTCPeerConnection made. An offer that fails is ignored
// without a word, so a stranger probing swarms learns nothing.
import { toHex } from '../../shared/util/bytes'
import { boxSecretKeyFromSigning } from '../../shared/crypto/crypto'
import type { Identity } from '../../shared/identity/identity'
import { openOfferIn, type Meeting, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt, EPOCH_MS, OFFER_MAX_AGE_MS, sdpFingerprint, sealAnswer, type SealedOffer } from '../../shared/rendezvous/rendezvous'
import { AnswerSlots, type AnswerSlotLimits } from './answer-slots'
import { ReplayGuard } from './replay-guard'
import type { RelayBook } from './tracker-relays'
import { liveSessions, type RestartRegistry } from './ice-restarts'
import { onNetworkChange } from './network-watch'
import type { RendezvousChannel, RendezvousSignal } from '../rendezvous/channel'
import type { TrackerPoolOptions, TrackerStatus } from './tracker-client'
import { openRendezvous } from '../rendezvous/open-channel'
import { answerOffer, type WebRtcTransport } from './webrtc'

/** Replay memory for every address swarm (see handleOffer); a topic is 20
 *  characters, so this never names one. */
const ADDRESS_SCOPE = 'address'
/** Answers kept to re-send through a second tracker (see handleOffer). */
const MAX_KEPT_ANSWERS = 256
/** Copies of one offer kept while its answer is made: more than a node's trackers and relays. */
const MAX_COPIES_WAITING = 16

/** What became of an offer that reached the listener. */
export type OfferOutcome =
  | 'unknown-swarm' // not a swarm we sit in
  | 'unproven' // did not open with the swarm's key, or altered, malformed, stale
  | 'replayed' // already let through once
  | 'busy' // every slot of its kind is taken
  | 'answered' // an answer went back
  | 'failed' // the offer's SDP could not be answered
  | 'restart-refused' // an ICE restart naming no live session, or another DTLS certificate
  | 'restarted' // an ICE restart was applied to its live session and answered

export interface ListenerOptions {
  /** The identity's key pair, for offers sealed to it (the address swarm);
   *  null on a device that does not hold it. */
  identity: Identity | null
  /** The swarms to sit in during an epoch; asked again on refreshTopics(). */
  topics: (epoch: number) => Promise<Meeting[]>
  trackers: string[]
  /** Nostr relays to sit on beside the trackers (relays/). */
  relayUrls?: string[]
  rtcConfig: RTCConfiguration
  /** A connection that opened. A returned promise is awaited before the
   *  answer slot is released, so a slot covers the handshake too. */
  onTransport: (transport: WebRtcTransport, via: MeetingKind) => void | Promise<void>
  onStatus?: (status: TrackerStatus[]) => void
  /** Told of every offer's fate (for tests and diagnostics). */
  onOfferOutcome?: (outcome: OfferOutcome, kind: MeetingKind | null) => void
  /** Offers being answered at once, per kind of swarm and per swarm; more
   *  are dropped until some finish. */
  answerSlots?: Partial<AnswerSlotLimits>
  /** The one place an answer costs an RTCPeerConnection; replaceable in tests. */
  answerOffer?: typeof answerOffer
  /** Which offers were already let through; the node passes its own, which
   *  outlives this listener (and is saved across reloads). */
  replays?: ReplayGuard
  /** Defaults to globalThis.WebSocket (Node tests pass one). */
  createSocket?: TrackerPoolOptions['createSocket']
  /** Where the node notes which trackers relay (tracker-relays.ts). */
  relays?: RelayBook
  /** What carries offers and answers (rendezvous/channel.ts), opened anew
   *  each epoch; by default the trackers above. */
  openChannel?: (routes: string[]) => RendezvousChannel
  /** Live sessions an ICE restart offer may name; the page's own by default. */
  restarts?: RestartRegistry
  now?: () => number
}

export class Listener {
  private unwatchNetwork: (() => void) | null = null
  private channel: RendezvousChannel | null = null
  private meetings = new Map<string, Meeting>()
  private epoch = 0
  private readonly boxSecret: Uint8Array | null
  private readonly replays: ReplayGuard
  /** Sealed answers already sent, by offer, with the trackers they went
   *  through and when the offer goes stale; oldest first. */
  private readonly sentAnswers = new Map<string, { payload: string, trackers: Set<string>, staleAt: number }>()
  /** Copies of an offer whose answer is being made, by the offer's key
   *  (see resendThrough): as many entries as answers being made, which the
   *  answer slots bound. */
  private readonly copiesWaiting = new Map<string, RendezvousSignal[]>()
  private readonly slots: AnswerSlots
  private rotateTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  private refreshing: Promise<void> = Promise.resolve()

  private trackers: string[]

  constructor (private readonly opts: ListenerOptions) {
    this.trackers = opts.trackers
    this.replays = opts.replays ?? new ReplayGuard()
    this.boxSecret = opts.identity ? boxSecretKeyFromSigning(opts.identity.secretKey) : null
    this.slots = new AnswerSlots(opts.answerSlots)
  }

  private now (): number { return (this.opts.now ?? Date.now)() }

  start (): void {
    this.joinCurrentEpoch().catch(() => { /* the node is closing */ })
  }

  /** Friends or invites changed: join new swarms, leave old ones. Refreshes
   *  run one after another, so an older answer never overwrites a newer one. */
  refreshTopics (): Promise<void> {
    const next = this.refreshing.then(() => this.applyTopics(), () => this.applyTopics())
    this.refreshing = next
    return next
  }

  private async applyTopics (): Promise<void> {
    const channel = this.channel
    if (!channel || this.stopped) return
    const wanted = new Map((await this.opts.topics(this.epoch)).map((m) => [m.topic, m]))
    if (channel !== this.channel) return
    for (const topic of this.meetings.keys()) if (!wanted.has(topic)) channel.leave(topic)
    for (const topic of wanted.keys()) if (!this.meetings.has(topic)) channel.announce(topic)
    // Replaced as a whole, so a swarm whose key changed is checked with the new one.
    this.meetings = wanted
  }

  /** The swarms joined for this epoch. */
  get joinedTopics (): ReadonlySet<string> {
    return new Set(this.meetings.keys())
  }

  status (): TrackerStatus[] {
    return this.channel?.status() ?? []
  }

  /** The trackers to sit on changed (a friend shared one, one was removed):
   *  the others keep their sockets and swarms. */
  setTrackers (urls: string[]): void {
    this.trackers = urls
    this.channel?.setRoutes(urls)
  }

  stop (): void {
    this.stopped = true
    if (this.rotateTimer) clearTimeout(this.rotateTimer)
    this.leavePool()
  }

  /** A fresh channel (new peer id, new sockets) per epoch, so a tracker cannot
   *  link yesterday's swarm to today's through the connection. */
  private async joinCurrentEpoch (): Promise<void> {
    if (this.stopped) return
    this.leavePool()
    const now = this.now()
    this.epoch = epochAt(now)
    const channel = this.opts.openChannel?.(this.trackers) ?? openRendezvous({ trackers: this.trackers, relayUrls: this.opts.relayUrls, createSocket: this.opts.createSocket, relays: this.opts.relays })
    this.channel = channel
    this.meetings = new Map()
    channel.onOffer((offer) => { void this.handleOffer(channel, offer) })
    channel.onStatus((s) => this.opts.onStatus?.(s))
    this.unwatchNetwork = onNetworkChange(() => channel.networkChanged())
    const msToNextEpoch = (this.epoch + 1) * EPOCH_MS - now
    this.rotateTimer = setTimeout(() => { this.start() }, msToNextEpoch + 1_000)
    this.opts.onStatus?.(channel.status())
    await this.refreshTopics()
  }

  private leavePool (): void {
    this.unwatchNetwork?.()
    this.unwatchNetwork = null
    if (!this.channel) return
    for (const topic of this.meetings.keys()) this.channel.leave(topic)
    this.channel.close()
    this.channel = null
  }

  private async handleOffer (channel: RendezvousChannel, envelope: RendezvousSignal): Promise<void> {
    const meeting = this.meetings.get(envelope.topic)
    if (!meeting) return this.outcome('unknown-swarm', null)
    const now = this.now()
    const offer = openOfferIn(meeting, envelope.payload, this.boxSecret, now)
    if (!offer) return this.outcome('unproven', meeting.kind)
    // Remembered until it would be refused as stale anyway. An address-swarm
    // offer is sealed to the public key alone and names no swarm or day, so
    // it is remembered across address swarms: replayed into the next day's,
    // it is still a replay. Pair and invite offers are bound to their swarm.
    const scope = meeting.kind === 'address' ? ADDRESS_SCOPE : meeting.topic
    const offerKey = `${scope}/${toHex(offer.replyKey)}`
    if (!this.replays.firstSight(scope, toHex(offer.replyKey), offer.sentAt + OFFER_MAX_AGE_MS, now)) {
      this.resendThrough(channel, envelope, offerKey, now)
      return this.outcome('replayed', meeting.kind)
    }
    if (offer.restartTag) return this.handleRestart(channel, envelope, offer, offerKey, meeting.kind)
    const release = this.slots.take(meeting.kind, meeting.topic)
    if (!release) return this.outcome('busy', meeting.kind)
    this.copiesWaiting.set(offerKey, [])
    try {
      let answer
      try {
        answer = await (this.opts.answerOffer ?? answerOffer)(this.opts.rtcConfig, offer.sdp)
      } catch {
        return this.outcome('failed', meeting.kind)
      }
      if (this.stopped || channel !== this.channel) {
        // Unanswered, it never connects: connected() times out and closes it.
        answer.connected().then((t) => t.close('the node stopped listening'), () => {})
        return
      }
      const payload = sealAnswer(answer.sdp, offer.replyKey)
      channel.answer(envelope, payload)
      this.keepAnswer(offerKey, payload, envelope.route, offer.sentAt + OFFER_MAX_AGE_MS)
      // Copies that came through other trackers while the answer was made.
      for (const copy of this.copiesWaiting.get(offerKey) ?? []) this.resendThrough(channel, copy, offerKey, now)
      this.copiesWaiting.delete(offerKey)
      this.outcome('answered', meeting.kind)
      const transport = await answer.connected()
      await this.opts.onTransport(transport, meeting.kind)
    } catch {
      // An offer that leads nowhere (peer went away) is simply dropped.
    } finally {
      this.copiesWaiting.delete(offerKey)
      release()
    }
  }

  /** An ICE restart: no new RTCPeerConnection, slot or handshake; the live
   *  session its tag names answers on its own connection, and only if the
   *  offer carries the DTLS certificate that session's peer proved. */
  private async handleRestart (channel: RendezvousChannel, envelope: RendezvousSignal, offer: SealedOffer, offerKey: string, kind: MeetingKind): Promise<void> {
    const session = (this.opts.restarts ?? liveSessions).find(offer.restartTag!)
    if (!session || sdpFingerprint(offer.sdp) !== session.remoteFingerprint) return this.outcome('restart-refused', kind)
    let answerSdp: string
    try {
      answerSdp = await session.answerRestart(offer.sdp)
    } catch {
      return this.outcome('failed', kind)
    }
    if (this.stopped || channel !== this.channel) return
    const payload = sealAnswer(answerSdp, offer.replyKey)
    channel.answer(envelope, payload)
    this.keepAnswer(offerKey, payload, envelope.route, offer.sentAt + OFFER_MAX_AGE_MS)
    this.outcome('restarted', kind)
  }

  private keepAnswer (offerKey: string, payload: string, trackerUrl: string, staleAt: number): void {
    this.sentAnswers.set(offerKey, { payload, trackers: new Set([trackerUrl]), staleAt })
    while (this.sentAnswers.size > MAX_KEPT_ANSWERS) this.sentAnswers.delete(this.sentAnswers.keys().next().value!)
  }

  /** The same offer through a tracker its answer did not go through yet:
   *  the same sealed answer goes back there too (once per tracker). No new
   *  RTCPeerConnection or slot; only the offerer can open it. */
  private resendThrough (channel: RendezvousChannel, envelope: RendezvousSignal, offerKey: string, now: number): void {
    const sent = this.sentAnswers.get(offerKey)
    if (!sent) {
      // Its answer is still being made (an RTCPeerConnection gathering its
      // candidates): this copy gets it once made. Dropped, a second tracker
      // that delivered a moment later never brought an answer, and the
      // dialler's book counted that against it: on a quick machine, a
      // working tracker was called "not relaying" half the times it lost
      // the race to another. One copy per route, and no more than trackers.
      const waiting = this.copiesWaiting.get(offerKey)
      if (waiting && waiting.length < MAX_COPIES_WAITING && !waiting.some((c) => c.route === envelope.route)) waiting.push(envelope)
      return
    }
    if (sent.staleAt < now) return void this.sentAnswers.delete(offerKey)
    if (sent.trackers.has(envelope.route)) return
    sent.trackers.add(envelope.route)
    channel.answer(envelope, sent.payload)
  }

  private outcome (outcome: OfferOutcome, kind: MeetingKind | null): void {
    try {
      this.opts.onOfferOutcome?.(outcome, kind)
    } catch { /* an observer's fault is not the offer's */ }
  }
}
