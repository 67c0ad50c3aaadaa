// Stock Bugout (npm bugout@0.0.13, its own browser bundle), configured only
// through its public options: the local tracker as the sole announce URL and
// no ICE servers (Bugout passes opts.iceServers on to WebTorrent's tracker
// client as rtcConfig). The "server" registers a `ping` RPC that echoes its
// argument and a `sink` RPC that answers with the argument's length (bulk
// transfers go one way, like raw's); the "client" measures.
import { withTimeout } from './common.js'

/* global Bugout */
let b = null
let serverAddress = null

function once (emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)))
}

/**
 * One Bugout RPC as a promise. Bugout's own rpc() has no timeout, so bound it;
 * and fail at once when the last wire to the server closes, since a stock
 * Bugout does not re-send a call over a new connection.
 */
function call (payload, timeoutMs, what, method = 'ping') {
  let onWireLeft
  return withTimeout(new Promise((resolve, reject) => {
    onWireLeft = () => {
      if (b.torrent.wires.length === 0) reject(new Error(`${what}: the connection to the server closed`))
    }
    b.on('wireleft', onWireLeft)
    onWireLeft()
    try {
      b.rpc(serverAddress, method, payload, resolve)
    } catch (err) {
      reject(new Error(String(err)))
    }
  }), timeoutMs, what).finally(() => b.removeListener('wireleft', onWireLeft))
}

function options (trackerUrl) {
  return { announce: [trackerUrl], iceServers: [] }
}

/** Surfaces why a wire dies (e.g. a message over the data channel size limit). */
function watch (bugout) {
  bugout.wt.on('error', (err) => console.warn('webtorrent error:', err?.message ?? err))
  bugout.torrent.on('warning', (err) => console.warn('torrent warning:', err?.message ?? err))
  bugout.torrent.on('error', (err) => console.warn('torrent error:', err?.message ?? err))
}

/** Starts the Bugout server and waits for its first tracker announce. */
async function serve ({ trackerUrl, timeoutMs = 15_000 }) {
  b = new Bugout(options(trackerUrl))
  watch(b)
  b.register('ping', (address, args, cb) => cb(args), 'Echo the argument.')
  b.register('sink', (address, args, cb) => cb(typeof args === 'string' ? args.length : -1), 'Length of the argument.')
  await withTimeout(once(b, 'announce'), timeoutMs, 'Bugout server announce')
  return { address: b.address() }
}

/** Starts a Bugout client of `address`; time until its first RPC reply. */
async function connect ({ trackerUrl, address, timeoutMs = 20_000 }) {
  const t0 = performance.now()
  serverAddress = address
  b = new Bugout(address, options(trackerUrl))
  watch(b)
  await withTimeout(once(b, 'server'), timeoutMs, 'Bugout client sees server')
  const reply = await call('hello', timeoutMs, 'first RPC')
  const t1 = performance.now()
  if (reply !== 'hello') throw new Error(`unexpected first reply ${JSON.stringify(reply)}`)
  return { connectMs: t1 - t0 }
}

/** `rounds` RPC round trips with a string of `bytes` characters. */
async function rpc ({ bytes, rounds, warmup = 3, timeoutMs = 10_000 }) {
  const payload = 'x'.repeat(bytes)
  const samples = []
  for (let i = 0; i < warmup + rounds; i++) {
    const t0 = performance.now()
    const reply = await call(payload, timeoutMs, `RPC ${i} of ${bytes} B`)
    const t1 = performance.now()
    if (typeof reply !== 'string' || reply.length !== bytes) throw new Error(`RPC ${i}: wrong reply`)
    if (i >= warmup) samples.push(t1 - t0)
  }
  return { samples }
}

/** One `sink` RPC carrying `bytes` characters; time until the server's answer. */
async function transfer ({ bytes, timeoutMs = 60_000 }) {
  const payload = 'x'.repeat(bytes)
  const t0 = performance.now()
  const reply = await call(payload, timeoutMs, `RPC of ${bytes} B`, 'sink')
  const t1 = performance.now()
  if (reply !== bytes) throw new Error(`server got ${JSON.stringify(reply)} of ${bytes} chars`)
  return { ms: t1 - t0 }
}

function status () {
  return { wires: b?.torrent?.wires.length ?? 0, peers: Object.keys(b?.peers ?? {}).length }
}

/** Leaves the swarm and stops WebTorrent; bounded, since it may hang. */
function close () {
  return new Promise((resolve) => {
    setTimeout(resolve, 2000)
    if (!b) return resolve()
    try {
      b.destroy(() => b.wt.destroy(() => resolve()))
    } catch {
      resolve()
    }
  })
}

window.bench = { serve, connect, rpc, transfer, status, close }
window.benchReady = true
