// Starts a Nostr relay from npm (@nostr-relay/core: the relay logic, with a
// `ws` server in front and an in-memory event store), optionally strict: it
// then enforces what public relays enforce, as the test tracker's strict mode
// does for trackers.
//
// Strict mode, per connection:
//   - a message of MAX_MESSAGE_BYTES or more drops the socket (public relays
//     cap an event at 64 KiB, e.g. strfry's maxEventSize);
//   - more than RATE_BURST messages, refilled at RATE_PER_SEC, drop the
//     socket (nostr-rs-relay's messages_per_sec; strfry and others similar);
//   - deletion requests (kind 5) are accepted and ignored, as some relays do:
//     nothing of ours may rely on them (`deletions: 'honoured'` keeps the
//     rest of strict mode and honours them, as other public relays do: a
//     NIP-09 request removes the events of the same key it names).
// Each violation is printed loudly and kept in `violations`, so a test can
// assert there were none.
//
// Every message a client sent is kept in `seen` (as text), so a test can
// search what the relay learned for names, keys, addresses and content.
import { WebSocketServer } from 'ws'
import { NostrRelay } from '@nostr-relay/core'
import { EventRepository } from '@nostr-relay/common'

export const MAX_MESSAGE_BYTES = 64 * 1024
export const RATE_PER_SEC = 10
export const RATE_BURST = 40
/** What the relay keeps of what it saw, for the dump (oldest dropped first). */
const MAX_SEEN = 20_000

/**
 * @param {import('./relay-server.d.mts').RelayOptions} [opts]
 * @returns {Promise<import('./relay-server.d.mts').RunningRelay>}
 */
export async function startRelay ({ port = 0, host = '127.0.0.1', strict = true, quiet = false, filterCacheMs = undefined, deletions = undefined } = {}) {
  /** @type {string[]} */
  const violations = []
  /** @type {string[]} */
  const seen = []
  const store = new MemoryEvents((deletions ?? (strict ? 'ignored' : 'honoured')) === 'ignored')
  const relay = new NostrRelay(store, { logger: silentLogger(), eventHandlingResultCacheTtl: 0, ...(filterCacheMs === undefined ? {} : { filterResultCacheTtl: filterCacheMs }) })
  const wss = new WebSocketServer({ port, host, maxPayload: 1024 * 1024 })
  const sockets = new Set()
  let accepted = 0
  let url = ''

  wss.on('connection', (socket, req) => {
    sockets.add(socket)
    accepted++
    relay.handleConnection(socket, req.socket.remoteAddress)
    const bucket = { tokens: RATE_BURST, at: Date.now() }
    let dropped = false
    socket.on('message', (data) => {
      if (dropped) return // messages already read when it was dropped
      const text = data.toString()
      if (seen.length >= MAX_SEEN) seen.shift()
      seen.push(text)
      const violation = strict ? strictCheck(text, bucket) : null
      if (violation) {
        const line = `${url}: dropped a socket: ${violation}`
        violations.push(line)
        if (!quiet) console.error(`[relay STRICT VIOLATION] ${line}`)
        dropped = true
        socket.terminate()
        return
      }
      let msg
      try { msg = JSON.parse(text) } catch { return void socket.send(JSON.stringify(['NOTICE', 'invalid: not JSON'])) }
      if (!Array.isArray(msg) || typeof msg[0] !== 'string') return void socket.send(JSON.stringify(['NOTICE', 'invalid: not a message']))
      relay.handleMessage(socket, msg).catch(() => { /* the relay answered the client itself */ })
    })
    socket.on('close', () => { sockets.delete(socket); relay.handleDisconnect(socket) })
    socket.on('error', () => {})
  })
  await new Promise((resolve, reject) => {
    wss.once('error', reject)
    wss.once('listening', () => resolve(undefined))
  })
  const address = /** @type {import('node:net').AddressInfo} */ (wss.address())
  url = `ws://${host}:${address.port}`
  return {
    url,
    port: address.port,
    violations,
    seen: () => [...seen],
    connections: () => accepted,
    stored: () => store.all(),
    forget: (ids) => { for (const id of ids) store.events.delete(id) },
    close: async () => {
      for (const socket of sockets) socket.terminate()
      await new Promise((resolve) => wss.close(() => resolve(undefined)))
      await relay.destroy()
    }
  }
}

/** @returns {string | null} why the message breaks a public relay's rules */
function strictCheck (text, bucket) {
  const bytes = Buffer.byteLength(text)
  if (bytes >= MAX_MESSAGE_BYTES) return `a message of ${bytes} bytes (the limit is under ${MAX_MESSAGE_BYTES})`
  const now = Date.now()
  bucket.tokens = Math.min(RATE_BURST, bucket.tokens + (now - bucket.at) / 1000 * RATE_PER_SEC)
  bucket.at = now
  if (bucket.tokens < 1) return `more than ${RATE_BURST} messages at once, or over ${RATE_PER_SEC} a second`
  bucket.tokens -= 1
  return null
}

/** Regular events kept in memory (ephemeral ones never reach a store). */
class MemoryEvents extends EventRepository {
  constructor (ignoreDeletions) {
    super()
    this.ignoreDeletions = ignoreDeletions
    /** @type {Map<string, any>} */
    this.events = new Map()
  }

  isSearchSupported () { return false }
  upsert (event) {
    const isDuplicate = this.events.has(event.id)
    this.events.set(event.id, event)
    return { isDuplicate }
  }

  find (filter) {
    const out = []
    for (const event of this.events.values()) if (matches(event, filter)) out.push(event)
    out.sort((a, b) => b.created_at - a.created_at)
    return out.slice(0, filter.limit ?? 500)
  }

  async deleteByDeletionRequest (event) {
    if (this.ignoreDeletions) return
    for (const [id, stored] of this.events) {
      if (stored.pubkey === event.pubkey && event.tags.some((t) => t[0] === 'e' && t[1] === id)) this.events.delete(id)
    }
  }

  async destroy () { this.events.clear() }
  all () { return [...this.events.values()] }
}

function matches (event, filter) {
  if (filter.ids && !filter.ids.includes(event.id)) return false
  if (filter.authors && !filter.authors.includes(event.pubkey)) return false
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false
  if (filter.since !== undefined && event.created_at < filter.since) return false
  if (filter.until !== undefined && event.created_at > filter.until) return false
  for (const [key, values] of Object.entries(filter)) {
    if (!key.startsWith('#') || !Array.isArray(values)) continue
    const name = key.slice(1)
    if (!event.tags.some((t) => t[0] === name && values.includes(t[1]))) return false
  }
  return true
}

function silentLogger () {
  return { setLogLevel () {}, debug () {}, info () {}, warn () {}, error () {} }
}
