// Bundles and their wraps as the stored Nostr events relays keep
// (mailbox-bundles.ts has the formats): a bundle is one event under a random
// tag of its own; wraps go MAX_WRAPS_PER_EVENT to an event, which carries one
// `t` tag per wrap, in the wraps' order (each the friend's letter tag of
// the window, so a friend finds it by the tags they already read). Each
// event is signed by a throwaway key of its own, kept by the writer to
// withdraw it (mailbox-bundle-withdraw.ts).
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure'
import { randomBytes } from '../../shared/crypto/crypto'
import { toHex } from '../../shared/util/bytes'
import { LETTER_LIFETIME_MS, letterTag, windowOf } from './mailbox-letters'
import { joinWraps, MAX_WRAPS_PER_EVENT, sealBundle, sealWrap, wrapKey, type SealedBundle } from './mailbox-bundles'
import { fileChunkEvents, MAX_FILES_PER_BUNDLE, type FileRef } from './mailbox-files'
import { BUNDLE_KIND, CHUNK_KIND, WRAP_KIND } from './mailbox-relay'

export interface BundleFriend { key: string, secret: Uint8Array }

/** What the writer keeps of a bundle it published, to wrap it again for
 *  the friends still meant to have it, or to withdraw it (hex throughout). */
export interface SentBundle {
  event: string
  /** The bundle event's throwaway secret key. */
  key: string
  k: string
  hash: string
  tag: string
  exp: number
  items: string[]
  wraps: SentWraps[]
  /** The file chunk events the bundle names, and the seed their throwaway
   *  keys come from (mailbox-files.ts chunkEventKey, by place in this list). */
  chunks?: { seed: string, events: string[] }
}

/** One wrap event: its id, throwaway key, and whose wraps it carries. */
export interface SentWraps { event: string, key: string, friends: string[] }

export interface BundleEvents { events: Event[], sent: SentBundle[], taken: unknown[] }

/** The events that bring these items to these friends: bundles (split when
 *  the items do not fit one; an item too large alone is left for a live
 *  session), the chunks of the files in `files` (by item id, each within
 *  MAILBOX_FILE_MAX_BYTES), and the wraps. Chunks come first, then the
 *  bundle, then its wraps: a reader finds a wrap only once what it names is there. */
export function bundleEvents (me: string, friends: readonly BundleFriend[], signingSecret: Uint8Array, items: readonly unknown[], now: number, files: ReadonlyMap<string, Uint8Array> = new Map()): BundleEvents {
  const out: BundleEvents = { events: [], sent: [], taken: [] }
  if (friends.length === 0) return out
  const batches: unknown[][] = [[...items]]
  while (batches.length > 0) {
    const batch = batches.shift()!
    const withFiles = batch.filter((item) => files.has((item as { id: string }).id))
    const chunks = withFiles.length <= MAX_FILES_PER_BUNDLE ? chunksOf(withFiles.map((item) => (item as { id: string }).id), files, now) : null
    const bundle = chunks && sealBundle(me, batch, signingSecret, now, chunks.refs)
    if (!bundle) {
      if (batch.length > 1) batches.unshift(batch.slice(0, batch.length / 2), batch.slice(batch.length / 2))
      continue
    }
    const key = generateSecretKey()
    const event = bundleEvent(bundle, now, key)
    const wraps = wrapEvents(me, friends, { ...bundle, event: event.id }, signingSecret, now)
    out.events.push(...chunks!.events, event, ...wraps.map((w) => w.event))
    out.sent.push({
      event: event.id,
      key: toHex(key),
      k: toHex(bundle.k),
      hash: bundle.hash,
      tag: bundle.tag,
      exp: bundle.exp,
      items: batch.map((item) => (item as { id: string }).id),
      wraps: wraps.map((w) => ({ event: w.event.id, key: toHex(w.key), friends: w.friends })),
      ...(chunks!.events.length > 0 ? { chunks: { seed: toHex(chunks!.seed), events: chunks!.events.map((e) => e.id) } } : {})
    })
    out.taken.push(...batch)
  }
  return out
}

/** The chunk events of these items' files, one seed for all their keys. */
function chunksOf (itemIds: readonly string[], files: ReadonlyMap<string, Uint8Array>, now: number): { refs: FileRef[], events: Event[], seed: Uint8Array } {
  const seed = randomBytes(32)
  const refs: FileRef[] = []
  const events: Event[] = []
  for (const id of itemIds) {
    const made = fileChunkEvents(id, files.get(id)!, CHUNK_KIND, seed, events.length, now + LETTER_LIFETIME_MS, now)
    if (!made) continue
    refs.push(made.ref)
    events.push(...made.events)
  }
  return { refs, events, seed }
}

/** The wrap events for these friends, MAX_WRAPS_PER_EVENT to an event.
 *  Wrapping the same bundle again for a friend gives a wrap with the same
 *  id (mailbox-bundles.ts): a reader who took it does not take it again. */
export function wrapEvents (me: string, friends: readonly BundleFriend[], bundle: Pick<SealedBundle, 'k' | 'hash' | 'tag' | 'exp'> & { event: string }, signingSecret: Uint8Array, now: number): Array<{ event: Event, key: Uint8Array, friends: string[] }> {
  const out: Array<{ event: Event, key: Uint8Array, friends: string[] }> = []
  const window = windowOf(now)
  for (let i = 0; i < friends.length; i += MAX_WRAPS_PER_EVENT) {
    const batch = friends.slice(i, i + MAX_WRAPS_PER_EVENT)
    const key = generateSecretKey()
    const event = finalizeEvent({
      kind: WRAP_KIND,
      created_at: Math.floor(now / 1000),
      tags: [...batch.map((f) => ['t', letterTag(f.secret, me, f.key, window)]), ['expiration', String(Math.floor(bundle.exp / 1000))]],
      content: joinWraps(batch.map((f) => sealWrap(me, f.key, bundle, signingSecret, wrapKey(f.secret, me, f.key))))
    }, key)
    out.push({ event, key, friends: batch.map((f) => f.key) })
  }
  return out
}

/** A bundle as a stored event: its random tag only, expiring with it (NIP-40). */
export function bundleEvent (bundle: SealedBundle, now: number, key: Uint8Array): Event {
  return finalizeEvent({
    kind: BUNDLE_KIND,
    created_at: Math.floor(now / 1000),
    tags: [['t', bundle.tag], ['expiration', String(Math.floor(bundle.exp / 1000))]],
    content: bundle.content
  }, key)
}
