// What the owner leaves in a friend's mailbox on relays, and how the friend
// opens it. A letter carries new or edited text items, or the ids of items
// the friend must forget (deleted, or no longer theirs to see), or (the
// friend writing back, the other direction) the ids the friend did forget.
// It is:
//   - signed by the owner's identity key (a relay, a stranger, another
//     friend or the friend themselves cannot make one "from" the owner: the
//     meeting secret both friends hold is not enough), over the recipient's
//     key too, so a letter for one friend cannot be passed to another;
//   - padded to a size bucket (a relay learns a size class, not a length);
//   - sealed (XSalsa20-Poly1305) under a key only this pair can compute,
//     from their meeting secret and the direction (owner → friend);
//   - tagged on the relay with a tag derived from the same secret, the
//     direction and a time window: never an address, key or name, and it
//     changes every window and differs for every pair and direction.
// The letter's own expiry is inside the seal and signed: a relay that
// ignores NIP-40 (or re-wraps the bytes with a later expiry) cannot make
// an old letter count.
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes, secretOpen, secretSeal, sign, verify } from '../../shared/crypto/crypto'
import { concatBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, uint32BE, utf8 } from '../../shared/util/bytes'

/** A letter is kept (and valid) this long: two weeks covers a friend who
 *  opens Kith once a week, or comes back from a week away, and bounds what
 *  a relay holds if it ignores deletions; longer waits for a live session. */
export const LETTER_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000
/** Tags change every window; a reader looks back over every window a
 *  letter can still be valid in. */
export const WINDOW_MS = 2 * 24 * 60 * 60 * 1000
export const WINDOWS_TO_READ = Math.ceil(LETTER_LIFETIME_MS / WINDOW_MS) + 1
/** Clocks a little ahead are tolerated, not letters dated far ahead. */
const CLOCK_SKEW_MS = 10 * 60 * 1000
/** Sealed plaintext sizes (public relays cap an event at 64 KiB: the
 *  largest bucket, sealed and in base64 inside an event, stays under it). */
export const SIZE_BUCKETS = [1024, 4096, 16384, 45056] as const
export const MAX_LETTER_CONTENT_CHARS = Math.ceil((SIZE_BUCKETS.at(-1)! + 40) / 3) * 4
/** Ids in one letter (a deleteNotices batch is larger; letters are split). */
export const MAX_IDS_PER_LETTER = 200

const KEY_LABEL = utf8('kith mailbox key v1\0')
const TAG_LABEL = utf8('kith mailbox tag v1\0')
const SIGN_LABEL = utf8('kith mailbox letter v1\0')
const ID = /^[0-9a-f]{32}$/
const ITEM_ID = /^[A-Za-z0-9]{1,64}$/

/** What a letter says, exactly one of: `items`, SharedItems as a live
 *  answer lists them (checked by the reader exactly as a live page is);
 *  `ask`, a friend's request for a page (mailbox-requests.ts);
 *  `gone`, item ids to forget; `ack`, item ids the writer forgot, answering
 *  a `gone` letter the reader wrote at `asOf` (the reader's clock: that
 *  letter's exp less LETTER_LIFETIME_MS), so an old acknowledgement served
 *  again cannot confirm a later notice for the same item. */
export interface Letter {
  v: 1
  /** Random: the reader takes each letter once, however often a relay serves it. */
  id: string
  /** Owner's and recipient's identity keys, hex. */
  from: string
  to: string
  /** When it stops counting (ms since 1970). */
  exp: number
  items?: unknown[]
  gone?: string[]
  ack?: string[]
  asOf?: number
  /** A request: the page since this cursor (null: from the start), as a
   *  live listItems asks; answered with `items` letters the other way. */
  ask?: { after: string | null }
  /** The secret key (hex) of the throwaway Nostr key the letter's event is
   *  signed with: whoever opens the letter may ask a relay to delete that
   *  event (NIP-09) once taken. Absent in letters from before. */
  del?: string
}

export type LetterBody = { items: unknown[] } | { gone: string[] } | { ack: string[], asOf: number } | { ask: { after: string | null } }

/** The key a pair's letters from `fromHex` to `toHex` are sealed under. */
export function letterKey (secret: Uint8Array, fromKey: string, toKey: string): Uint8Array {
  return sha256(concatBytes(KEY_LABEL, secret, fromHex(fromKey), fromHex(toKey)))
}

/** The relay tag of this pair's letters (one direction) in one window. */
export function letterTag (secret: Uint8Array, fromKey: string, toKey: string, window: number): string {
  return toHex(sha256(concatBytes(TAG_LABEL, secret, fromHex(fromKey), fromHex(toKey), uint32BE(window))))
}

export function windowOf (ms: number): number {
  return Math.floor(ms / WINDOW_MS)
}

/** The windows a reader asks for at `now`: this one and those before it a letter can still be valid in. */
export function windowsToRead (now: number): number[] {
  const current = windowOf(now)
  return Array.from({ length: WINDOWS_TO_READ }, (_, i) => current - i)
}

