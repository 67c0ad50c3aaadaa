// The mailbox's visits to one relay: a short-lived socket, unlike the
// rendezvous' standing one (relays/relay-connection.ts). Publishing sends
// letters paced under public relays' rate limits and waits for each OK;
// reading asks for stored events under our tags (then, on the same socket,
// for the bundles the wraps found name) and collects them until the relay
// says it has sent what it holds (EOSE), or a time limit. What the
// relay sends is bounded here before anything opens it: message size and
// shape (relay-events.ts), kind, our tags (exactly one, or for a wrap event
// up to MAX_WRAPS_PER_EVENT, one at least ours), a bundle's id among those
// asked for, events per tag and per read, repeats, content size, and the
// event's own signature.
import { verifyEvent, type Event } from 'nostr-tools/pure'
import { readRelayMessage } from '../relays/relay-events'
import { MAX_LETTER_CONTENT_CHARS } from './mailbox-letters'
import { MAX_WRAP_CONTENT_CHARS, MAX_WRAPS_PER_EVENT } from './mailbox-bundles'
import { CHUNK_CONTENT_CHARS } from './mailbox-files'

/** A regular kind (1000–9999): relays store it, until its NIP-40 expiry. */
export const MAILBOX_KIND = 4550
/** Wraps (several friends' tags to an event) and the bundles they name
 *  (mailbox-bundles.ts): kinds of their own, so a reader from before them
 *  never asks for them. */
export const WRAP_KIND = 4551
export const BUNDLE_KIND = 4552
/** A chunk of a file a bundle names (mailbox-files.ts). */
export const CHUNK_KIND = 4553

/** What an event of each kind may look like: how many `t` tags, how long a content. */
const SHAPES: ReadonlyMap<number, { maxTags: number, maxContentChars: number }> = new Map([
  [MAILBOX_KIND, { maxTags: 1, maxContentChars: MAX_LETTER_CONTENT_CHARS }],
  [WRAP_KIND, { maxTags: MAX_WRAPS_PER_EVENT, maxContentChars: MAX_WRAP_CONTENT_CHARS }],
  [BUNDLE_KIND, { maxTags: 1, maxContentChars: MAX_LETTER_CONTENT_CHARS }],
  [CHUNK_KIND, { maxTags: 1, maxContentChars: CHUNK_CONTENT_CHARS }]
])
/** A wrap event's tags and its expiry. */
const MAX_EVENT_TAGS = MAX_WRAPS_PER_EVENT + 1

/** What one read asks a relay for: these kinds under these tags (and, for
 *  bundles, only these event ids). */
export interface MailboxQuery { kinds: readonly number[], tags: readonly string[], ids?: readonly string[] }

export interface MailboxRelayLimits {
  /** A relay visit gives up after this long. */
  visitTimeoutMs: number
  /** Letters sent at once, then one per paceMs (the strict relay, like
   *  public ones, allows 40 messages at once and 10 a second). */
  burst: number
  paceMs: number
  /** Tags in one REQ (several REQs, one after the other, beyond). */
  tagsPerRequest: number
  /** Events taken from one relay in one read (a visit reads twice at most:
   *  letters and wraps, then bundles), and under one tag: a relay
   *  flooding a friend's tag with junk costs at most this much. */
  eventsPerRead: number
  eventsPerTag: number
}

export const DEFAULT_MAILBOX_RELAY_LIMITS: MailboxRelayLimits = {
  visitTimeoutMs: 15_000,
  burst: 20,
  paceMs: 200,
  tagsPerRequest: 200,
  eventsPerRead: 2_000,
  eventsPerTag: 50
}

export type MailboxDrop = 'oversized' | 'malformed' | 'wrong-kind' | 'wrong-tag' | 'wrong-id' | 'bad-signature' | 'duplicate' | 'flood' | 'other'

export interface MailboxVisitOptions {
  createSocket: (url: string) => WebSocket
  limits: MailboxRelayLimits
  onDrop?: (reason: MailboxDrop) => void
}

/** Publishes these events on one relay; resolves with how many it accepted. */
export async function publishEvents (url: string, events: readonly Event[], opts: MailboxVisitOptions): Promise<number> {
  if (events.length === 0) return 0
  const socket = await openSocket(url, opts)
  if (!socket) return 0
  const waiting = new Map<string, (ok: boolean) => void>()
  socket.onmessage = (ev: MessageEvent) => {
    let msg: unknown
    try { msg = JSON.parse(String(ev.data)) } catch { return }
    if (Array.isArray(msg) && msg[0] === 'OK' && typeof msg[1] === 'string') waiting.get(msg[1])?.(msg[2] === true)
  }
  const outcomes: Array<Promise<boolean>> = []
  try {
    for (let i = 0; i < events.length; i++) {
      if (i >= opts.limits.burst) await sleep(opts.limits.paceMs)
      const event = events[i]!
      outcomes.push(new Promise<boolean>((resolve) => {
        waiting.set(event.id, resolve)
        socket.onclose = () => { for (const done of waiting.values()) done(false) }
        setTimeout(() => resolve(false), opts.limits.visitTimeoutMs)
      }))
      socket.send(JSON.stringify(['EVENT', event]))
    }
    return (await Promise.all(outcomes)).filter(Boolean).length
  } finally {
    closeSocket(socket)
  }
}

