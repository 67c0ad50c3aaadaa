// A hostile relay for browser tests: a small WebSocket wrapper in front of
// the strict test relay (scripts/lib/relay-server.mjs). Everything the app
// sends goes through to the real relay; what the real relay answers to a
// mailbox read (a REQ for letters and wrap events, kinds 4550 and 4551, or
// for bundles, kind 4552, or a file's chunks, kind 4553, by tag and event
// id) is held until its EOSE and then served hostilely:
//   - dropped: while `dropping`, every stored event is withheld;
//   - reordered: the rest comes newest last, then reversed;
//   - replayed: each event twice, and every mailbox event the wrapper has
//     ever seen published under the tags asked for (held back, deleted or
//     not), again;
//   - re-wrapped: each event's sealed bytes again under a new key, once with
//     a NIP-40 expiry in the past (an expired event served anyway);
//   - flooded: junk under every tag asked for (valid Nostr events, sealed
//     bytes that are not: letters, wrap events of a wrap's size, bundles
//     and chunks (of a chunk's size) whose ids nobody asked for), events of
//     another kind under those tags,
//     and events under tags nobody asked for.
// Rendezvous traffic (ephemeral kinds) passes untouched.
import { WebSocket, WebSocketServer } from 'ws'
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure'
import { randomBytes } from 'node:crypto'

const MAILBOX_KIND = 4550
const WRAP_KIND = 4551
const BUNDLE_KIND = 4552
const CHUNK_KIND = 4553
const MAILBOX_KINDS = [MAILBOX_KIND, WRAP_KIND, BUNDLE_KIND, CHUNK_KIND]
/** A chunk's sealed bytes (node-tab/mailbox/mailbox-files.ts: the largest bucket, sealed). */
const SEALED_CHUNK_BYTES = 45_096
/** A sealed wrap's bytes (node-tab/mailbox/mailbox-bundles.ts SEALED_WRAP_BYTES). */
const SEALED_WRAP_BYTES = 257
/** Junk wrap events per tag, beside the junk letters. */
const JUNK_WRAPS_PER_TAG = 5

export interface HostileRelay {
  url: string
  /** While true, stored events are withheld from every read. */
  dropping: boolean
  /** What it did, by kind of hostility (for the test's record). */
  readonly counts: { reads: number, dropped: number, replayed: number, rewrapped: number, expired: number, junk: number }
  close: () => Promise<void>
}

