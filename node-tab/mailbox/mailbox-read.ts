// Reading the mailbox: the tags my friends would write under in the
// windows still alive, asked of every relay, and each event opened and
// checked: a letter (mailbox-letters.ts), or a wrap event whose wraps under
// my tags are opened (mailbox-bundles.ts); the bundles those wraps name are
// then asked for by tag and event id on the same visit (and of the next
// relay, those not found), checked against the wrap and opened, and their
// items handed on as a letter's; then the chunks of the files those
// bundles name, likewise (mailbox-files.ts), each file checked whole. The
// same letter, or wrap, seen twice counts once.
import type { Event } from 'nostr-tools/pure'
import { fromHex } from '../../shared/util/bytes'
import { LETTER_LIFETIME_MS, letterKey, letterTag, openLetter, WINDOW_MS, windowsToRead, type Letter, type LetterRefusal } from './mailbox-letters'
import { openBundle, openWrap, splitWraps, wrapKey, type Wrap, type WrapRefusal } from './mailbox-bundles'
import { assembleFile, MAX_CHUNKS_PER_FILE, MAX_FILES_PER_READ, openChunk, type FileRef, type FileRefusal } from './mailbox-files'
import { BUNDLE_KIND, CHUNK_KIND, MAILBOX_KIND, visitToRead, WRAP_KIND, type MailboxDrop, type ReadOnVisit } from './mailbox-relay'

type Visit = Parameters<typeof visitToRead>[1]

/** What a read found: each friend's letters by id, the events each letter
 *  came in (several relays, or served again), which letters came from
 *  bundles (their events are shared with other friends: the reader does not
 *  delete them), and each friend's files that came with their bundles (by
 *  item id, checked against the bundle). Null when there is nobody to read from. */
export interface FoundLetters { letters: Map<string, Map<string, Letter>>, carriers: Map<string, Event[]>, bundled: Set<string>, files: Map<string, Map<string, Uint8Array>> }

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
  /** Wraps taken before (on this device): their bundles are not asked for again. */
  takenWraps: ReadonlySet<string>
  visit: Visit
  count: (reason: MailboxDrop | WrapRefusal | FileRefusal | 'duplicate') => void
  /** The key that speaks for a friend here: their address key, or after a
   *  rotation of theirs I follow, its Sₙ (what the old key signs is refused). */
  signingKeyOf?: (friend: string) => Uint8Array
}

interface Mine { owner: string, key: Uint8Array, wrapKey: Uint8Array, signingKey: Uint8Array }

export async function collectLetters ({ urls, secrets, me, now, clock, takenWraps, visit, count, signingKeyOf = fromHex }: CollectOptions): Promise<FoundLetters | null> {
  const byTag = new Map<string, Mine>()
  for (const [friend, secret] of secrets) {
    const mine = { owner: friend, key: letterKey(secret, friend, me), wrapKey: wrapKey(secret, friend, me), signingKey: signingKeyOf(friend) }
    for (const window of windowsToRead(now)) byTag.set(letterTag(secret, friend, me, window), mine)
  }
  if (byTag.size === 0) return null
  const since = Math.floor((now - LETTER_LIFETIME_MS - WINDOW_MS) / 1000)
  const found: FoundLetters = { letters: new Map(), carriers: new Map(), bundled: new Set(), files: new Map() }
  const add = (owner: string, letter: Letter): void => {
    let mine = found.letters.get(owner)
    if (!mine) found.letters.set(owner, mine = new Map())
    // The same letter from several relays (or twice from one) is one letter.
    if (mine.has(letter.id)) { count('duplicate'); return }
    mine.set(letter.id, letter)
  }
  const wraps = new Set<string>()
  /** Wraps whose bundle is not found yet, by the bundle's event id. */
  const waiting = new Map<string, Opened[]>()
  /** Files whose chunks are not all found yet (at most MAX_FILES_PER_READ a read). */
  const files: WaitingFile[] = []
  let filesTaken = 0
  for (const url of urls) {
    await visitToRead(url, visit, async (read) => {
      const events = await read({ kinds: [MAILBOX_KIND, WRAP_KIND], tags: [...byTag.keys()] }, since)
      for (const event of events) {
        if (event.kind === WRAP_KIND) {
          for (const opened of openWraps(event, byTag, me, clock(), count)) {
            if (takenWraps.has(opened.wrap.id)) continue
            if (wraps.has(opened.wrap.id)) { count('duplicate'); continue }
            wraps.add(opened.wrap.id)
            waiting.set(opened.wrap.event, [...waiting.get(opened.wrap.event) ?? [], opened])
          }
          continue
        }
        const tag = event.tags.find((t) => t[0] === 't')![1]!
        const from = byTag.get(tag)!
        const letter = openLetter(event.content, from.key, from.owner, me, clock(), from.signingKey)
        if (typeof letter === 'string') { count(letter); continue }
        found.carriers.set(letter.id, [...found.carriers.get(letter.id) ?? [], event])
        add(from.owner, letter)
      }
      for (const [owner, letter, refs] of await bundleLetters(waiting, read, me, since, clock, count)) {
        found.bundled.add(letter.id)
        add(owner, letter)
        if (refs === null) { count('files-refused'); continue }
        for (const ref of refs) {
          if (filesTaken >= MAX_FILES_PER_READ) { count('file-deferred'); continue }
          filesTaken++
          files.push({ owner, ref, chunks: ref.chunks.map(() => null) })
        }
      }
      for (const file of await fileChunks(files, read, since, count)) {
        let mine = found.files.get(file.owner)
        if (!mine) found.files.set(file.owner, mine = new Map())
        mine.set(file.item, file.bytes)
      }
    }).catch(() => null)
  }
  for (const readers of waiting.values()) for (const _ of readers) count('bundle-missing')
  for (const _ of files) count('file-missing')
  return found
}

