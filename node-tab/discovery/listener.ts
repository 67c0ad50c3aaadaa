// The node's side of rendezvous: it sits in its swarms for the current epoch
// (one per friend, one per pending invite, and its address swarm if the owner
// wants to be reachable by address) and answers offers sealed to its key. Offers it cannot open (meant for
// someone else, altered, stale) are ignored without a word, so a stranger in
// the swarm learns nothing.
import { boxSecretKeyFromSigning } from '../../shared/crypto'
import type { Identity } from '../../shared/identity'
import { epochAt, EPOCH_MS, openOffer, sealAnswer } from '../../shared/rendezvous'
import { TrackerPool, type SignalEnvelope, type TrackerStatus } from './tracker-client'
import { answerOffer, type WebRtcTransport } from './webrtc'

export interface ListenerOptions {
  identity: Identity
  /** The swarms to sit in during an epoch; asked again on refreshTopics(). */
  topics: (epoch: number) => Promise<string[]>
  trackers: string[]
  rtcConfig: RTCConfiguration
  onTransport: (transport: WebRtcTransport) => void
  onStatus?: (status: TrackerStatus[]) => void
  /** Offers being answered at once; more are dropped until some finish. */
  maxPendingAnswers?: number
  now?: () => number
}

export class Listener {
  private pool: TrackerPool | null = null
  private topics = new Set<string>()
  private epoch = 0
  private readonly boxSecret: Uint8Array
  private readonly seenOffers = new Set<string>()
  private pendingAnswers = 0
  private rotateTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false
  private refreshing: Promise<void> = Promise.resolve()

  constructor (private readonly opts: ListenerOptions) {
    this.boxSecret = boxSecretKeyFromSigning(opts.identity.secretKey)
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
    const pool = this.pool
    if (!pool || this.stopped) return
    const wanted = new Set(await this.opts.topics(this.epoch))
    if (pool !== this.pool) return
    for (const topic of this.topics) if (!wanted.has(topic)) pool.leave(topic)
    for (const topic of wanted) if (!this.topics.has(topic)) pool.announce(topic)
    this.topics = wanted
  }

  /** The swarms joined for this epoch. */
  get joinedTopics (): ReadonlySet<string> {
    return this.topics
  }

  status (): TrackerStatus[] {
    return this.pool?.status() ?? []
  }

  stop (): void {
    this.stopped = true
    if (this.rotateTimer) clearTimeout(this.rotateTimer)
    this.leavePool()
  }

  /** A fresh pool (new peer id, new sockets) per epoch, so a tracker cannot
   *  link yesterday's swarm to today's through the connection. */
  private async joinCurrentEpoch (): Promise<void> {
    if (this.stopped) return
    this.leavePool()
    const now = this.now()
    this.epoch = epochAt(now)
    const pool = new TrackerPool({ urls: this.opts.trackers })
    this.pool = pool
    this.topics = new Set()
    pool.onOffer((offer) => { void this.handleOffer(pool, offer) })
    pool.onStatus((s) => this.opts.onStatus?.(s))
    this.seenOffers.clear()
    const msToNextEpoch = (this.epoch + 1) * EPOCH_MS - now
    this.rotateTimer = setTimeout(() => { this.start() }, msToNextEpoch + 1_000)
    this.opts.onStatus?.(pool.status())
    await this.refreshTopics()
  }

  private leavePool (): void {
    if (!this.pool) return
    for (const topic of this.topics) this.pool.leave(topic)
    this.pool.close()
    this.pool = null
  }

  private async handleOffer (pool: TrackerPool, envelope: SignalEnvelope): Promise<void> {
    if (!this.topics.has(envelope.infoHash)) return
    // The same offer may come through several trackers; answer it once.
    const offerKey = `${envelope.fromPeerId}/${envelope.offerId}`
    if (this.seenOffers.has(offerKey)) return
    if (this.pendingAnswers >= (this.opts.maxPendingAnswers ?? 16)) return
    const offer = openOffer(envelope.payload, this.boxSecret, this.now())
    if (!offer) return
    this.seenOffers.add(offerKey)
    if (this.seenOffers.size > 10_000) this.seenOffers.clear()
    this.pendingAnswers++
    try {
      const answer = await answerOffer(this.opts.rtcConfig, offer.sdp)
      if (this.stopped || pool !== this.pool) return
      pool.answer(envelope, sealAnswer(answer.sdp, offer.replyKey))
      const transport = await answer.connected()
      this.opts.onTransport(transport)
    } catch {
      // An offer that leads nowhere (peer went away, bad SDP) is simply dropped.
    } finally {
      this.pendingAnswers--
    }
  }
}
