// The dialling side of rendezvous: knowing where to meet a person (our pair
// swarm, an invite's swarm, or their address swarm), join it for this epoch
// with a few offers sealed the way that swarm demands (with its key, or to
// their public key in the address swarm), and take the first answer that
// opens. Retries with backoff until connected or cancelled.
import { toBinaryString } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/crypto'
import { KithError } from '../../shared/wire/errors'
import { sealOfferFor, type Meeting } from '../../shared/rendezvous/meetings'
import { epochsToTry, openAnswer } from '../../shared/rendezvous/rendezvous'
import type { BoxKeyPair } from '../../shared/crypto/crypto'
import type { RendezvousChannel, RendezvousSignal } from '../rendezvous/channel'
import { openRendezvous } from '../rendezvous/open-channel'
import { MAX_OFFERS_PER_ANNOUNCE } from './tracker-messages'
import type { RelayBook } from './tracker-relays'
import { createOffer, type PendingOffer, type WebRtcTransport } from './webrtc'

export type DialPhase = 'waiting-for-tracker' | 'searching' | 'connecting'

export interface DialOptions {
  /** Where to look for them during an epoch, and how to seal offers there
   *  (see shared/meetings). */
  meetingFor: (epoch: number) => Meeting
  trackers: string[]
  /** Nostr relays to offer through beside the trackers (relays/). */
  relayUrls?: string[]
  rtcConfig: RTCConfiguration
  signal?: AbortSignal
  onPhase?: (phase: DialPhase, attempt: number) => void
  /** Offers per attempt and epoch. Several, because the tracker hands each
   *  offer to one random peer in the swarm, which may not be the person. */
  offersPerAttempt?: number
  firstWaitMs?: number
  maxWaitMs?: number
  now?: () => number
  /** Where the node notes which trackers relayed our offers (tracker-relays.ts). */
  relays?: RelayBook
  /** What carries the sealed offers and answers (rendezvous/channel.ts):
   *  by default the trackers above. One is opened per dial. */
  openChannel?: () => RendezvousChannel
}

/** The channel a dial uses: the one given, or the trackers (and relays). */
function channelFor (opts: Pick<DialOptions, 'openChannel' | 'trackers' | 'relayUrls' | 'relays'>): RendezvousChannel {
  if (opts.openChannel) return opts.openChannel()
  if (opts.trackers.length === 0 && (opts.relayUrls ?? []).length === 0) throw new KithError('BAD_REQUEST', 'No trackers or relays are configured, so nobody can be found.')
  return openRendezvous({ trackers: opts.trackers, relayUrls: opts.relayUrls, relays: opts.relays })
}

/** After a dial succeeds, how long its trackers stay joined to bring the
 *  other copies of the answer: evidence of which ones relay. On a busy
 *  device (or friend) the copy through a good tracker can come seconds after
 *  the first; 2 s called a working tracker "not relaying" under load. */
const LINGER_MS = 6_000
/** How often an unanswered ICE restart offer is announced again. */
const RESTART_REANNOUNCE_MS = 2_000

interface OutstandingOffer { offer: PendingOffer, reply: BoxKeyPair, topic: string }

