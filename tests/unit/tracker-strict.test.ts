// The test tracker's strict mode (what Aquatic enforces) and its hostile
// behaviours, driven by raw WebSocket clients so every rule is hit exactly.
import { once } from 'node:events'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES, type RunningTracker, type TrackerOptions } from '../../scripts/lib/tracker-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import { testTracker } from './tracker-fixtures'
import { sleep, waitFor } from './waiting'

const cleanups = cleanupsAfterEach()

const SWARM = 'S'.repeat(20)
const OTHER_SWARM = 'T'.repeat(20)
const PEER_A = 'a'.repeat(20)
const PEER_B = 'b'.repeat(20)

const tracker = (opts: TrackerOptions = {}): Promise<RunningTracker> => testTracker(cleanups, { quiet: true, ...opts })

interface Client { socket: WebSocket, received: Record<string, unknown>[], closed: () => boolean }

async function client (t: RunningTracker): Promise<Client> {
  const socket = new WebSocket(t.url)
  const received: Record<string, unknown>[] = []
  let closed = false
  socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>))
  socket.on('close', () => { closed = true })
  socket.on('error', () => {})
  cleanups.push(() => socket.terminate())
  await once(socket, 'open')
  return { socket, received, closed: () => closed }
}

function announce (c: Client, fields: Record<string, unknown>): void {
  c.socket.send(JSON.stringify({ action: 'announce', info_hash: SWARM, peer_id: PEER_A, numwant: 0, uploaded: 0, downloaded: 0, ...fields }))
}

const offers = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ offer: { type: 'offer', sdp: 'x' }, offer_id: `offer-${i}`.padEnd(20, '-') }))

const responses = (c: Client): number => c.received.filter((m) => m.interval !== undefined).length

describe('strict test tracker', () => {
  it('keeps a socket that follows the rules: first announce, dial offers at once, an answer, stop and re-join, one announce per interval', async () => {
    const t = await tracker({ intervalSec: 3 })
    const c = await client(t)
    announce(c, { event: 'started' })
    announce(c, { offers: offers(10), numwant: 10 })
    announce(c, { offers: offers(3), numwant: 3 })
    announce(c, { to_peer_id: PEER_B, answer: { type: 'answer', sdp: 'y' }, offer_id: 'offer-0'.padEnd(20, '-') })
    announce(c, { info_hash: OTHER_SWARM, event: 'started' }) // another swarm is another first announce
    announce(c, { event: 'stopped' })
    announce(c, { event: 'started' })
    await waitFor(() => responses(c) >= 6)
    expect(c.received.find((m) => m.interval !== undefined)?.interval).toBe(3)
    await sleep(3_100)
    announce(c, {}) // a refresh after the interval
    await waitFor(() => responses(c) >= 7)
    expect(c.closed()).toBe(false)
    expect(t.violations).toEqual([])
  })

  it('drops a socket that uses a second peer id in one swarm', async () => {
    const t = await tracker()
    const c = await client(t)
    announce(c, { event: 'started' })
    announce(c, { peer_id: PEER_B, offers: offers(1), numwant: 1 })
    await waitFor(c.closed)
    expect(t.violations).toHaveLength(1)
    expect(t.violations[0]).toMatch(/second peer id/)
  })

  it('drops a socket that sends more than 10 offers in one announce', async () => {
    const t = await tracker()
    const c = await client(t)
    announce(c, { event: 'started', offers: offers(11), numwant: 11 })
    await waitFor(c.closed)
    expect(t.violations[0]).toMatch(/11 offers/)
    expect(responses(c)).toBe(0) // the server never saw it
  })

  it('drops a socket that sends a message of 64 KiB or more', async () => {
    const t = await tracker()
    const c = await client(t)
    const big = [{ offer: { type: 'offer', sdp: 'x'.repeat(MAX_MESSAGE_BYTES) }, offer_id: 'o'.repeat(20) }]
    announce(c, { event: 'started', offers: big, numwant: 1 })
    await waitFor(c.closed)
    expect(t.violations[0]).toMatch(/bytes/)
  })

  it('drops a socket that re-announces a swarm sooner than the interval it was given', async () => {
    const t = await tracker({ intervalSec: 60 })
    const c = await client(t)
    announce(c, { event: 'started' })
    await waitFor(() => responses(c) >= 1)
    announce(c, {})
    await waitFor(c.closed)
    expect(t.violations[0]).toMatch(/re-announced swarm .* interval is 60 s/)
  })

  it('without strict mode, the same violations pass (the stock server)', async () => {
    const t = await tracker({ strict: false })
    const c = await client(t)
    announce(c, { event: 'started', offers: offers(11), numwant: 11 })
    announce(c, {})
    await waitFor(() => responses(c) >= 2)
    expect(c.closed()).toBe(false)
    expect(t.violations).toEqual([])
  })
})

describe('hostile test trackers', () => {
  async function offerFromAToB (t: RunningTracker): Promise<Client> {
    const a = await client(t)
    const b = await client(t)
    b.socket.send(JSON.stringify({ action: 'announce', info_hash: SWARM, peer_id: PEER_B, numwant: 0, event: 'started', uploaded: 0, downloaded: 0 }))
    await waitFor(() => responses(b) >= 1, 10_000)
    announce(a, { event: 'started', offers: offers(1), numwant: 1 })
    await waitFor(() => responses(a) >= 1, 10_000)
    return b
  }

  it('a good tracker relays an offer', async () => {
    const b = await offerFromAToB(await tracker())
    await waitFor(() => b.received.some((m) => m.offer !== undefined))
  })

  it('a black hole answers announces but relays no offer', async () => {
    const t = await tracker({ behaviour: 'black-hole' })
    const b = await offerFromAToB(t)
    // The offer announce was answered, so a relay would already be on its way;
    // give it the same time a good tracker needs many times over.
    await sleep(300)
    expect(b.received.some((m) => m.offer !== undefined)).toBe(false)
  })

  it('a flapping tracker drops every socket a moment after it opened', async () => {
    const t = await tracker({ behaviour: 'flapping', flapAfterMs: 200 })
    const c = await client(t)
    await waitFor(c.closed)
  })

  it('a slow tracker holds its answers, but they do arrive', async () => {
    const t = await tracker({ behaviour: 'slow', slowDelayMs: 500 })
    const c = await client(t)
    announce(c, { event: 'started' })
    await sleep(100)
    expect(responses(c)).toBe(0)
    await waitFor(() => responses(c) >= 1)
  })
})
