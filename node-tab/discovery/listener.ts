// The node's side of rendezvous: it sits in its own swarm for the current
// epoch and answers offers sealed to its key. Offers it cannot open (meant for
// someone else, altered, stale) are ignored without a word, so a stranger in
// the swarm learns nothing.
import { boxSecretKeyFromSigning } from '../../shared/crypto'
import type { Identity } from '../../shared/identity'
import { epochAt, EPOCH_MS, openOffer, personTopic, sealAnswer } from '../../shared/rendezvous'
import { TrackerPool, type SignalEnvelope, type TrackerStatus } from './tracker-client'
import { answerOffer, type WebRtcTransport } from './webrtc'

export interface ListenerOptions {
  identity: Identity
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
  private topic = ''
  private readonly boxSecret: Uint8Array
  private readonly seenOffers = new Set<string>()
  private pendingAnswers = 0
  private rotateTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false

  constructor (private readonly opts: ListenerOptions) {
    this.boxSecret = boxSecretKeyFromSigning(opts.identity.secretKey)
  }

  private now (): number { return (this.opts.now ?? Date.now)() }

  start (): void {
    this.joinCurrentEpoch()
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
  private joinCurrentEpoch (): void {
    if (this.stopped) return
    this.leavePool()
    const now = this.now()
    const epoch = epochAt(now)
    this.topic = personTopic(this.opts.identity.publicKey, epoch)
    const pool = new TrackerPool({ urls: this.opts.trackers })
    this.pool = pool
    pool.onOffer((offer) => { void this.handleOffer(pool, offer) })
    pool.onStatus((s) => this.opts.onStatus?.(s))
    pool.announce(this.topic)
    this.seenOffers.clear()
    const msToNextEpoch = (epoch + 1) * EPOCH_MS - now
    this.rotateTimer = setTimeout(() => this.joinCurrentEpoch(), msToNextEpoch + 1_000)
    this.opts.onStatus?.(pool.status())
  }

  private leavePool (): void {
    if (!this.pool) return
    this.pool.leave(this.topic)
    this.pool.close()
    this.pool = null
  }

  private async handleOffer (pool: TrackerPool, envelope: SignalEnvelope): Promise<void> {
    if (envelope.infoHash !== this.topic) return
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
