// Taking letters back off relays (NIP-09 deletion requests). A relay
// honours a deletion request only when it is signed by the key that signed
// the event, and each letter's event has a throwaway key of its own, so:
//   - the writer keeps, on this device, each item letter's event id and
//     throwaway key while the letter may still be waiting; when none of its
//     items is still for its friend (deleted, or the audience narrowed),
//     the writer asks every relay to delete it;
//   - the reader deletes each letter it took: the throwaway key travels
//     inside the sealed, signed letter (`del`), so only the pair can use it.
// Relays that ignore deletions (some do; the strict test relay does) keep
// sealed bytes until the event's expiry; nothing here relies on deletions.
import { finalizeEvent, getPublicKey, type Event } from 'nostr-tools/pure'
import type { NodeDatabase } from '../storage/db'
import { fromHex } from '../../shared/util/bytes'
import { MAILBOX_KIND } from './mailbox-relay'

export const DELETION_KIND = 5

/** A NIP-09 deletion request for these events, all signed by `secretKey`. */
export function deletionEvent (eventIds: readonly string[], secretKey: Uint8Array, nowMs = Date.now()): Event {
  return finalizeEvent({
    kind: DELETION_KIND,
    created_at: Math.floor(nowMs / 1000),
    tags: [...eventIds.map((id) => ['e', id]), ['k', String(MAILBOX_KIND)]],
    content: ''
  }, secretKey)
}

/** The deletion request a reader may send for a letter it took: only when
 *  the letter's `del` key is the one that signed this event (a relay or
 *  anyone re-wrapping the sealed bytes signs with a key of its own). */
export function readerDeletion (event: Event, del: string | undefined, nowMs = Date.now()): Event | null {
  if (del === undefined) return null
  const key = fromHex(del)
  return getPublicKey(key) === event.pubkey ? deletionEvent([event.id], key, nowMs) : null
}

/** An item letter this device published, kept while it may be waiting. */
export interface SentLetter {
  event: string
  /** The throwaway secret key, hex. */
  key: string
  friend: string
  items: string[]
  /** When the letter expires (ms): past that, nothing to withdraw. */
  exp: number
}

/** Device settings (not synced): a letter is withdrawn by the device that
 *  holds its throwaway key, or expires. */
const SENT_SETTING = 'mailboxSent'
const MAX_SENT = 2_000
/** Event ids of letters this device already asked relays to delete after
 *  taking them (a relay that ignores deletions serves them again). */
const CLEARED_SETTING = 'mailboxCleared'
const MAX_CLEARED = 2_000

function isSent (v: unknown): v is SentLetter[] {
  return Array.isArray(v) && v.every((s: Partial<SentLetter>) => typeof s?.event === 'string' && typeof s.key === 'string' &&
    typeof s.friend === 'string' && Number.isSafeInteger(s.exp) && Array.isArray(s.items) && s.items.every((id) => typeof id === 'string'))
}

const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string')

export async function sentLetters (db: NodeDatabase, now: number): Promise<SentLetter[]> {
  return (await db.getSetting(SENT_SETTING, isSent) ?? []).filter((s) => s.exp > now)
}

/** Adds letters just published (the oldest go first past MAX_SENT; expired ones go). */
export async function recordSent (db: NodeDatabase, letters: readonly SentLetter[], now: number): Promise<void> {
  if (letters.length === 0) return
  await db.transaction('rw', db.settings, async () => {
    await db.putSetting(SENT_SETTING, [...await sentLetters(db, now), ...letters].slice(-MAX_SENT))
  })
}

export async function forgetSent (db: NodeDatabase, eventIds: ReadonlySet<string>, now: number): Promise<void> {
  if (eventIds.size === 0) return
  await db.transaction('rw', db.settings, async () => {
    await db.putSetting(SENT_SETTING, (await sentLetters(db, now)).filter((s) => !eventIds.has(s.event)))
  })
}

export async function clearedEvents (db: NodeDatabase): Promise<Set<string>> {
  return new Set(await db.getSetting(CLEARED_SETTING, isIdList) ?? [])
}

export async function recordCleared (db: NodeDatabase, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return
  await db.transaction('rw', db.settings, async () => {
    const had = [...await clearedEvents(db)].filter((id) => !eventIds.includes(id))
    await db.putSetting(CLEARED_SETTING, [...had, ...eventIds].slice(-MAX_CLEARED))
  })
}
