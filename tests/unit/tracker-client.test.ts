// The tracker client against real stock bittorrent-tracker servers (in this
// process, or in a child process when a tracker must really die), and against
// fake trackers that send what a hostile tracker might.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { describe, expect, it } from 'vitest'
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import {
  randomPeerId, TrackerPool, type SignalEnvelope, type TrackerPoolOptions, type TrackerState, type TrackerStatus
} from '../../node-tab/discovery/tracker-client'
import { backoffDelay } from '../../node-tab/discovery/backoff'
import { cleanupsAfterEach } from './cleanups'
import { repeatUntil as repeatWithin, testPool } from './tracker-fixtures'
import { sleep, waitFor as waitUntil } from './waiting'

const waitFor = (cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => waitUntil(cond, timeoutMs, 20)

// Run last-in first-out: pools close before the trackers they talk to (an
// in-process tracker's close() waits for its clients to go).
const cleanups = cleanupsAfterEach()

const repeatUntil = (action: () => void, cond: () => boolean): Promise<void> => repeatWithin(action, cond, 5_000)
const makePool = (urls: string[], extra: Partial<TrackerPoolOptions> = {}): TrackerPool => testPool(cleanups, urls, extra)

function offersOf (pool: TrackerPool): SignalEnvelope[] {
  const got: SignalEnvelope[] = []
  pool.onOffer((e) => got.push(e))
  return got
}

function answersOf (pool: TrackerPool): SignalEnvelope[] {
  const got: SignalEnvelope[] = []
  pool.onAnswer((e) => got.push(e))
  return got
}

function stateOf (pool: TrackerPool, url: string): TrackerState | undefined {
  return statusOf(pool, url)?.state
}

function statusOf (pool: TrackerPool, url: string): TrackerStatus | undefined {
  return pool.status().find((s) => s.url === url)
}

const allOpen = (...pools: TrackerPool[]): boolean => pools.every((p) => p.status().every((s) => s.state === 'open'))

async function inProcessTracker (): Promise<{ url: string, port: number, close: () => Promise<void> }> {
  const tracker = await startTracker()
  cleanups.push(() => tracker.close())
  return tracker
}

const trackerModule = new URL('../../scripts/lib/tracker-server.mjs', import.meta.url).href

/** A stock tracker in its own process, so it can be killed outright, with
 *  no chance to say goodbye on its sockets. */
async function childTracker (port = 0): Promise<{ url: string, port: number, kill: () => Promise<void> }> {
  const script = `const { startTracker } = await import(${JSON.stringify(trackerModule)})
const t = await startTracker({ port: ${port} })
console.log(t.port)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = once(child, 'exit')
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  cleanups.push(kill)
  const actualPort = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /^(\d+)\n/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    void exited.then(() => reject(new Error('tracker process exited early')))
  })
  return { url: `ws://127.0.0.1:${actualPort}`, port: actualPort, kill }
}

/** A port nothing listens on (just freed by the OS). */
async function unusedPortUrl (): Promise<string> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `ws://127.0.0.1:${port}`
}

type Json = Record<string, unknown>

/** A plain WebSocket server standing in for a tracker: records what it gets
 *  and lets the test decide what to send back. */
async function fakeTracker (onMessage: (msg: Json, socket: WebSocket) => void): Promise<{ url: string, received: Json[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  const received: Json[] = []
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Json
      received.push(msg)
      onMessage(msg, socket)
    })
  })
  cleanups.push(() => new Promise<void>((resolve) => {
    for (const client of wss.clients) client.terminate()
    wss.close(() => resolve())
  }))
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, received }
}

const announceReply = (infoHash: unknown, interval: number): string =>
  JSON.stringify({ action: 'announce', info_hash: infoHash, interval, complete: 0, incomplete: 1 })

/** A refresh: an announce with no event, no offers, no answer. */
const isRefresh = (m: Json): boolean => m.event === undefined && m.offers === undefined && m.answer === undefined

/** A listener in a swarm and a dialer, on the same trackers, both connected,
 *  with what reaches each. */
async function listenerAndDialer (urls: string[]) {
  const listener = makePool(urls)
  const dialer = makePool(urls)
  const offers = offersOf(listener)
  const answers = answersOf(dialer)
  const infoHash = randomPeerId()
  // Announced before the socket is open, and without offers: the pool joins
  // once connected, and offers still reach it.
  listener.announce(infoHash)
  await waitFor(() => allOpen(listener, dialer))
  return { listener, dialer, offers, answers, infoHash }
}

/** A backoff delay as a status shows it: the time left until the retry,
 *  read when the status is handled. A busy machine (other test files
 *  beside this one) handles it late, which only shortens what is left:
 *  up to 20 ms short is the same delay; the delays told apart here differ
 *  by 50 ms and more. */