/** One read on a visit: stored events of the kinds asked for under these
 *  tags, since `since` (seconds), checked as said above. */
export type ReadOnVisit = (query: MailboxQuery, since: number) => Promise<Event[]>

/** One short visit to a relay: a socket open for `use`'s reads, one after
 *  the other (letters and wraps, then the bundles they name), closed when
 *  it is done. Null when the relay could not be reached. */
export async function visitToRead<T> (url: string, opts: MailboxVisitOptions, use: (read: ReadOnVisit) => Promise<T>): Promise<T | null> {
  const socket = await openSocket(url, opts)
  if (!socket) return null
  try {
    return await use((query, since) => readOn(socket, query, since, opts))
  } finally {
    closeSocket(socket)
  }
}

async function readOn (socket: WebSocket, query: MailboxQuery, since: number, opts: MailboxVisitOptions): Promise<Event[]> {
  const { tags } = query
  const ids = query.ids ? new Set(query.ids) : null
  if (tags.length === 0 || ids?.size === 0 || socket.readyState !== OPEN) return []
  const drop = (reason: MailboxDrop): void => opts.onDrop?.(reason)
  const out: Event[] = []
  const seen = new Set<string>()
  const perTag = new Map<string, number>()
  for (let i = 0; i < tags.length && out.length < opts.limits.eventsPerRead; i += opts.limits.tagsPerRequest) {
    const wanted = new Set(tags.slice(i, i + opts.limits.tagsPerRequest))
    const subId = Math.random().toString(36).slice(2, 12)
    await new Promise<void>((resolve) => {
      let taken = 0
      const done = (): void => { clearTimeout(timer); resolve() }
      const timer = setTimeout(done, opts.limits.visitTimeoutMs)
      socket.onclose = done
      socket.onmessage = (ev: MessageEvent) => {
        const msg = readRelayMessage(ev.data, MAX_EVENT_TAGS)
        if (msg.type === 'dropped') return drop(msg.reason === 'oversized' ? 'oversized' : 'malformed')
        if (msg.type === 'other') {
          if (isEndOf(ev.data, subId)) done()
          return
        }
        if (msg.subId !== subId) return drop('other')
        // The bounds come before any work on the event.
        if (out.length >= opts.limits.eventsPerRead || ++taken > opts.limits.eventsPerRead) { drop('flood'); return done() }
        const event = msg.event
        const shape = SHAPES.get(event.kind)
        if (!query.kinds.includes(event.kind) || shape === undefined) return drop('wrong-kind')
        const own = event.tags.filter((t) => t[0] === 't').map((t) => t[1])
        const mine = own.filter((tag): tag is string => tag !== undefined && wanted.has(tag))
        if (own.length < 1 || own.length > shape.maxTags || mine.length === 0) return drop('wrong-tag')
        if (ids && !ids.has(event.id)) return drop('wrong-id')
        // Each of our tags it carries counts: junk under a friend's tag is bounded however it is tagged.
        let flooded = false
        for (const tag of new Set(mine)) {
          const count = (perTag.get(tag) ?? 0) + 1
          perTag.set(tag, count)
          if (count > opts.limits.eventsPerTag) flooded = true
        }
        if (flooded) return drop('flood')
        if (seen.has(event.id)) return drop('duplicate')
        if (event.content.length > shape.maxContentChars) return drop('oversized')
        if (!verifyEvent(event)) return drop('bad-signature')
        seen.add(event.id)
        out.push(event)
      }
      socket.send(JSON.stringify(['REQ', subId, { kinds: [...query.kinds], ...(ids ? { ids: [...ids] } : {}), '#t': [...wanted], since, limit: opts.limits.eventsPerRead }]))
    })
    if (socket.readyState !== OPEN) break
    socket.send(JSON.stringify(['CLOSE', subId]))
  }
  return out
}

const OPEN = 1

function isEndOf (data: unknown, subId: string): boolean {
  try {
    const msg = JSON.parse(String(data)) as unknown[]
    return (msg[0] === 'EOSE' || msg[0] === 'CLOSED') && msg[1] === subId
  } catch { return false }
}

function openSocket (url: string, opts: MailboxVisitOptions): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    let socket: WebSocket
    try { socket = opts.createSocket(url) } catch { return resolve(null) }
    const timer = setTimeout(() => { closeSocket(socket); resolve(null) }, opts.limits.visitTimeoutMs)
    socket.onopen = () => { clearTimeout(timer); resolve(socket) }
    socket.onerror = () => { /* onclose follows */ }
    socket.onclose = () => { clearTimeout(timer); resolve(null) }
  })
}

function closeSocket (socket: WebSocket): void {
  socket.onopen = socket.onmessage = socket.onclose = null
  socket.onerror = () => {}
  try { socket.close() } catch { /* already closing */ }
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
