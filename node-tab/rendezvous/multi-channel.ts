// Several rendezvous channels used as one (trackers and relays): what goes
// out goes out through each, what comes in from any is handed on, and an
// answer goes back through the channel its offer came by. Either channel
// alone is enough: with every tracker down, the relays still carry a dial.
import { KithError } from '../../shared/wire/errors'
import type { OutgoingOffer, RendezvousChannel, RendezvousSignal, RouteStatus } from './channel'

export class MultiChannel implements RendezvousChannel {
  /** Which channel brought each signal, so its answer goes back the same way. */
  private readonly cameBy = new WeakMap<RendezvousSignal, RendezvousChannel>()

  /** The first channel takes setRoutes (the trackers the owner edits); the
   *  others keep the routes they were opened with. */
  constructor (private readonly channels: readonly RendezvousChannel[]) {
    if (channels.length === 0) throw new Error('a multi-channel needs a channel')
  }

  announce (topic: string, offers?: readonly OutgoingOffer[]): string[] {
    return [...new Set(this.channels.flatMap((c) => c.announce(topic, offers)))]
  }

  leave (topic: string): void {
    for (const c of this.channels) c.leave(topic)
  }

  answer (to: RendezvousSignal, payload: string): void {
    const channel = this.cameBy.get(to) ?? this.channels.find((c) => c.status().some((s) => s.url === to.route))
    channel?.answer(to, payload)
  }

  onOffer (cb: (signal: RendezvousSignal) => void): () => void {
    const offs = this.channels.map((c) => c.onOffer((s) => { this.cameBy.set(s, c); cb(s) }))
    return () => { for (const off of offs) off() }
  }

  onAnswer (cb: (signal: RendezvousSignal) => void): () => void {
    const offs = this.channels.map((c) => c.onAnswer((s) => { this.cameBy.set(s, c); cb(s) }))
    return () => { for (const off of offs) off() }
  }

  /** Ready once any channel is. */
  async ready (signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new KithError('CANCELLED', 'stopped dialling')
    const inner = new AbortController()
    const stop = (): void => inner.abort()
    signal?.addEventListener('abort', stop, { once: true })
    try {
      await Promise.any(this.channels.map((c) => c.ready(inner.signal)))
    } catch {
      throw new KithError('CANCELLED', 'stopped dialling')
    } finally {
      // The channels still waiting stop waiting.
      signal?.removeEventListener('abort', stop)
      inner.abort()
    }
  }

  status (): RouteStatus[] {
    return this.channels.flatMap((c) => c.status())
  }

  onStatus (cb: (status: RouteStatus[]) => void): () => void {
    const offs = this.channels.map((c) => c.onStatus(() => cb(this.status())))
    return () => { for (const off of offs) off() }
  }

  setRoutes (urls: string[]): void {
    this.channels[0]!.setRoutes(urls)
  }

  networkChanged (): void {
    for (const c of this.channels) c.networkChanged()
  }

  close (): void {
    for (const c of this.channels) c.close()
  }
}