export function newLetter (fromHex: string, toHexKey: string, now: number, body: LetterBody, eventKey?: Uint8Array): Letter {
  return { v: 1, id: toHex(randomBytes(16)), from: fromHex, to: toHexKey, exp: now + LETTER_LIFETIME_MS, ...body, ...(eventKey ? { del: toHex(eventKey) } : {}) }
}

/** Signs, pads and seals a letter; null when it does not fit the largest bucket. */
export function sealLetter (letter: Letter, signingSecret: Uint8Array, key: Uint8Array): string | null {
  const text = JSON.stringify(letter)
  const signature = sign(concatBytes(SIGN_LABEL, utf8(text)), signingSecret)
  const plain = utf8(JSON.stringify({ l: text, s: toHex(signature) }))
  const padded = pad(plain)
  return padded ? toBase64(secretSeal(padded, key)) : null
}

export type LetterRefusal = 'unsealed' | 'malformed' | 'forged' | 'not-for-me' | 'expired'

/** Opens a letter from `ownerHex` to `meHex`: the letter, or why not.
 *  `signingKey`: the key that speaks for the owner here (their address key,
 *  or after a rotation I follow, its Sₙ). */
export function openLetter (content: string, key: Uint8Array, ownerHex: string, meHex: string, now: number, signingKey: Uint8Array = fromHex(ownerHex)): Letter | LetterRefusal {
  if (content.length > MAX_LETTER_CONTENT_CHARS) return 'malformed'
  let sealed: Uint8Array
  try { sealed = fromBase64(content) } catch { return 'malformed' }
  const padded = secretOpen(sealed, key)
  if (!padded) return 'unsealed'
  const plain = unpad(padded)
  if (!plain) return 'malformed'
  let outer: unknown
  try { outer = JSON.parse(fromUtf8(plain)) } catch { return 'malformed' }
  if (!isRecord(outer) || typeof outer.l !== 'string' || typeof outer.s !== 'string' || !/^[0-9a-f]{128}$/.test(outer.s)) return 'malformed'
  // The signature first: nothing the owner did not sign is looked at further.
  if (!verify(concatBytes(SIGN_LABEL, utf8(outer.l)), fromHex(outer.s), signingKey)) return 'forged'
  let letter: unknown
  try { letter = JSON.parse(outer.l) } catch { return 'malformed' }
  if (!isLetterShape(letter)) return 'malformed'
  if (letter.from !== ownerHex || letter.to !== meHex) return 'not-for-me'
  if (letter.exp <= now || letter.exp > now + LETTER_LIFETIME_MS + CLOCK_SKEW_MS) return 'expired'
  return letter
}

function isLetterShape (v: unknown): v is Letter {
  if (!isRecord(v)) return false
  const keys = Object.keys(v)
  if (!keys.every((k) => ['v', 'id', 'from', 'to', 'exp', 'items', 'gone', 'ack', 'asOf', 'ask', 'del'].includes(k))) return false
  if (v.v !== 1 || typeof v.id !== 'string' || !ID.test(v.id)) return false
  if (typeof v.from !== 'string' || typeof v.to !== 'string' || !Number.isSafeInteger(v.exp)) return false
  if (v.items !== undefined && (!Array.isArray(v.items) || v.items.length > MAX_IDS_PER_LETTER)) return false
  if (v.gone !== undefined && !isIdList(v.gone)) return false
  if (v.del !== undefined && (typeof v.del !== 'string' || !/^[0-9a-f]{64}$/.test(v.del))) return false
  if (v.ack !== undefined && !isIdList(v.ack)) return false
  if ((v.ack === undefined) !== (v.asOf === undefined) || (v.asOf !== undefined && !Number.isSafeInteger(v.asOf))) return false
  if (v.ask !== undefined && !isAsk(v.ask)) return false
  return [v.items, v.gone, v.ack, v.ask].filter((x) => x !== undefined).length === 1
}

/** A cursor is opaque here (the answerer parses it as a live request's). */
const MAX_CURSOR_CHARS = 1024

function isAsk (v: unknown): v is { after: string | null } {
  return isRecord(v) && Object.keys(v).length === 1 && (v.after === null || (typeof v.after === 'string' && v.after.length <= MAX_CURSOR_CHARS))
}

function isIdList (v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_IDS_PER_LETTER && v.every((id) => typeof id === 'string' && ITEM_ID.test(id))
}

/** When the writer wrote this letter, by the writer's clock. */
export function writtenAt (letter: Letter): number {
  return letter.exp - LETTER_LIFETIME_MS
}

/** Length (4 bytes) then the bytes then zeros, to the smallest bucket that holds them. */
export function pad (plain: Uint8Array): Uint8Array | null {
  const size = SIZE_BUCKETS.find((b) => b >= plain.length + 4)
  if (size === undefined) return null
  const out = new Uint8Array(size)
  out.set(uint32BE(plain.length), 0)
  out.set(plain, 4)
  return out
}

export function unpad (padded: Uint8Array): Uint8Array | null {
  if (!(SIZE_BUCKETS as readonly number[]).includes(padded.length)) return null
  const length = new DataView(padded.buffer, padded.byteOffset, 4).getUint32(0)
  if (length > padded.length - 4) return null
  return padded.subarray(4, 4 + length)
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
