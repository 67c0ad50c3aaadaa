// Reading the mailbox: the tags my friends would write under in the
// windows still alive, asked of every relay, and each event opened and
// checked (mailbox-letters.ts); the same letter seen twice counts once.
import type { Event } from 'nostr-tools/pure'
import { LETTER_LIFETIME_MS, letterKey, letterTag, openLetter, WINDOW_MS, windowsToRead, type Letter, type LetterRefusal } from './mailbox-letters'
import { readEvents, type MailboxDrop } from './mailbox-relay'

type Visit = Parameters<typeof readEvents>[3]

/** What a read found: each friend's letters by id, and the events each
 *  letter came in (several relays, or served again). Null when there is
 *  nobody to read from. */
export interface FoundLetters { letters: Map<string, Map<string, Letter>>, carriers: Map<string, Event[]> }

export interface CollectOptions {
  urls: readonly string[]
  /** Each friend's meeting secret, by key hex. */
  secrets: ReadonlyMap<string, Uint8Array>
  /** My key, hex. */
  me: string
  /** When the read began: which windows are still alive. */
  now: number
  /** Each letter's expiry is checked against the time it is opened. */
  clock: () => number
  visit: Visit
  count: (reason: MailboxDrop | LetterRefusal | 'duplicate') => void
}

export async function collectLetters ({ urls, secrets, me, now, clock, visit, count }: CollectOptions): Promise<FoundLetters | null> {
  const byTag = new Map<string, { owner: string, key: Uint8Array }>()
  for (const [friend, secret] of secrets) {
    const key = letterKey(secret, friend, me)
    for (const window of windowsToRead(now)) byTag.set(letterTag(secret, friend, me, window), { owner: friend, key })
  }
  if (byTag.size === 0) return null
  const since = Math.floor((now - LETTER_LIFETIME_MS - WINDOW_MS) / 1000)
  const letters = new Map<string, Map<string, Letter>>()
  const carriers = new Map<string, Event[]>()
  for (const url of urls) {
    const events = await readEvents(url, [...byTag.keys()], since, visit).catch(() => [])
    for (const event of events) {
      const tag = event.tags.find((t) => t[0] === 't')![1]!
      const from = byTag.get(tag)!
      const letter = openLetter(event.content, from.key, from.owner, me, clock())
      if (typeof letter === 'string') { count(letter); continue }
      carriers.set(letter.id, [...carriers.get(letter.id) ?? [], event])
      let mine = letters.get(from.owner)
      if (!mine) letters.set(from.owner, mine = new Map())
      // The same letter from several relays (or twice from one) is one letter.
      if (mine.has(letter.id)) { count('duplicate'); continue }
      mine.set(letter.id, letter)
    }
  }
  return { letters, carriers }
}