function expectDelay (observed: number, want: number): void {
  expect(observed).toBeLessThanOrEqual(want + 1)
  expect(observed).toBeGreaterThanOrEqual(want - 20)
}

describe('TrackerPool with a stock tracker', () => {
  it('relays an offer and its answer between two pools, payloads unchanged', async () => {
    const tracker = await inProcessTracker()
    const { listener, dialer, offers, answers, infoHash } = await listenerAndDialer([tracker.url])

    const offerId = randomPeerId()
    const offerPayload = 'sealed "offer"\n\\ é 😀 \u0000\u00ff ' + 'x'.repeat(30_000)
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId, payload: offerPayload }]), () => offers.length > 0)
    expect(offers[0]).toEqual({ infoHash, fromPeerId: dialer.peerId, offerId, payload: offerPayload, trackerUrl: tracker.url })

    const answerPayload = 'sealed "answer" ✓ ' + 'y'.repeat(10_000)
    listener.answer(offers[0]!, answerPayload)
    await waitFor(() => answers.length > 0)
    expect(answers[0]).toEqual({ infoHash, fromPeerId: listener.peerId, offerId, payload: answerPayload, trackerUrl: tracker.url })
    expect(offersOf(dialer)).toEqual([]) // its own offers never come back to it
  })

  it('stays within what a strict tracker accepts: no early re-announce per swarm, at most 10 offers an announce, messages under 64 KiB', async () => {
    const tracker = await startTracker({ intervalSec: 1, quiet: true })
    cleanups.push(() => tracker.close())
    // The client's floor is lowered so the tracker's 1 s interval is used as is.
    const pool = makePool([tracker.url], { minAnnounceIntervalMs: 100 })
    const listener = makePool([tracker.url])
    const offers = offersOf(listener)
    const early = randomPeerId()
    const late = randomPeerId()
    listener.announce(late)
    pool.announce(early)
    await waitFor(() => allOpen(pool, listener))
    await sleep(500)
    // Joined half an interval after the first: a refresh of both at once
    // would re-announce this one too early.
    pool.announce(late)
    pool.announce(late) // a second join without offers, at once: skipped, not sent
    // 25 offers of 6 kB each: more than 10 and more than 64 KiB together.
    const many = Array.from({ length: 25 }, (_, i) => ({ offerId: `offer-${i}`, payload: 'p'.repeat(6_000) }))
    pool.announce(late, many)
    await waitFor(() => offers.length > 0)
    await sleep(2_600) // two intervals and a half: refreshes of both swarms
    expect(tracker.violations).toEqual([])
    expect(pool.status()[0]!.state).toBe('open')
    expect(new Set(offers.map((o) => o.offerId)).size).toBe(offers.length)
  })

  it('tells a slow tracker and one that keeps dropping from a working one', async () => {
    const good = await startTracker({ quiet: true })
    const slow = await startTracker({ quiet: true, behaviour: 'slow', slowDelayMs: 1_700 })
    const flapping = await startTracker({ quiet: true, behaviour: 'flapping', flapAfterMs: 30 })
    cleanups.push(() => good.close(), () => slow.close(), () => flapping.close())
    const pool = makePool([good.url, slow.url, flapping.url], { stableAfterMs: 500 })
    pool.announce(randomPeerId())
    const health = (t: { url: string }): string | undefined => statusOf(pool, t.url)?.health
    await waitFor(() => health(good) === 'working' && health(slow) === 'slow' && health(flapping) === 'keeps-dropping', 8_000)
    expect(statusOf(pool, slow.url)!.responseMs).toBeGreaterThan(1_500)
  })

  it('setUrls() adds and drops trackers while the others keep their sockets and swarms', async () => {
    const a = await inProcessTracker()
    const b = await inProcessTracker()
    const pool = makePool([a.url])
    const dialer = makePool([b.url])
    const offers = offersOf(pool)
    const infoHash = randomPeerId()
    pool.announce(infoHash)
    await waitFor(() => allOpen(pool, dialer))
    const opened: string[] = []
    pool.onStatus((list) => { for (const t of list) if (t.state === 'connecting') opened.push(t.url) })
    pool.setUrls([a.url, b.url])
    await waitFor(() => allOpen(pool) && pool.status().length === 2)
    // The new tracker has the swarm joined: offers through it arrive.
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: randomPeerId(), payload: 'via b' }]), () => offers.length > 0)
    expect(offers[0]!.trackerUrl).toBe(b.url)
    expect(opened).not.toContain(a.url) // a's socket was never replaced
    pool.setUrls([b.url])
    expect(pool.status().map((t) => t.url)).toEqual([b.url])
  })

  it('uses several trackers at once and keeps working when one is killed', async () => {
    const t1 = await childTracker()
    const t2 = await childTracker()
    const { listener, dialer, offers, answers, infoHash } = await listenerAndDialer([t1.url, t2.url])

    const reached = (): Set<string> => new Set(offers.filter((o) => o.offerId === 'first').map((o) => o.trackerUrl))
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'first', payload: 'p1' }]), () => reached().size === 2)

    await t1.kill()
    await waitFor(() => stateOf(listener, t1.url) === 'backoff' && stateOf(dialer, t1.url) === 'backoff')
    expect(statusOf(listener, t1.url)?.lastError).toBeTruthy()
    expect(stateOf(listener, t2.url)).toBe('open')

    const second = (): SignalEnvelope[] => offers.filter((o) => o.offerId === 'second')
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'second', payload: 'p2' }]), () => second().length > 0)
    expect(second().every((o) => o.trackerUrl === t2.url && o.payload === 'p2')).toBe(true)
    listener.answer(second()[0]!, 'a2')
    await waitFor(() => answers.some((a) => a.offerId === 'second' && a.payload === 'a2' && a.trackerUrl === t2.url))
  })

  it('backs off from a tracker where nothing listens, without a busy loop, while another works', async () => {
    const live = await inProcessTracker()
    const deadUrl = await unusedPortUrl()
    const attempts: number[] = []
    const statuses: { at: number, s: TrackerStatus }[] = []
    const start = Date.now()
    const listener = makePool([deadUrl, live.url], {
      minBackoffMs: 50,
      maxBackoffMs: 400,
      random: () => 0.5,
      createSocket: (url) => {
        if (url === deadUrl) attempts.push(Date.now())
        return new WebSocket(url) as unknown as globalThis.WebSocket
      }
    })
    listener.onStatus((all) => {
      // Every tracker's change reports all of them; keep the dead one's changes.
      const s = all.find((x) => x.url === deadUrl)
      const last = statuses.at(-1)?.s
      if (s && (s.state !== last?.state || s.nextRetryAt !== last.nextRetryAt)) statuses.push({ at: Date.now(), s })
    })
    const dialer = makePool([deadUrl, live.url])
    const offers = offersOf(listener)
    const infoHash = randomPeerId()
    listener.announce(infoHash)

    // The live tracker works meanwhile.
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'o', payload: 'p' }]), () => offers.length > 0)
    expect(offers[0]?.trackerUrl).toBe(live.url)

    await sleep(1_500 - (Date.now() - start))
    // With random() = 0.5 the delays are 75, 125, 225, 225… ms: about 8
    // attempts in 1.5 s, where a reconnect loop without backoff makes hundreds.
    const inWindow = attempts.filter((t) => t - start <= 1_500)
    expect(inWindow.length).toBeGreaterThanOrEqual(3)
    expect(inWindow.length).toBeLessThanOrEqual(12)

    const backoffs = statuses.filter(({ s }) => s.state === 'backoff')
    const delays = backoffs.map(({ at, s }) => s.nextRetryAt! - at)
    expect(delays.length).toBeGreaterThanOrEqual(3)
    ;[75, 125, 225, 225].slice(0, delays.length).forEach((want, i) => expectDelay(delays[i]!, want))
    expect(delays.every((d) => d <= 403)).toBe(true)
    expect(backoffs.every(({ s }) => typeof s.lastError === 'string' && s.lastError.length > 0)).toBe(true)
    // Each attempt really waited for its delay (timers never fire early).
    inWindow.slice(1).forEach((t, i) => {
      expect(t - inWindow[i]!).toBeGreaterThanOrEqual(delays[i]! - 3)
    })
  })

  it('a tracker that opens while a dial waits gets the offers already sent through the others, until the swarm is left', async () => {
    const first = await inProcessTracker()
    const late = await inProcessTracker()
    const deadUrl = await unusedPortUrl()
    // The listener is only on the late tracker; the dialer reaches it only once "reachable".
    const listener = makePool([late.url])
    const offers = offersOf(listener)
    const infoHash = randomPeerId()
    listener.announce(infoHash)
    let reachable = false
    const dialer = makePool([first.url, late.url], {
      createSocket: (url) => new WebSocket(url === late.url && !reachable ? deadUrl : url) as unknown as globalThis.WebSocket
    })
    await waitFor(() => allOpen(listener) && stateOf(dialer, first.url) === 'open')
    dialer.announce(infoHash, [{ offerId: 'old', payload: 'p' }])
    dialer.announce(infoHash, [{ offerId: 'sent-while-closed', payload: 'p' }])
    await sleep(100)
    expect(offers).toEqual([])

    // Announced once, before it opened: the late tracker still brings the newest offers.
    reachable = true
    await waitFor(() => offers.some((o) => o.offerId === 'sent-while-closed'))
    expect(offers.every((o) => o.offerId === 'sent-while-closed' && o.trackerUrl === late.url)).toBe(true)

    // Once the dial has left the swarm, joining it again without offers and a
    // new socket to the late tracker offer nothing again.
    dialer.leave(infoHash)
    dialer.announce(infoHash)
    const before = offers.length
    dialer.setUrls([first.url])
    dialer.setUrls([first.url, late.url])
    await waitFor(() => allOpen(dialer))
    await sleep(300)
    expect(offers.length).toBe(before)
  })

  it('reconnects after a tracker restarts on the same port and re-joins its swarms', async () => {
    const first = await childTracker()
    const { listener, dialer, offers, infoHash } = await listenerAndDialer([first.url])
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'before', payload: 'p' }]), () => offers.length > 0)

    await first.kill()
    await waitFor(() => stateOf(listener, first.url) === 'backoff' && stateOf(dialer, first.url) === 'backoff')

    // The new tracker knows no swarms: an offer reaches the listener only if it re-joined by itself.
    await childTracker(first.port)
    await waitFor(() => allOpen(listener, dialer))
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'after', payload: 'p' }]), () => offers.some((o) => o.offerId === 'after'))
  })

  it('leave() takes the pool out of the swarm: the tracker no longer offers to it', async () => {
    const tracker = await inProcessTracker()
    const leaver = makePool([tracker.url])
    const stayer = makePool([tracker.url])
    const dialer = makePool([tracker.url])
    const leaverOffers = offersOf(leaver)
    const stayerOffers = offersOf(stayer)
    const infoHash = randomPeerId()
    leaver.announce(infoHash)
    stayer.announce(infoHash)
    await waitFor(() => allOpen(leaver, stayer, dialer))
    // Two offers go to two different peers: both are in the swarm.
    const two = [{ offerId: 'a', payload: 'x' }, { offerId: 'b', payload: 'y' }]
    await repeatUntil(() => dialer.announce(infoHash, two), () => leaverOffers.length > 0 && stayerOffers.length > 0)

    leaver.leave(infoHash)
    await sleep(150) // for 'stopped' to reach the tracker
    // One offer each time, to one random peer in the swarm. Were the leaver
    // still in it, about half would go to it instead of the stayer.
    for (let i = 0; i < 12; i++) {
      dialer.announce(infoHash, [{ offerId: `after-${i}`, payload: 'z' }])
      await sleep(15)
    }
    const after = (got: SignalEnvelope[]): SignalEnvelope[] => got.filter((o) => o.offerId.startsWith('after-'))
    await waitFor(() => after(stayerOffers).length === 12)
    expect(after(leaverOffers)).toEqual([])
  })

  it('drops a tracker that hangs, in the handshake or after it, and retries', async () => {
    // Accepts TCP connections and never answers the WebSocket handshake.
    const held: Socket[] = []
    const silent = createServer((socket) => { held.push(socket) })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    cleanups.push(() => new Promise((resolve) => {
      for (const socket of held) socket.destroy()
      silent.close(resolve)
    }))
    const silentUrl = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`
    // A tracker that answers the join, then goes silent with the socket open.
    let answering = true
    const zombie = await fakeTracker((msg, socket) => {
      if (answering && msg.answer === undefined) socket.send(announceReply(msg.info_hash, 120))
    })

    const pool = makePool([silentUrl, zombie.url], { connectTimeoutMs: 200, responseTimeoutMs: 300 })
    const infoHash = randomPeerId()
    pool.announce(infoHash)
    await waitFor(() => stateOf(pool, zombie.url) === 'open')
    await sleep(100) // the join is answered, so the tracker counts as alive
    expect(stateOf(pool, zombie.url)).toBe('open')

    answering = false
    pool.announce(infoHash, [{ offerId: 'o', payload: 'an offer is sent at once' }])
    await waitFor(() => stateOf(pool, zombie.url) === 'backoff', 2_000)
    expect(statusOf(pool, zombie.url)?.lastError).toMatch(/respond/)

    await waitFor(() => statusOf(pool, silentUrl)?.lastError === 'connection timed out', 2_000)
    expect(held.length).toBeGreaterThanOrEqual(1)
    expect(held.length).toBeLessThanOrEqual(4)
  })
})

describe('TrackerPool when the network may have changed', () => {
  it('networkChanged() drops a socket that looks open but no longer answers, and reconnects and re-joins', async () => {
    let answering = true
    const zombie = await fakeTracker((msg, socket) => {
      if (answering && msg.answer === undefined) socket.send(announceReply(msg.info_hash, 120))
    })
    // Only the probe can tell: an ordinary announce would wait a minute.
    const pool = makePool([zombie.url], { responseTimeoutMs: 60_000, probeTimeoutMs: 200, recheckGapMs: 0 })
    const infoHash = randomPeerId()
    pool.announce(infoHash)
    await waitFor(() => stateOf(pool, zombie.url) === 'open' && zombie.received.length >= 1)

    answering = false // half-open: the socket stays up, nothing comes back
    // Asked again while the first announce's answer is still on its way
    // (a recheck waits for that one first, see TrackerConnection.recheck).
    // (The backoff may be over between two looks: every state is kept.)
    const states: TrackerState[] = []
    pool.onStatus(([s]) => { if (s) states.push(s.state) })
    await repeatUntil(() => pool.networkChanged(), () => states.includes('backoff'))
    expect(statusOf(pool, zombie.url)?.lastError).toMatch(/respond/)

    answering = true
    const before = zombie.received.length
    await waitFor(() => stateOf(pool, zombie.url) === 'open', 2_000)
    await waitFor(() => zombie.received.slice(before).some((m) => m.info_hash === infoHash && m.event === 'started'))
  })

  it('after a socket went silent (uplink cut), the new socket is offered to at once, though the tracker still holds the old one', async () => {
    const tracker = await inProcessTracker()
    // A relay to the tracker that can freeze the connections it carries, as
    // a cut uplink does: the tracker keeps the old socket, which looks alive
    // to it, and relays offers for its peer id there.
    let frozen: Socket[] = []
    const live = new Set<Socket>()
    const relay = createServer((client) => {
      const upstream = connect(tracker.port, '127.0.0.1')
      live.add(client)
      client.on('data', (d) => { if (!frozen.includes(client)) upstream.write(d) })
      upstream.on('data', (d) => { if (!frozen.includes(client)) client.write(d) })
      client.on('error', () => {}); upstream.on('error', () => {})
      client.on('close', () => { live.delete(client); upstream.destroy() })
    })
    relay.listen(0, '127.0.0.1')
    await once(relay, 'listening')
    cleanups.push(() => { for (const c of live) c.destroy(); relay.close() })
    const relayUrl = `ws://127.0.0.1:${(relay.address() as AddressInfo).port}`
    const alice = makePool([relayUrl], { probeTimeoutMs: 200, recheckGapMs: 0 })
    const bob = makePool([tracker.url])
    const got = offersOf(alice)
    const infoHash = randomPeerId()
    alice.announce(infoHash)
    await waitFor(() => allOpen(alice, bob))
    await repeatUntil(() => bob.announce(infoHash, [{ offerId: randomPeerId(), payload: 'before' }]), () => got.length > 0)

    frozen = [...live]
    alice.networkChanged()
    await waitFor(() => stateOf(alice, relayUrl) === 'backoff', 2_000)
    await waitFor(() => stateOf(alice, relayUrl) === 'open', 2_000)
    const before = got.length
    await repeatUntil(() => bob.announce(infoHash, [{ offerId: randomPeerId(), payload: 'after' }]), () => got.length > before)
    expect(got.at(-1)?.payload).toBe('after')
  })

  it('probes with a throwaway swarm joined and left, which a strict tracker accepts, and keeps a live socket', async () => {
    const fake = await fakeTracker((msg, socket) => {
      if (msg.answer === undefined) socket.send(announceReply(msg.info_hash, 120))
    })
    const watched = makePool([fake.url], { probeTimeoutMs: 300, recheckGapMs: 0 })
    const infoHash = randomPeerId()
    watched.announce(infoHash)
    await waitFor(() => fake.received.length >= 1)
    // Until the first announce is answered, a recheck has nothing to add
    // (one unanswered request tells as much): asked again until it probes.
    await repeatUntil(() => watched.networkChanged(), () => fake.received.length >= 3)
    const [probeStart, probeStop] = fake.received.slice(1, 3)
    expect(probeStart).toMatchObject({ action: 'announce', peer_id: watched.peerId, numwant: 0, event: 'started' })
    expect(probeStop).toMatchObject({ action: 'announce', peer_id: watched.peerId, numwant: 0, event: 'stopped', info_hash: probeStart!.info_hash })
    // Not the joined swarm: refreshing that early is what a strict tracker punishes.
    expect(probeStart!.info_hash).not.toBe(infoHash)

    const tracker = await inProcessTracker() // strict by default
    // A generous timeout: a loaded machine must not pass for a dead tracker.
    const listener = makePool([tracker.url], { probeTimeoutMs: 3_000, recheckGapMs: 0 })
    const dialer = makePool([tracker.url])
    const states: TrackerState[] = []
    listener.onStatus(([s]) => { if (s) states.push(s.state) })
    const offers = offersOf(listener)
    listener.announce(infoHash)
    await waitFor(() => allOpen(listener, dialer))
    for (let i = 0; i < 4; i++) {
      listener.networkChanged()
      await sleep(300)
    }
    await sleep(3_100) // past the last probe's timeout
    expect(states).not.toContain('backoff')
    expect(stateOf(listener, tracker.url)).toBe('open')
    await repeatUntil(() => dialer.announce(infoHash, [{ offerId: 'after-probes', payload: 'p' }]), () => offers.length > 0)
  })

  it('networkChanged() retries a tracker waiting out its backoff at once, but not at every hint of a burst', async () => {
    const deadUrl = await unusedPortUrl()
    let attempts = 0
    const pool = makePool([deadUrl], {
      minBackoffMs: 30_000,
      maxBackoffMs: 30_000,
      offlineMaxBackoffMs: 30_000,
      recheckGapMs: 500,
      createSocket: (url) => {
        attempts++
        return new WebSocket(url) as unknown as globalThis.WebSocket
      }
    })
    await waitFor(() => stateOf(pool, deadUrl) === 'backoff')
    expect(attempts).toBe(1)
    pool.networkChanged()
    await waitFor(() => attempts === 2, 1_000)
    await waitFor(() => stateOf(pool, deadUrl) === 'backoff')
    // Sessions breaking one after another: one try, not one per hint.
    pool.networkChanged()
    pool.networkChanged()
    await sleep(200)
    expect(attempts).toBe(2)
    // A hint once the gap has passed is a try now, not half a minute later.
    await sleep(400)
    pool.networkChanged()
    await waitFor(() => attempts === 3, 1_000)
  })

  it('while every tracker is down it retries within the offline ceiling; with another one up, the full backoff', async () => {
    const deadUrl = await unusedPortUrl()
    const live = await inProcessTracker()
    const settings = { minBackoffMs: 20, maxBackoffMs: 5_000, offlineMaxBackoffMs: 100, random: () => 1 }
    const alone = makePool([deadUrl], settings)
    const withLive = makePool([live.url, deadUrl], settings)
    const delays = (pool: TrackerPool): number[] => {
      const got: number[] = []
      let retryAt: number | undefined
      pool.onStatus((all) => {
        const s = all.find((t) => t.url === deadUrl)
        if (s?.state === 'backoff' && s.nextRetryAt !== retryAt) got.push((retryAt = s.nextRetryAt)! - Date.now())
      })
      return got
    }
    const aloneDelays = delays(alone)
    const mixedDelays = delays(withLive)
    await waitFor(() => aloneDelays.length >= 5, 3_000)
    expect(Math.max(...aloneDelays)).toBeLessThanOrEqual(100)
    // 40, 80, 160, 320 ms… once the live tracker is open the ceiling keeps doubling.
    await waitFor(() => mixedDelays.some((d) => d > 200), 5_000)
  })
})

