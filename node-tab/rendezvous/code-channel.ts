// Connection codes as a rendezvous channel (channel.ts): the person carries
// the signals, as text they copy, send any way they like and paste on the
// other side. One channel stands for one hand-carried exchange in one swarm
// (a friend's page): an offer put into it becomes a code to show; a code
// pasted into it arrives as an offer (if it sits in that swarm) or as the
// answer to its outstanding offer. The text of a code is the sealed payload
// itself, so the codes look exactly as they always did (shared/rendezvous/
// connection-codes.ts); which kind a text is comes from its prefix.
import type { OutgoingOffer, RendezvousChannel, RendezvousSignal, RouteStatus } from './channel'

export const BY_HAND = 'by hand'

export interface CodeChannelOptions {
  /** A code to show the person (an offer or an answer to carry). */
  show: (text: string) => void
  /** Which kind of code a pasted text is, or null when it is neither. */
  kindOf: (text: string) => 'offer' | 'answer' | null
}

type Listener = (signal: RendezvousSignal) => void

export class CodeChannel implements RendezvousChannel {
  private topic: string | null = null
  /** The offer shown and waiting for its answer (one at a time: a new one replaces it). */
  private outstanding: { topic: string, offerId: string } | null = null
  private readonly offerListeners = new Set<Listener>()
  private readonly answerListeners = new Set<Listener>()
  private closed = false

  constructor (private readonly opts: CodeChannelOptions) {}

  announce (topic: string, offers?: readonly OutgoingOffer[]): string[] {
    if (this.closed) return []
    this.topic = topic
    const offer = offers?.at(-1)
    if (!offer) return []
    this.outstanding = { topic, offerId: offer.offerId }
    this.opts.show(offer.payload)
    return [BY_HAND]
  }

  leave (topic: string): void {
    if (this.topic === topic) this.topic = null
    if (this.outstanding?.topic === topic) this.outstanding = null
  }

  answer (to: RendezvousSignal, payload: string): void {
    if (!this.closed && to.route === BY_HAND) this.opts.show(payload)
  }

  /** What the person pasted: delivered as an offer or an answer, and
   *  returned; null when it is neither, or nothing here waits for it. */
  paste (text: string): RendezvousSignal | null {
    if (this.closed) return null
    const kind = this.opts.kindOf(text)
    if (kind === 'offer' && this.topic !== null) {
      const signal = { topic: this.topic, from: BY_HAND, offerId: BY_HAND, payload: text, route: BY_HAND }
      for (const cb of [...this.offerListeners]) cb(signal)
      return signal
    }
    if (kind === 'answer' && this.outstanding) {
      const signal = { topic: this.outstanding.topic, from: BY_HAND, offerId: this.outstanding.offerId, payload: text, route: BY_HAND }
      // Single use: whatever the answer leads to, this offer is spent.
      this.outstanding = null
      for (const cb of [...this.answerListeners]) cb(signal)
      return signal
    }
    return null
  }

  /** Whether an offer shown here still waits for its answer. */
  get waiting (): boolean {
    return this.outstanding !== null
  }

  onOffer (cb: Listener): () => void {
    this.offerListeners.add(cb)
    return () => this.offerListeners.delete(cb)
  }

  onAnswer (cb: Listener): () => void {
    this.answerListeners.add(cb)
    return () => this.answerListeners.delete(cb)
  }

  /** The person is always there to carry a code. */
  ready (): Promise<void> {
    return Promise.resolve()
  }

  status (): RouteStatus[] {
    return []
  }

  onStatus (): () => void {
    return () => {}
  }

  setRoutes (): void {}

  networkChanged (): void {}

  close (): void {
    this.closed = true
    this.topic = null
    this.outstanding = null
    this.offerListeners.clear()
    this.answerListeners.clear()
  }
}