interface WaitingFile { owner: string, ref: FileRef, chunks: Array<Uint8Array | null> }

/** Chunks asked for in one read: two full files (about 2.9 MB of events). */
const CHUNKS_PER_READ = 2 * MAX_CHUNKS_PER_FILE

/** The chunks still missing of each waiting file, asked of this relay (only
 *  by the ids and tags its bundle names), each checked against the bundle;
 *  the files now whole and checked leave `files`. Files are asked for
 *  together, up to CHUNKS_PER_READ chunks a read: few messages on the
 *  relay's rate limit, and at most that many chunks held at once. A file
 *  holds at most its size, whatever the relay sends. */
async function fileChunks (files: WaitingFile[], read: ReadOnVisit, since: number, count: CollectOptions['count']): Promise<Array<{ owner: string, item: string, bytes: Uint8Array }>> {
  const out: Array<{ owner: string, item: string, bytes: Uint8Array }> = []
  const groups: WaitingFile[][] = []
  let size = Infinity
  for (const file of files) {
    const missing = file.chunks.filter((c) => c === null).length
    if (size + missing > CHUNKS_PER_READ) { groups.push([]); size = 0 }
    groups.at(-1)!.push(file)
    size += missing
  }
  for (const group of groups) {
    /** Each chunk asked for, by its event id: which file, at which place. */
    const asked = new Map<string, { file: WaitingFile, index: number }>()
    for (const file of group) file.ref.chunks.forEach((c, index) => { if (file.chunks[index] === null) asked.set(c.event, { file, index }) })
    const events = await read({ kinds: [CHUNK_KIND], tags: [...asked.keys()].map((id) => { const { file, index } = asked.get(id)!; return file.ref.chunks[index]!.tag }), ids: [...asked.keys()] }, since)
    for (const event of events) {
      const place = asked.get(event.id)
      if (!place || place.file.chunks[place.index] !== null) continue
      const bytes = openChunk(event, place.file.ref, place.index)
      if (bytes === null) { count('chunk-mismatch'); continue }
      place.file.chunks[place.index] = bytes
    }
    for (const file of group) {
      if (file.chunks.some((c) => c === null)) continue
      files.splice(files.indexOf(file), 1)
      const bytes = assembleFile(file.ref, file.chunks as Uint8Array[])
      if (bytes === null) { count('chunk-mismatch'); continue }
      out.push({ owner: file.owner, item: file.ref.item, bytes })
    }
  }
  return out
}

interface Opened { owner: string, signingKey: Uint8Array, wrap: Wrap }

/** The wraps under my tags in one wrap event, each opened and checked. */
function openWraps (event: Event, byTag: ReadonlyMap<string, Mine>, me: string, now: number, count: CollectOptions['count']): Opened[] {
  const tags = event.tags.filter((t) => t[0] === 't').map((t) => t[1]!)
  const sealed = splitWraps(event.content, tags.length)
  if (sealed === null) { count('malformed'); return [] }
  const out: Opened[] = []
  tags.forEach((tag, i) => {
    const from = byTag.get(tag)
    if (!from) return // another friend's wrap: not even tried
    const wrap = openWrap(sealed[i]!, from.wrapKey, from.owner, me, now, from.signingKey)
    if (typeof wrap === 'string') count(wrap)
    else out.push({ owner: from.owner, signingKey: from.signingKey, wrap })
  })
  return out
}

/** The bundles still `waiting` for their wraps, asked of this relay (only
 *  by the tags and event ids the wraps name), each checked against its wrap
 *  and opened: their items as letters for me, and the files they name. What
 *  is found leaves `waiting`. */
async function bundleLetters (waiting: Map<string, Opened[]>, read: ReadOnVisit, me: string, since: number, clock: () => number, count: CollectOptions['count']): Promise<Array<[string, Letter, FileRef[] | null]>> {
  const out: Array<[string, Letter, FileRef[] | null]> = []
  if (waiting.size === 0) return out
  const wanted = [...waiting.values()].flat()
  const events = await read({ kinds: [BUNDLE_KIND], tags: [...new Set(wanted.map((w) => w.wrap.tag))], ids: [...waiting.keys()] }, since)
  for (const event of events) {
    const readers = waiting.get(event.id)
    if (!readers) continue // served twice: already opened
    waiting.delete(event.id)
    for (const { owner, signingKey, wrap } of readers) {
      // The tag too: the wrap signed it, and the bundle is asked for by it.
      const opened = event.tags.some((t) => t[0] === 't' && t[1] === wrap.tag) ? openBundle(event.content, wrap, owner, clock(), signingKey) : 'bundle-mismatch'
      if (typeof opened === 'string') { count(opened); continue }
      out.push([owner, { v: 1, id: wrap.id, from: owner, to: me, exp: Math.min(wrap.exp, opened.exp), items: opened.items }, opened.files])
    }
  }
  return out
}