export async function dial (opts: DialOptions): Promise<WebRtcTransport> {
  const channel = channelFor(opts)
  const outstanding = new Map<string, OutstandingOffer>()
  // Evidence for the relay book, per attempt: the trackers the offers went
  // to (open and not known to be slow), and those that brought an answer.
  let attemptOffers = new Map<string, { reply: BoxKeyPair, topic: string }>()
  let sentVia: string[] = []
  let answeredVia = new Set<string>()
  let connected = false
  // The book judges trackers only: a relay's route is left out of it.
  const noteAttempt = (): void => { opts.relays?.dialed(sentVia.filter((url) => opts.trackers.includes(url)), answeredVia) }
  const topics = new Set<string>()
  let answered: ((transport: WebRtcTransport) => void) | null = null
  let connecting = 0
  // An answer came but ICE found no way through (two NATs, no relay): the
  // person is there and a retry will not change the networks, so the dial
  // ends with that reason instead of searching on behind a spinner.
  let unreachable: KithError | null = null
  let gaveUp: ((err: KithError) => void) | null = null

  channel.onAnswer((envelope: RendezvousSignal) => {
    const sent = attemptOffers.get(envelope.offerId)
    if (sent && envelope.topic === sent.topic && openAnswer(envelope.payload, sent.reply) !== null) answeredVia.add(envelope.route)
    const entry = outstanding.get(envelope.offerId)
    if (!entry || envelope.topic !== entry.topic) return
    const sdp = openAnswer(envelope.payload, entry.reply)
    if (sdp === null) return // not from the person we sealed to
    outstanding.delete(envelope.offerId)
    connecting++
    opts.onPhase?.('connecting', 0)
    entry.offer.complete(sdp, opts.signal)
      .then((transport) => {
        // Only the first connection that opens is used; a second one (another
        // offer answered in the same attempt) is closed, not left open.
        const take = answered
        answered = null
        if (take) take(transport)
        else transport.close('not needed')
      })
      .catch((err: unknown) => {
        // That answer led nowhere; others may still.
        if (err instanceof KithError && err.code === 'NEEDS_RELAY') unreachable = err
      })
      .finally(() => {
        connecting--
        if (connecting === 0 && unreachable && gaveUp) gaveUp(unreachable)
      })
  })

  const discardAll = (): void => {
    for (const entry of outstanding.values()) entry.offer.discard()
    outstanding.clear()
  }

  try {
    let waitMs = opts.firstWaitMs ?? 4_000
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(opts.signal)
      opts.onPhase?.('waiting-for-tracker', attempt)
      discardAll()
      if (unreachable) throw unreachable
      if (attempt > 1) noteAttempt()
      attemptOffers = new Map()
      answeredVia = new Set()
      const now = (opts.now ?? Date.now)()
      const epochs = epochsToTry(now)
      // Offers gather ICE candidates while the tracker sockets open.
      const [offerSets] = await Promise.all([
        Promise.all(epochs.map(() => Promise.all(Array.from({ length: offersPerAttempt(opts) }, () => createOffer(opts.rtcConfig))))),
        channel.ready(opts.signal)
      ])
      opts.onPhase?.('searching', attempt)
      sentVia = []
      for (const [i, epoch] of epochs.entries()) {
        const meeting = opts.meetingFor(epoch)
        const topic = meeting.topic
        topics.add(topic)
        const offers = offerSets[i]!
        const sealed = offers.map((offer) => {
          const offerId = toBinaryString(randomBytes(20))
          const { payload, reply } = sealOfferFor(meeting, offer.sdp, now)
          outstanding.set(offerId, { offer, reply, topic })
          attemptOffers.set(offerId, { reply, topic })
          return { offerId, payload }
        })
        sentVia = [...new Set([...sentVia, ...channel.announce(topic, sealed)])]
      }
      const transport = await new Promise<WebRtcTransport | null>((resolve, reject) => {
        answered = resolve
        gaveUp = (err) => { clearTimeout(deadline); reject(err) }
        const deadline = setTimeout(function check () {
          // An answer that is still opening gets a little longer.
          if (connecting > 0) return void setTimeout(check, 500)
          resolve(null)
        }, waitMs)
        opts.signal?.addEventListener('abort', () => { clearTimeout(deadline); resolve(null) }, { once: true })
      })
      answered = null
      gaveUp = null
      if (transport) {
        connected = true
        // Where this session's ICE restarts go: the same swarm, sealed the same way.
        transport.restartVia = (sdp, tag, signal) => sendRestartOffer(opts, sdp, tag, signal)
        return transport
      }
      waitMs = Math.min(waitMs * 2, opts.maxWaitMs ?? 15_000)
    }
  } finally {
    discardAll()
    // A dial that connected stays joined a moment for the other copies of
    // its answer; one that was stopped has nothing more to learn.
    setTimeout(() => {
      if (connected) noteAttempt()
      for (const topic of topics) channel.leave(topic)
      // Give the 'stopped' announces a moment to leave before the sockets close.
      setTimeout(() => channel.close(), 200)
    }, connected ? LINGER_MS : 0)
  }
}

/** Sends an ICE restart offer for a live session into the swarm where it
 *  was dialled (sealed like a dial's offer, carrying the session's restart
 *  tag) and resolves with the answer SDP from the same person. */
export async function sendRestartOffer (opts: Pick<DialOptions, 'meetingFor' | 'trackers' | 'relayUrls' | 'relays' | 'now' | 'openChannel'>, sdp: string, tag: Uint8Array, signal: AbortSignal): Promise<string> {
  const channel = channelFor(opts)
  const topics = new Set<string>()
  try {
    await channel.ready(signal)
    const now = (opts.now ?? Date.now)()
    const sent = new Map<string, { reply: BoxKeyPair, topic: string, payload: string }>()
    for (const epoch of epochsToTry(now)) {
      const meeting = opts.meetingFor(epoch)
      const offerId = toBinaryString(randomBytes(20))
      const { payload, reply } = sealOfferFor(meeting, sdp, now, tag)
      sent.set(offerId, { reply, topic: meeting.topic, payload })
      topics.add(meeting.topic)
    }
    // The same sealed offer again every little while: a tracker passes an
    // offer only to peers in the swarm at that moment, and the peer's own
    // tracker socket may just be coming back. A copy it already answered is
    // a replay there, and costs nothing.
    const announce = (): void => {
      for (const [offerId, entry] of sent) channel.announce(entry.topic, [{ offerId, payload: entry.payload }])
    }
    announce()
    const again = setInterval(announce, RESTART_REANNOUNCE_MS)
    return await new Promise<string>((resolve, reject) => {
      const off = channel.onAnswer((envelope) => {
        const entry = sent.get(envelope.offerId)
        if (!entry || envelope.topic !== entry.topic) return
        const answer = openAnswer(envelope.payload, entry.reply)
        if (answer === null) return
        off()
        resolve(answer)
      })
      signal.addEventListener('abort', () => { off(); reject(new KithError('CANCELLED', 'the ICE restart was given up')) }, { once: true })
    }).finally(() => clearInterval(again))
  } finally {
    for (const topic of topics) channel.leave(topic)
    setTimeout(() => channel.close(), 200)
  }
}

/** A strict tracker takes at most 10 offers in one announce. */
function offersPerAttempt (opts: DialOptions): number {
  return Math.max(1, Math.min(opts.offersPerAttempt ?? 3, MAX_OFFERS_PER_ANNOUNCE))
}

function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted) throw new KithError('CANCELLED', 'stopped dialling')
}
