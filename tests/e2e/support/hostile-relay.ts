// A hostile relay for browser tests: a small WebSocket wrapper in front of
// the strict test relay (scripts/lib/relay-server.mjs). Everything the app
// sends goes through to the real relay; what the real relay answers to a
// mailbox read (a REQ for kind 4550) is held until its EOSE and then served
// hostilely:
//   - dropped: while `dropping`, every stored event is withheld;
//   - reordered: the rest comes newest last, then reversed;
//   - replayed: each event twice, and every mailbox event the wrapper has
//     ever seen published under the tags asked for (held back, deleted or
//     not), again;
//   - re-wrapped: each event's sealed bytes again under a new key, once with
//     a NIP-40 expiry in the past (an expired event served anyway);
//   - flooded: junk under every tag asked for (valid Nostr events, sealed
//     bytes that are not), events of another kind under those tags, and
//     events under tags nobody asked for.
// Rendezvous traffic (ephemeral kinds) passes untouched.
import { WebSocket, WebSocketServer } from 'ws'
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure'
import { randomBytes } from 'node:crypto'

const MAILBOX_KIND = 4550

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
    /** Mailbox reads in flight: their tags and what the real relay sent so far. */
    const reads = new Map<string, { tags: string[], events: Event[] }>()
    const send = (msg: unknown[]): void => { if (client.readyState === WebSocket.OPEN) client.send(JSON.stringify(msg)) }

    upstream.on('open', () => { for (const m of early.splice(0)) upstream.send(m) })
    client.on('message', (data) => {
      const text = data.toString()
      let msg: unknown
      try { msg = JSON.parse(text) } catch { msg = null }
      if (Array.isArray(msg) && msg[0] === 'EVENT' && (msg[1] as Event)?.kind === MAILBOX_KIND) ever.set((msg[1] as Event).id, msg[1] as Event)
      if (Array.isArray(msg) && msg[0] === 'REQ' && typeof msg[1] === 'string') {
        const filter = msg[2] as { kinds?: number[], '#t'?: string[] }
        if (filter?.kinds?.includes(MAILBOX_KIND)) reads.set(msg[1], { tags: filter['#t'] ?? [], events: [] })
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
      serveHostilely(msg[1] as string, read.tags, read.events)
      client.send(text)
    })

    function serveHostilely (subId: string, tags: string[], real: Event[]): void {
      const wanted = new Set(tags)
      const served = new Set(real.map((e) => e.id))
      const heldBack = relay.dropping ? [] : [...ever.values()].filter((e) => !served.has(e.id) && wanted.has(tagOf(e)))
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
        for (const junk of junkFor(tag)) send(['EVENT', subId, junk])
        relay.counts.junk += junkPerTag + 2
      }
      // Under a tag nobody asked for.
      for (let i = 0; i < 3; i++) send(['EVENT', subId, junkEvent(randomBytes(32).toString('hex'), MAILBOX_KIND)])
    }

    function junkFor (tag: string): Event[] {
      let junk = junkByTag.get(tag)
      if (!junk) {
        junk = Array.from({ length: junkPerTag }, () => junkEvent(tag, MAILBOX_KIND))
        // Another kind under the tag.
        junk.push(junkEvent(tag, 1), junkEvent(tag, 1))
        junkByTag.set(tag, junk)
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

function tagOf (event: Event): string {
  return event.tags.find((t) => t[0] === 't')?.[1] ?? ''
}

/** The same sealed bytes under the same tag, signed by a new key, with this expiry (s). */
function rewrap (event: Event, expiration: number): Event {
  return finalizeEvent({ kind: event.kind, created_at: event.created_at, tags: [['t', tagOf(event)], ['expiration', String(expiration)]], content: event.content }, generateSecretKey())
}

/** A valid Nostr event of this kind under this tag whose content is no letter: base64 of random bytes, a bucket's size. */
function junkEvent (tag: string, kind: number): Event {
  return finalizeEvent({
    kind,
    created_at: Math.floor(Date.now() / 1000),
    tags: [['t', tag], ['expiration', String(Math.floor(Date.now() / 1000) + 3600)]],
    content: randomBytes(1064).toString('base64')
  }, generateSecretKey())
}