describe('TrackerPool on the wire (fake tracker)', () => {
  it('sends started, offers, refreshes without event, answers and stopped as the protocol expects', async () => {
    const fake = await fakeTracker((msg, socket) => {
      if (msg.answer === undefined) socket.send(announceReply(msg.info_hash, 0.15))
    })
    const pool = makePool([fake.url], { minAnnounceIntervalMs: 100 })
    const infoHash = randomPeerId()
    const base = { action: 'announce', info_hash: infoHash, peer_id: pool.peerId, uploaded: 0, downloaded: 0 }

    pool.announce(infoHash)
    await waitFor(() => fake.received.length >= 1)
    expect(fake.received[0]).toEqual({ ...base, numwant: 0, event: 'started' })

    pool.announce(infoHash, [{ offerId: 'o1', payload: 'P1' }, { offerId: 'o2', payload: 'P2' }])
    await waitFor(() => fake.received.some((m) => m.offers !== undefined))
    expect(fake.received.find((m) => m.offers !== undefined)).toEqual({
      ...base,
      numwant: 2,
      offers: [{ offer: { type: 'offer', sdp: 'P1' }, offer_id: 'o1' }, { offer: { type: 'offer', sdp: 'P2' }, offer_id: 'o2' }]
    })

    // Refreshes at the tracker's 150 ms interval, with no event and no offers.
    await waitFor(() => fake.received.filter(isRefresh).length >= 2)
    expect(fake.received.filter(isRefresh)[0]).toEqual({ ...base, numwant: 0 })

    const from = randomPeerId()
    pool.answer({ infoHash, fromPeerId: from, offerId: 'their-offer', payload: 'ignored', trackerUrl: fake.url }, 'ANSWER')
    await waitFor(() => fake.received.some((m) => m.answer !== undefined))
    expect(fake.received.find((m) => m.answer !== undefined)).toEqual({
      action: 'announce', info_hash: infoHash, peer_id: pool.peerId, to_peer_id: from, answer: { type: 'answer', sdp: 'ANSWER' }, offer_id: 'their-offer'
    })

    pool.leave(infoHash)
    await waitFor(() => fake.received.some((m) => m.event === 'stopped'))
    expect(fake.received.find((m) => m.event === 'stopped')).toEqual({ ...base, numwant: 0, event: 'stopped' })
    const count = fake.received.length
    await sleep(400) // over two refresh intervals
    expect(fake.received.length).toBe(count)
  })

  it('re-announces at the tracker interval, clamped to the configured bounds', async () => {
    const fast = await fakeTracker((msg, socket) => socket.send(announceReply(msg.info_hash, 0.001)))
    const slow = await fakeTracker((msg, socket) => socket.send(announceReply(msg.info_hash, 3_600)))
    const tooOften = makePool([fast.url], { minAnnounceIntervalMs: 200, maxAnnounceIntervalMs: 400 })
    const tooRarely = makePool([slow.url], { minAnnounceIntervalMs: 50, maxAnnounceIntervalMs: 150 })
    tooOften.announce(randomPeerId())
    tooRarely.announce(randomPeerId())
    await sleep(1_000)
    // 1 ms asked, 200 ms used: about 5 refreshes, not hundreds.
    const fastRefreshes = fast.received.filter(isRefresh).length
    expect(fastRefreshes).toBeGreaterThanOrEqual(3)
    expect(fastRefreshes).toBeLessThanOrEqual(6)
    // An hour asked, 150 ms used: about 6 refreshes, not none.
    expect(slow.received.filter(isRefresh).length).toBeGreaterThanOrEqual(4)
  })

  it('keeps backing off from a tracker that drops every connection at once, and resets after a stable one', async () => {
    let holdMs = 0
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    wss.on('connection', (socket) => { setTimeout(() => socket.close(), holdMs) })
    cleanups.push(() => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close(resolve)
    }))
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
    const pool = makePool([url], { minBackoffMs: 50, maxBackoffMs: 1_000, random: () => 0.5, stableAfterMs: 100 })
    const delays: number[] = []
    pool.onStatus(([s]) => {
      if (s?.state !== 'backoff') return
      delays.push(s.nextRetryAt! - Date.now())
      if (delays.length === 3) holdMs = 200 // the next connection stays up
    })
    await waitFor(() => delays.length >= 4, 3_000)
    // Opening is not enough to reset the backoff: 75, 125, 225 ms. Staying up is: back to 75.
    ;[75, 125, 225, 75].forEach((want, i) => expectDelay(delays[i]!, want))
  })

  it('ignores malformed and hostile messages from a tracker without throwing', async () => {
    const infoHash = randomPeerId()
    const stranger = randomPeerId()
    let ownPeerId = ''
    const offer = (over: Json): string => JSON.stringify({
      action: 'announce', info_hash: infoHash, peer_id: stranger, offer_id: 'id', offer: { type: 'offer', sdp: 'fine' }, ...over
    })
    const fake = await fakeTracker((msg, socket) => {
      if (msg.event !== 'started') return
      const garbage = [
        'not json', '', 'null', '[]', '42', '"text"', '{"action":"scrape"}', '{"__proto__":{"polluted":true},"action":"announce"}',
        offer({ action: 'nope' }),
        offer({ offer: { type: 'offer', sdp: 42 } }),
        offer({ offer: { type: 'offer' } }),
        offer({ offer: 'just a string' }),
        offer({ offer: null }),
        offer({ offer: ['x'] }),
        offer({ offer_id: undefined }),
        offer({ offer_id: 7 }),
        offer({ offer_id: '' }),
        offer({ offer_id: 'x'.repeat(1_000) }),
        offer({ peer_id: 'short' }),
        offer({ peer_id: 'Ā'.repeat(20) }), // char codes above 255 are not a binary string
        offer({ info_hash: 12345 }),
        offer({ info_hash: randomPeerId() }), // a swarm we never joined
        offer({ peer_id: ownPeerId }), // our own offer, echoed back
        offer({ offer: { type: 'offer', sdp: 'x'.repeat(64 * 1024 + 1) } }),
        offer({ answer: { type: 'answer', sdp: 'both at once' } }),
        JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: stranger, offer_id: 'id', answer: { sdp: null } }),
        JSON.stringify({ 'failure reason': 42 }),
        JSON.stringify({ action: 'announce', interval: 'soon' }),
        JSON.stringify({ action: 'announce', interval: -1 }),
        JSON.stringify({ action: 'announce', interval: 1e308 }),
        'x'.repeat(2_000_000)
      ]
      for (const text of garbage) socket.send(text)
      socket.send(Buffer.from(offer({ offer: { type: 'offer', sdp: 'as a binary frame' } })))
      socket.send(JSON.stringify({ 'failure reason': 'nope, not allowed' }))
      socket.send(offer({ offer: { type: 'offer', sdp: 'the good one' } })) // proves the connection survived
    })
    const pool = makePool([fake.url])
    ownPeerId = pool.peerId
    const offers = offersOf(pool)
    const answers = answersOf(pool)
    pool.announce(infoHash)

    await waitFor(() => offers.length > 0)
    await sleep(100)
    expect(offers).toEqual([{ infoHash, fromPeerId: stranger, offerId: 'id', payload: 'the good one', trackerUrl: fake.url }])
    expect(answers).toEqual([])
    expect(pool.status()).toEqual([{ url: fake.url, state: 'open', health: 'working', responseMs: expect.any(Number), lastError: 'tracker: nope, not allowed' }])
    expect(({} as Json).polluted).toBeUndefined()
  })
})

