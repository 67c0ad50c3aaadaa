// Trackers as a rendezvous channel (rendezvous/channel.ts): swarms are
// WebTorrent swarms (the topic is the info hash), offers and answers go
// through every tracker of the pool, and a signal's route is the tracker it
// came through, so an answer goes back through the same tracker.
import { KithError } from '../../shared/wire/errors'
import type { OutgoingOffer, RendezvousChannel, RendezvousSignal, RouteStatus } from '../rendezvous/channel'
import type { TrackerPool } from './tracker-client'
import type { SignalEnvelope } from './tracker-types'

export class TrackerChannel implements RendezvousChannel {
  constructor (readonly pool: TrackerPool) {}

  announce (topic: string, offers?: readonly OutgoingOffer[]): string[] {
    // Where the offers go: trackers open and not known to be slow (the
    // evidence the relay book weighs, tracker-relays.ts).
    const routes = this.pool.status().filter((t) => t.state === 'open' && t.health !== 'slow').map((t) => t.url)
    this.pool.announce(topic, offers ? [...offers] : undefined)
    return routes
  }

  leave (topic: string): void {
    this.pool.leave(topic)
  }

  answer (to: RendezvousSignal, payload: string): void {
    this.pool.answer({ infoHash: to.topic, fromPeerId: to.from, offerId: to.offerId, payload: to.payload, trackerUrl: to.route }, payload)
  }

  onOffer (cb: (signal: RendezvousSignal) => void): () => void {
    return this.pool.onOffer((envelope) => cb(signalOf(envelope)))
  }

  onAnswer (cb: (signal: RendezvousSignal) => void): () => void {
    return this.pool.onAnswer((envelope) => cb(signalOf(envelope)))
  }

  ready (signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new KithError('CANCELLED', 'stopped dialling'))
    const isOpen = (s: RouteStatus[]): boolean => s.some((t) => t.state === 'open')
    if (isOpen(this.pool.status())) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const off = this.pool.onStatus((s) => {
        if (isOpen(s)) { off(); resolve() }
      })
      signal?.addEventListener('abort', () => { off(); reject(new KithError('CANCELLED', 'stopped dialling')) }, { once: true })
    })
  }

  status (): RouteStatus[] {
    return this.pool.status()
  }

  onStatus (cb: (status: RouteStatus[]) => void): () => void {
    return this.pool.onStatus(cb)
  }

  setRoutes (urls: string[]): void {
    this.pool.setUrls(urls)
  }

  networkChanged (): void {
    this.pool.networkChanged()
  }

  close (): void {
    this.pool.close()
  }
}

function signalOf (e: SignalEnvelope): RendezvousSignal {
  return { topic: e.infoHash, from: e.fromPeerId, offerId: e.offerId, payload: e.payload, route: e.trackerUrl }
}
