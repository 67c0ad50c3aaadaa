// Letters sealed into the stored Nostr events the relays keep: split so
// each fits an event, each under a throwaway key its reader may delete with.
import type { Event } from 'nostr-tools/pure'
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure'
import { letterKey, letterTag, MAX_IDS_PER_LETTER, newLetter, sealLetter, windowOf, type LetterBody } from './mailbox-letters'
import { MAILBOX_KIND } from './mailbox-relay'

/** The events for one friend, the entries they carry, and each letter with its event's key. */
export interface LetterEvents { events: Event[], taken: unknown[], letters: Array<{ event: Event, key: Uint8Array, batch: unknown[], exp: number }> }

/** One event per letter; what does not fit one letter is split, and an
 *  item too large for the largest bucket is left for a live session. */
export function letterEvents (me: string, friend: string, secret: Uint8Array, signingSecret: Uint8Array, entries: unknown[], body: (batch: unknown[]) => LetterBody, now: number): LetterEvents {
  const key = letterKey(secret, me, friend)
  const tag = letterTag(secret, me, friend, windowOf(now))
  const events: Event[] = []
  const taken: unknown[] = []
  const letters: LetterEvents['letters'] = []
  const batches: unknown[][] = []
  for (let i = 0; i < entries.length; i += MAX_IDS_PER_LETTER) batches.push(entries.slice(i, i + MAX_IDS_PER_LETTER))
  while (batches.length > 0) {
    const batch = batches.shift()!
    // The event's throwaway key goes inside the letter: its reader may delete it once taken.
    const eventKey = generateSecretKey()
    const letter = newLetter(me, friend, now, body(batch), eventKey)
    const content = sealLetter(letter, signingSecret, key)
    if (content === null) {
      // Too large together: halves, until single items (which are left out if still too large).
      if (batch.length > 1) batches.unshift(batch.slice(0, batch.length / 2), batch.slice(batch.length / 2))
      continue
    }
    const event = mailboxEvent(tag, content, letter.exp, now, eventKey)
    events.push(event)
    letters.push({ event, key: eventKey, batch, exp: letter.exp })
    taken.push(...batch)
  }
  return { events, taken, letters }
}

/** One letter as a stored Nostr event: signed with a key made for it alone,
 *  tagged with the letter's tag only, expiring with the letter (NIP-40). */
export function mailboxEvent (tag: string, content: string, expMs: number, nowMs = Date.now(), secretKey = generateSecretKey()): Event {
  return finalizeEvent({
    kind: MAILBOX_KIND,
    created_at: Math.floor(nowMs / 1000),
    tags: [['t', tag], ['expiration', String(Math.floor(expMs / 1000))]],
    content
  }, secretKey)
}
