// The rendezvous seam: how sealed offers and answers reach the peer behind a
// meeting. A channel knows nothing of meetings, keys or sealing: it carries
// opaque sealed payloads into and out of swarms (topics), and the dialler
// and the listener (discovery/dialer.ts, listener.ts) do the rest the same
// way whatever carries them. Implemented by trackers (discovery/
// tracker-channel.ts) and by connection codes carried by hand
// (code-channel.ts); every implementation passes tests/contract/
// rendezvous-contract.ts. (The shape of Trystero's strategies and
// automerge-repo's network adapters.)
import type { TrackerStatus } from '../discovery/tracker-types'

/** An offer to put into a swarm: an id its answer comes back with, and
 *  the sealed offer. */
export interface OutgoingOffer { offerId: string, payload: string }

/** An offer or answer as it arrived. */
export interface RendezvousSignal {
  /** The swarm it came through. */
  topic: string
  /** Who sent it, as the route names them (a tracker's peer id). */
  from: string
  /** Pairs an answer with its offer (chosen by the offerer). */
  offerId: string
  /** Sealed: only the intended peer can open it. Hostile until opened. */
  payload: string
  /** Which way it came (a tracker's URL, a relay's, 'by hand'): an answer
   *  goes back the same way. */
  route: string
}

/** How one route is doing, for the owner to see (a tracker, a relay). */
export type RouteStatus = TrackerStatus

export interface RendezvousChannel {
  /** Sit in a swarm, so offers put there arrive through onOffer; with
   *  offers, also put them there (their answers arrive through onAnswer).
   *  Returns the routes the offers went out by. */
  announce (topic: string, offers?: readonly OutgoingOffer[]): string[]
  leave (topic: string): void
  /** Answers an offer that arrived, back the way it came. */
  answer (to: RendezvousSignal, payload: string): void
  onOffer (cb: (signal: RendezvousSignal) => void): () => void
  onAnswer (cb: (signal: RendezvousSignal) => void): () => void
  /** Resolves once something can go out (a route is open). */
  ready (signal?: AbortSignal): Promise<void>
  status (): RouteStatus[]
  onStatus (cb: (status: RouteStatus[]) => void): () => void
  /** The routes to use changed (trackers added or removed). */
  setRoutes (urls: string[]): void
  /** The device's network changed: reconnect what was connected. */
  networkChanged (): void
  close (): void
}