export async function startHostileRelay (upstreamUrl: string, opts: { junkPerTag?: number } = {}): Promise<HostileRelay> {
  const junkPerTag = opts.junkPerTag ?? 60
  /** Every mailbox event seen, by id: served again to later reads. */
  const ever = new Map<string, Event>()
  /** Junk made once per tag (signing is the slow part). */
  const junkByTag = new Map<string, Event[]>()
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 1024 * 1024 })
  const sockets = new Set<WebSocket>()
  const relay: HostileRelay = {
    url: '',
    dropping: false,
    counts: { reads: 0, dropped: 0, replayed: 0, rewrapped: 0, expired: 0, junk: 0 },
    close: async () => {
      for (const s of sockets) s.terminate()
      await new Promise((resolve) => wss.close(() => resolve(undefined)))
    }
  }

  wss.on('connection', (client) => {
    sockets.add(client)
    const upstream = new WebSocket(upstreamUrl)
    sockets.add(upstream)
    const early: string[] = []
    /** Mailbox reads in flight: their tags, the kind asked for when it is bundles or chunks, and what the real relay sent so far. */
    const reads = new Map<string, { tags: string[], named: number | null, events: Event[] }>()
    const send = (msg: unknown[]): void => { if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(msg)) }

    upstream.on('open', () => { for (const m of early.splice(0)) upstream.send(m) })
    client.on('message', (data) => {
      const text = data.toString()
      let msg: unknown
      try { msg = JSON.parse(text) } catch { msg = null }
      if (Array.isArray(msg) && msg[0] === 'EVENT' && MAILBOX_KINDS.includes((msg[1] as Event)?.kind)) ever.set((msg[1] as Event).id, msg[1] as Event)
      if (Array.isArray(msg) && msg[0] === 'REQ' && typeof msg[1] === 'string') {
        const filter = msg[2] as { kinds?: number[], '#t'?: string[] }
        if (filter?.kinds?.some((k) => MAILBOX_KINDS.includes(k))) reads.set(msg[1], { tags: filter['#t'] ?? [], named: filter.kinds.find((k) => k === BUNDLE_KIND || k === CHUNK_KIND) ?? null, events: [] })
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text)
      else early.push(text)
    })
    upstream.on('message', (data) => {
      const text = data.toString()
      let msg: unknown
      try { msg = JSON.parse(text) } catch { return void client.send(text) }
      const read = Array.isArray(msg) && typeof msg[1] === 'string' ? reads.get(msg[1]) : undefined
      if (!read || !Array.isArray(msg)) return void client.send(text)
      if (msg[0] === 'EVENT') {
        const event = msg[2] as Event
        ever.set(event.id, event)
        if (relay.dropping) relay.counts.dropped++
        else read.events.push(event)
        return
      }
      if (msg[0] !== 'EOSE') return void client.send(text)
      reads.delete(msg[1] as string)
      relay.counts.reads++
      serveHostilely(msg[1] as string, read.tags, read.named, read.events)
      client.send(text)
    })

    function serveHostilely (subId: string, tags: string[], named: number | null, real: Event[]): void {
      const wanted = new Set(tags)
      const served = new Set(real.map((e) => e.id))
      const heldBack = relay.dropping ? [] : [...ever.values()].filter((e) => !served.has(e.id) && tagsOf(e).some((t) => wanted.has(t)))
      for (const event of [...real, ...heldBack].reverse()) {
        send(['EVENT', subId, event])
        send(['EVENT', subId, event])
        relay.counts.replayed += 2
        send(['EVENT', subId, rewrap(event, Math.floor(Date.now() / 1000) + 3600)])
        relay.counts.rewrapped++
        send(['EVENT', subId, rewrap(event, Math.floor(Date.now() / 1000) - 3600)])
        relay.counts.expired++
      }
      for (const tag of tags) {
        const junk = named === null ? junkFor(tag) : namedJunkFor(tag, named)
        for (const event of junk) send(['EVENT', subId, event])
        relay.counts.junk += junk.length
      }
      // Under a tag nobody asked for.
      for (let i = 0; i < 3; i++) send(['EVENT', subId, junkEvent(randomBytes(32).toString('hex'), MAILBOX_KIND)])
    }

    function junkFor (tag: string): Event[] {
      let junk = junkByTag.get(tag)
      if (!junk) {
        junk = Array.from({ length: junkPerTag }, () => junkEvent(tag, MAILBOX_KIND))
        // Wrap events whose one wrap is a wrap's size, and does not open.
        for (let i = 0; i < JUNK_WRAPS_PER_TAG; i++) junk.push(junkEvent(tag, WRAP_KIND, SEALED_WRAP_BYTES))
        // Another kind under the tag.
        junk.push(junkEvent(tag, 1), junkEvent(tag, 1))
        junkByTag.set(tag, junk)
      }
      return junk
    }

    /** Under a bundle's (or a chunk's) tag: bundles (chunks of a chunk's size) nobody asked for (their ids are
     *  not the one a wrap, or a bundle, names), and another kind. */
    function namedJunkFor (tag: string, kind: number): Event[] {
      let junk = junkByTag.get(`${kind} ${tag}`)
      if (!junk) {
        junk = Array.from({ length: junkPerTag }, () => junkEvent(tag, kind, kind === CHUNK_KIND ? SEALED_CHUNK_BYTES : undefined))
        junk.push(junkEvent(tag, 1), junkEvent(tag, 1))
        junkByTag.set(`${kind} ${tag}`, junk)
      }
      return junk
    }

    client.on('close', () => { sockets.delete(client); upstream.close() })
    upstream.on('close', () => { sockets.delete(upstream); client.close() })
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise((resolve) => wss.once('listening', () => resolve(undefined)))
  relay.url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  return relay
}

/** Its `t` tags (a wrap event has one per wrap). */
function tagsOf (event: Event): string[] {
  return event.tags.filter((t) => t[0] === 't').map((t) => t[1] ?? '')
}

/** The same sealed bytes under the same tags, signed by a new key, with this expiry (s). */
function rewrap (event: Event, expiration: number): Event {
  return finalizeEvent({ kind: event.kind, created_at: event.created_at, tags: [...tagsOf(event).map((t) => ['t', t]), ['expiration', String(expiration)]], content: event.content }, generateSecretKey())
}

/** A valid Nostr event of this kind under this tag whose content is no letter: base64 of random bytes, a bucket's size (or `bytes`). */
function junkEvent (tag: string, kind: number, bytes = 1064): Event {
  return finalizeEvent({
    kind,
    created_at: Math.floor(Date.now() / 1000),
    tags: [['t', tag], ['expiration', String(Math.floor(Date.now() / 1000) + 3600)]],
    content: randomBytes(bytes).toString('base64')
  }, generateSecretKey())
}