describe('TrackerPool lifecycle', () => {
  /** Tracks every timer set from now on (ours and ws's) until it fires or is cleared. */
  function pendingTimers (): Set<unknown> {
    const pending = new Set<unknown>()
    const realSet = globalThis.setTimeout
    const realClear = globalThis.clearTimeout
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const handle = realSet(() => {
        pending.delete(handle)
        fn(...args)
      }, ms)
      pending.add(handle)
      return handle
    }) as typeof setTimeout
    globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
      pending.delete(handle)
      realClear(handle)
    }) as typeof clearTimeout
    cleanups.push(() => {
      globalThis.setTimeout = realSet
      globalThis.clearTimeout = realClear
    })
    return pending
  }

  it('close() cancels every timer and never reconnects', async () => {
    const live = await inProcessTracker()
    const deadUrl = await unusedPortUrl()
    const timers = pendingTimers()
    let attempts = 0
    const pool = makePool([live.url, deadUrl], {
      minBackoffMs: 150,
      maxBackoffMs: 150,
      createSocket: (url) => {
        attempts++
        return new WebSocket(url) as unknown as globalThis.WebSocket
      }
    })
    const statuses: TrackerStatus[][] = []
    pool.onStatus((s) => statuses.push(s))
    pool.announce(randomPeerId())
    await waitFor(() => stateOf(pool, live.url) === 'open' && stateOf(pool, deadUrl) === 'backoff')
    expect(timers.size).toBeGreaterThanOrEqual(2) // at least a refresh and a retry are pending

    pool.close()
    expect(pool.status().map((s) => s.state)).toEqual(['closed', 'closed'])
    expect(statuses.at(-1)?.map((s) => s.state)).toEqual(['closed', 'closed'])
    const attemptsAtClose = attempts
    // ws keeps a close-handshake timer until the server replies; then nothing is left.
    await waitFor(() => timers.size === 0, 2_000)
    await sleep(400) // over two retry delays
    expect(attempts).toBe(attemptsAtClose)
    expect(timers.size).toBe(0)

    // Calls after close are harmless no-ops.
    pool.announce(randomPeerId(), [{ offerId: 'x', payload: 'y' }])
    pool.leave(randomPeerId())
    pool.close()
    expect(attempts).toBe(attemptsAtClose)
    expect(timers.size).toBe(0)
  })

  it('rejects ids that are not 20-char binary strings and bad backoff bounds', () => {
    const createSocket = (url: string): globalThis.WebSocket => new WebSocket(url) as unknown as globalThis.WebSocket
    expect(() => new TrackerPool({ urls: [], peerId: 'short', createSocket })).toThrow(TypeError)
    expect(() => new TrackerPool({ urls: [], createSocket, minBackoffMs: 0 })).toThrow(RangeError)
    expect(() => new TrackerPool({ urls: [], createSocket, minBackoffMs: 500, maxBackoffMs: 100 })).toThrow(RangeError)
    const pool = new TrackerPool({ urls: [], createSocket })
    expect(() => pool.announce('not twenty chars')).toThrow(TypeError)
    expect(pool.peerId).toHaveLength(20)
    expect([...pool.peerId].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true)
    expect(randomPeerId()).not.toBe(randomPeerId())
    pool.close()
  })

  it('backoff delays stay within bounds and their ceiling doubles', () => {
    for (const r of [0, 0.3, 1, -5, 7, Number.NaN]) {
      for (let failures = 0; failures < 40; failures++) {
        const d = backoffDelay(failures, 1_000, 60_000, () => r)
        expect(d).toBeGreaterThanOrEqual(1_000)
        expect(d).toBeLessThanOrEqual(60_000)
      }
    }
    expect([0, 1, 2, 3, 10].map((f) => backoffDelay(f, 1_000, 60_000, () => 1))).toEqual([2_000, 4_000, 8_000, 16_000, 60_000])
    expect(backoffDelay(5, 1_000, 60_000, () => 0)).toBe(1_000)
  })
})
