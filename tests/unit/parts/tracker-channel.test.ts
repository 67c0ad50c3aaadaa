// TrackerChannel (node-tab/discovery/tracker-channel.ts), beyond the
// rendezvous contract (tests/contract/rendezvous-contract.ts, run against
// real trackers): which trackers an offer is said to go out by, that an
// answer goes back through the tracker its offer came by, and ready()'s
// wait. A stand-in pool records what the channel asks of it.
import { describe, expect, it } from 'vitest'
import { KithError } from '../../../shared/wire/errors'
import type { TrackerPool } from '../../../node-tab/discovery/tracker-client'
import { TrackerChannel } from '../../../node-tab/discovery/tracker-channel'
import type { SignalEnvelope, TrackerStatus } from '../../../node-tab/discovery/tracker-types'
import type { RendezvousSignal } from '../../../node-tab/rendezvous/channel'

const TOPIC = 'T'.repeat(20)

class FakePool {
  trackers: TrackerStatus[] = []
  readonly calls: unknown[][] = []
  readonly offerListeners = new Set<(e: SignalEnvelope) => void>()
  readonly statusListeners = new Set<(s: TrackerStatus[]) => void>()
  announce (infoHash: string, offers?: unknown[]): void { this.calls.push(['announce', infoHash, offers]) }
  leave (infoHash: string): void { this.calls.push(['leave', infoHash]) }
  answer (to: SignalEnvelope, payload: string): void { this.calls.push(['answer', to, payload]) }
  setUrls (urls: string[]): void { this.calls.push(['setUrls', urls]) }
  networkChanged (): void { this.calls.push(['networkChanged']) }
  close (): void { this.calls.push(['close']) }
  status (): TrackerStatus[] { return this.trackers }
  onOffer (cb: (e: SignalEnvelope) => void): () => void { this.offerListeners.add(cb); return () => this.offerListeners.delete(cb) }
  onAnswer (): () => void { return () => {} }
  onStatus (cb: (s: TrackerStatus[]) => void): () => void { this.statusListeners.add(cb); return () => this.statusListeners.delete(cb) }
  setStatus (trackers: TrackerStatus[]): void {
    this.trackers = trackers
    for (const cb of [...this.statusListeners]) cb(trackers)
  }
}

function channel () {
  const pool = new FakePool()
  return { pool, channel: new TrackerChannel(pool as unknown as TrackerPool) }
}

const tracker = (url: string, state: TrackerStatus['state'], health: TrackerStatus['health'] = 'working'): TrackerStatus => ({ url, state, health })

describe('TrackerChannel', () => {
  it('an offer goes into the pool; the routes it is said to go by are the open trackers not known to be slow', () => {
    const { pool, channel: c } = channel()
    pool.trackers = [
      tracker('wss://a.test', 'open'),
      tracker('wss://slow.test', 'open', 'slow'),
      tracker('wss://down.test', 'backoff', 'unreachable'),
      tracker('wss://quiet.test', 'open', 'not-relaying')
    ]
    const offers = [{ offerId: 'o1', payload: 'sealed' }]
    expect(c.announce(TOPIC, offers)).toEqual(['wss://a.test', 'wss://quiet.test'])
    expect(pool.calls).toEqual([['announce', TOPIC, offers]])
  })

  it('an answer goes back through the tracker its offer came by, to the peer that sent it', () => {
    const { pool, channel: c } = channel()
    const arrived: RendezvousSignal[] = []
    c.onOffer((s) => arrived.push(s))
    const envelope: SignalEnvelope = { infoHash: TOPIC, fromPeerId: 'peer-1', offerId: 'o1', payload: 'sealed offer', trackerUrl: 'wss://b.test' }
    for (const cb of pool.offerListeners) cb(envelope)
    expect(arrived).toEqual([{ topic: TOPIC, from: 'peer-1', offerId: 'o1', payload: 'sealed offer', route: 'wss://b.test' }])
    c.answer(arrived[0]!, 'sealed answer')
    expect(pool.calls).toEqual([['answer', envelope, 'sealed answer']])
  })

  it('ready() resolves at once with a tracker open, else when one opens', async () => {
    const { pool, channel: c } = channel()
    pool.trackers = [tracker('wss://a.test', 'open')]
    await c.ready()
    pool.trackers = [tracker('wss://a.test', 'connecting', 'connecting')]
    let resolved = false
    const waiting = c.ready().then(() => { resolved = true })
    pool.setStatus([tracker('wss://a.test', 'backoff', 'unreachable')])
    await Promise.resolve()
    expect(resolved).toBe(false)
    pool.setStatus([tracker('wss://a.test', 'open')])
    await waiting
    expect(pool.statusListeners.size).toBe(0)
  })

  it('ready() stops waiting, as CANCELLED, when its signal aborts', async () => {
    const { pool, channel: c } = channel()
    const stop = new AbortController()
    const waiting = c.ready(stop.signal)
    stop.abort()
    const err = await waiting.then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('CANCELLED')
    expect(pool.statusListeners.size).toBe(0)
  })

  // An ICE restart whose time ran out before its offer was ready passes an
  // aborted signal (discovery/dialer.ts, sendRestartOffer): with no tracker
  // open, a wait that ignored it never ended, nor closed its channel.
  it('ready() with a signal already aborted rejects at once, as CANCELLED', async () => {
    const { pool, channel: c } = channel()
    const stop = new AbortController()
    stop.abort()
    const err = await c.ready(stop.signal).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('CANCELLED')
    expect(pool.statusListeners.size).toBe(0)
  })

  it('routes, network changes, leaving and closing go to the pool', () => {
    const { pool, channel: c } = channel()
    c.setRoutes(['wss://x.test'])
    c.networkChanged()
    c.leave(TOPIC)
    c.close()
    expect(pool.calls).toEqual([['setUrls', ['wss://x.test']], ['networkChanged'], ['leave', TOPIC], ['close']])
  })
})
