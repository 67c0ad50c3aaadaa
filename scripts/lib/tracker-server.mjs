// Starts a stock bittorrent-tracker WebSocket server, optionally strict (it
// enforces what strict public trackers such as Aquatic enforce) and
// optionally hostile (it misbehaves like the public trackers that are
// half-dead). Only the server entry is imported: the package's main entry
// pulls in a native WebRTC polyfill.
//
// Strict mode drops (terminates) a socket that, on that socket:
//   - uses a second peer_id in a swarm it already announced in (Aquatic
//     closes such a connection);
//   - sends more than MAX_OFFERS offers in one announce (Aquatic's default
//     max_offers is 10);
//   - sends a message of MAX_MESSAGE_BYTES or more (Aquatic's default
//     max_message_size is 64 KiB);
//   - re-announces a swarm sooner than the `interval` this tracker handed it
//     (less INTERVAL_SLACK_MS, or a fifth of a short interval, for jitter). Exempt, as Aquatic and
//     bittorrent-tracker exempt them from any wait: the first announce of a
//     swarm on the socket, an announce that carries offers (that is how a
//     peer dials), an answer (it is relayed, not an announce of our own),
//     and event 'stopped' (which also forgets the swarm, so a later join is
//     a first announce again).
// Each violation is printed loudly and kept in `violations`, so a test can
// assert there were none.
//
// Behaviours:
//   - 'good'        a tracker that works;
//   - 'black-hole'  accepts sockets and answers announces, but relays no
//                   offer and no answer (offers are stripped, answers dropped);
//   - 'flapping'    drops every socket `flapAfterMs` after it opened;
//   - 'slow'        holds every message, both ways, for `slowDelayMs`.
import Server from 'bittorrent-tracker/server'

export const MAX_OFFERS = 10
export const MAX_MESSAGE_BYTES = 64 * 1024
export const INTERVAL_SLACK_MS = 2_000

/**
 * @param {import('./tracker-server.d.mts').TrackerOptions} [opts]
 * @returns {Promise<import('./tracker-server.d.mts').RunningTracker>}
 */
export async function startTracker ({
  port = 0,
  host = '127.0.0.1',
  strict = true,
  behaviour = 'good',
  intervalSec = 120,
  flapAfterMs = 3_000,
  slowDelayMs = 3_000,
  quiet = false
} = {}) {
  if (!['good', 'black-hole', 'flapping', 'slow'].includes(behaviour)) throw new Error(`unknown tracker behaviour: ${behaviour}`)
  // The stock server hands WebSocket clients a fifth of its `interval`.
  const server = new Server({ udp: false, http: false, ws: true, stats: false, trustProxy: false, interval: intervalSec * 5 * 1000 })
  server.on('warning', () => {}) // a client's bad request is its problem, not ours
  server.on('error', (err) => console.error('[tracker]', err.message))
  /** @type {string[]} */
  const violations = []
  const sockets = new Set()
  const timers = new Set()
  const later = (fn, ms) => {
    const t = setTimeout(() => { timers.delete(t); fn() }, ms)
    timers.add(t)
  }
  let url = ''

  // Guards go on each socket before the stock server's own handlers, so a
  // violating message never reaches the server.
  const onConnection = server.onWebSocketConnection.bind(server)
  // WebSocket messages each way over every client (the benchmark counts what
  // a node with many swarms costs a tracker).
  const counted = { received: 0, sent: 0 }
  server.onWebSocketConnection = (socket, o) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const guard = strict ? strictGuard(intervalSec) : null
    const emit = socket.emit.bind(socket)
    socket.emit = (event, ...args) => {
      if (event !== 'message') return emit(event, ...args)
      counted.received++
      const [data] = args
      const now = Date.now()
      const violation = guard?.check(data, now)
      if (violation) {
        const text = `${url}: dropped a socket: ${violation}`
        violations.push(text)
        if (!quiet) console.error(`[tracker STRICT VIOLATION] ${text}`)
        socket.terminate()
        return false
      }
      const passed = behaviour === 'black-hole' ? withoutSignals(data) : data
      if (passed === null) return true
      if (behaviour === 'slow') {
        later(() => emit('message', passed, false), slowDelayMs)
        return true
      }
      return emit('message', passed, false)
    }
    const send = socket.send.bind(socket)
    socket.send = (text, cb) => {
      counted.sent++
      guard?.sent(text)
      if (behaviour === 'slow') later(() => { if (socket.readyState === 1) send(text, cb) }, slowDelayMs)
      else send(text, cb)
    }
    if (behaviour === 'flapping') later(() => socket.terminate(), flapAfterMs)
    onConnection(socket, o)
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  const actualPort = server.ws.address().port
  url = `ws://${host}:${actualPort}`
  return {
    url,
    port: actualPort,
    behaviour,
    violations,
    messages: () => ({ ...counted }),
    // The stock close() waits for every client to leave on its own.
    close: () => new Promise((resolve) => {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      for (const socket of sockets) socket.terminate()
      server.close(() => resolve(undefined))
      server.http?.closeAllConnections?.()
    })
  }
}

/** One socket's strict bookkeeping: which peer id it uses in each swarm, when
 *  it last announced each swarm, and the interval it was last told. */
function strictGuard (defaultIntervalSec) {
  const peerIds = new Map()
  const lastAnnounce = new Map()
  let intervalSec = defaultIntervalSec
  return {
    /** @returns {string | null} why the message breaks the rules, or null */
    check (data, now) {
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length
      if (bytes >= MAX_MESSAGE_BYTES) return `a message of ${bytes} bytes (the limit is under ${MAX_MESSAGE_BYTES})`
      let msg
      try { msg = JSON.parse(data.toString()) } catch { return null } // the stock server answers junk itself
      if (typeof msg !== 'object' || msg === null || msg.action !== 'announce') return null
      const swarm = typeof msg.info_hash === 'string' ? msg.info_hash : null
      if (swarm === null) return null
      const known = peerIds.get(swarm)
      if (known !== undefined && known !== msg.peer_id) return `a second peer id in swarm ${hex(swarm)}`
      if (Array.isArray(msg.offers) && msg.offers.length > MAX_OFFERS) return `${msg.offers.length} offers in one announce (at most ${MAX_OFFERS})`
      if (msg.answer !== undefined) { peerIds.set(swarm, msg.peer_id); return null }
      if (msg.event === 'stopped') { peerIds.delete(swarm); lastAnnounce.delete(swarm); return null }
      const hasOffers = Array.isArray(msg.offers) && msg.offers.length > 0
      const last = lastAnnounce.get(swarm)
      if (last !== undefined && !hasOffers && now - last < intervalSec * 1000 - Math.min(INTERVAL_SLACK_MS, intervalSec * 200)) {
        return `re-announced swarm ${hex(swarm)} after ${((now - last) / 1000).toFixed(1)} s; its interval is ${intervalSec} s`
      }
      peerIds.set(swarm, msg.peer_id)
      lastAnnounce.set(swarm, now)
      return null
    },
    /** Remembers the interval the server hands out on this socket. */
    sent (text) {
      if (typeof text !== 'string' || !text.includes('"interval"')) return
      try {
        const { interval } = JSON.parse(text)
        if (typeof interval === 'number' && interval > 0) intervalSec = interval
      } catch { /* not ours to judge */ }
    }
  }
}

/** A black hole's view of a message: announces lose their offers, answers vanish. */
function withoutSignals (data) {
  let msg
  try { msg = JSON.parse(data.toString()) } catch { return data }
  if (typeof msg !== 'object' || msg === null) return data
  if (msg.answer !== undefined) return null
  if (!Array.isArray(msg.offers)) return data
  delete msg.offers
  msg.numwant = 0
  return JSON.stringify(msg)
}

function hex (binary) {
  return Buffer.from(binary, 'latin1').toString('hex').slice(0, 12) + '…'
}
