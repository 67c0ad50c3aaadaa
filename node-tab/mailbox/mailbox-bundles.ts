// Bundles and wraps: what lets a post to many friends cost a bounded number
// of relay events (DESIGN §6c, docs/networks.md "Cost"). The items of a
// change are sealed once, under a random key K, into one bundle; each friend
// who may see them gets a small wrap: K and which bundle (its event id, the
// hash of its content and its tag), sealed under a key only that pair can
// compute. Checks, in the order a reader makes them:
//   - a wrap opens only with the pair's wrap key (owner → friend);
//   - it is signed by the owner's identity key over the owner's and the
//     recipient's keys and everything in it: a friend outside the audience,
//     or a revoked device still holding a meeting secret, who got K cannot
//     make a wrap another friend accepts, and a wrap for one friend
//     re-sealed for another is refused;
//   - its expiry is inside the seal and signed;
//   - the bundle must be the event the wrap names, with the content hash the
//     wrap names (a relay cannot swap it, nor re-wrap it under a key of its
//     own);
//   - the bundle opens with K, carries the owner's identity-key signature
//     inside the seal, names the owner and has not expired.
// Then the items pass exactly the checks a live answer's do (the friend
// cache takes them as a letter's: client/cache/mailbox-intake.ts).
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes, secretOpen, secretSeal, sign, verify } from '../../shared/crypto/crypto'
import { bytesEqual, concatBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, uint32BE, utf8 } from '../../shared/util/bytes'
import { LETTER_LIFETIME_MS, MAX_IDS_PER_LETTER, MAX_LETTER_CONTENT_CHARS, pad, unpad, type LetterRefusal } from './mailbox-letters'
import { checkFileRefs, type FileRef } from './mailbox-files'

/** Wraps in one relay event (each under its friend's tag): a post to 250
 *  friends is 5 wrap events; 50 wraps and their tags are about 21 KB, well
 *  under the 64 KiB public relays take. */
export const MAX_WRAPS_PER_EVENT = 50

const WRAP_KEY_LABEL = utf8('kith mailbox wrap key v1\0')
const WRAP_ID_LABEL = utf8('kith mailbox wrap id v1\0')
const WRAP_SIGN_LABEL = utf8('kith mailbox wrap v1\0')
const BUNDLE_SIGN_LABEL = utf8('kith mailbox bundle v1\0')
const FILES_SIGN_LABEL = utf8('kith mailbox bundle files v1\0')
const WRAP_VERSION = 1
/** Clocks a little ahead are tolerated, not wraps dated far ahead. */
const CLOCK_SKEW_MS = 10 * 60 * 1000

/** A wrap in bytes: version (1), id (16), exp ms (8, big-endian), K (32),
 *  the bundle's event id (32), its content's SHA-256 (32), its tag (32),
 *  then the owner's signature (64). Fixed size: every wrap looks alike. */
const SIGNED_BYTES = 1 + 16 + 8 + 32 + 32 + 32 + 32
const WRAP_BYTES = SIGNED_BYTES + 64
/** Sealed: a 24-byte nonce and a 16-byte tag around it. */
export const SEALED_WRAP_BYTES = WRAP_BYTES + 40
export const MAX_WRAP_CONTENT_CHARS = Math.ceil(SEALED_WRAP_BYTES * MAX_WRAPS_PER_EVENT / 3) * 4

export interface Wrap {
  /** The same for a bundle and a friend however often it is wrapped again:
   *  the reader takes it once. */
  id: string
  exp: number
  /** The bundle's key. */
  k: Uint8Array
  /** The bundle's event id, content hash and tag, hex. */
  event: string
  hash: string
  tag: string
}

export type WrapRefusal = LetterRefusal | 'bundle-mismatch' | 'bundle-missing'

/** The key a pair's wraps from `fromKey` to `toKey` are sealed under (not
 *  the letters' key: a wrap can never be read as a letter, nor one as the other). */
export function wrapKey (secret: Uint8Array, fromKey: string, toKey: string): Uint8Array {
  return sha256(concatBytes(WRAP_KEY_LABEL, secret, fromHex(fromKey), fromHex(toKey)))
}

/** A sealed bundle ready for its event: its key, content (base64) and that content's hash. */
export interface SealedBundle { k: Uint8Array, content: string, hash: string, tag: string, exp: number }

/** Seals these items (SharedItems as a live answer lists them) once, signed
 *  by the owner, with the files whose chunks carry some of their bytes
 *  (mailbox-files.ts); null when they do not fit the largest bucket. The
 *  files go beside the signed items (`f`, signed with them as `fs`): a
 *  reader from before files takes the items and ignores them. */
export function sealBundle (owner: string, items: unknown[], signingSecret: Uint8Array, now: number, files: readonly FileRef[] = []): SealedBundle | null {
  if (items.length === 0 || items.length > MAX_IDS_PER_LETTER) return null
  const exp = now + LETTER_LIFETIME_MS
  const text = JSON.stringify({ v: 1, from: owner, exp, items })
  const signature = sign(concatBytes(BUNDLE_SIGN_LABEL, utf8(text)), signingSecret)
  const outer: Record<string, string> = { b: text, s: toHex(signature) }
  if (files.length > 0) {
    outer.f = JSON.stringify(files)
    outer.fs = toHex(sign(filesSigned(text, outer.f), signingSecret))
  }
  const padded = pad(utf8(JSON.stringify(outer)))
  if (!padded) return null
  const k = randomBytes(32)
  const content = toBase64(secretSeal(padded, k))
  return { k, content, hash: contentHash(content), tag: toHex(randomBytes(32)), exp }
}

export function contentHash (content: string): string {
  return toHex(sha256(utf8(content)))
}

/** The wrap for `friend`, signed by the owner over both keys, sealed under the pair's wrap key. */
export function sealWrap (owner: string, friend: string, bundle: Pick<SealedBundle, 'k' | 'hash' | 'tag' | 'exp'> & { event: string }, signingSecret: Uint8Array, key: Uint8Array): Uint8Array {
  const id = sha256(concatBytes(WRAP_ID_LABEL, bundle.k, fromHex(friend))).subarray(0, 16)
  const exp = new Uint8Array(8)
  new DataView(exp.buffer).setBigUint64(0, BigInt(bundle.exp))
  const signed = concatBytes(Uint8Array.of(WRAP_VERSION), id, exp, bundle.k, fromHex(bundle.event), fromHex(bundle.hash), fromHex(bundle.tag))
  const signature = sign(concatBytes(WRAP_SIGN_LABEL, fromHex(owner), fromHex(friend), signed), signingSecret)
  return secretSeal(concatBytes(signed, signature), key)
}

/** Opens a wrap from `ownerHex` to `meHex`: the wrap, or why not.
 *  `signingKey` as for a letter (openLetter). */
export function openWrap (sealed: Uint8Array, key: Uint8Array, ownerHex: string, meHex: string, now: number, signingKey: Uint8Array = fromHex(ownerHex)): Wrap | WrapRefusal {
  if (sealed.length !== SEALED_WRAP_BYTES) return 'malformed'
  const plain = secretOpen(sealed, key)
  if (!plain) return 'unsealed'
  if (plain.length !== WRAP_BYTES || plain[0] !== WRAP_VERSION) return 'malformed'
  const signed = plain.subarray(0, SIGNED_BYTES)
  // Over my key: a wrap the owner made for someone else does not verify here.
  if (!verify(concatBytes(WRAP_SIGN_LABEL, fromHex(ownerHex), fromHex(meHex), signed), plain.subarray(SIGNED_BYTES), signingKey)) return 'forged'
  const exp = Number(new DataView(signed.buffer, signed.byteOffset + 17, 8).getBigUint64(0))
  if (!isLive(exp, now)) return 'expired'
  return {
    id: toHex(signed.subarray(1, 17)),
    exp,
    k: signed.slice(25, 57),
    event: toHex(signed.subarray(57, 89)),
    hash: toHex(signed.subarray(89, 121)),
    tag: toHex(signed.subarray(121, 153))
  }
}

/** The files' signature covers the items too: files cannot move to another bundle. */
function filesSigned (text: string, files: string): Uint8Array {
  return concatBytes(FILES_SIGN_LABEL, uint32BE(utf8(text).length), utf8(text), utf8(files))
}

/** An opened bundle: its items, and the files it names (null: it named
 *  files, but not as it must, so none are fetched; its items still count). */
export interface OpenedBundle { items: unknown[], exp: number, files: FileRef[] | null }

/** Opens the bundle a wrap names: its items, or why not. `content` is the
 *  content of the event whose id the wrap names. */
export function openBundle (content: string, wrap: Wrap, ownerHex: string, now: number, signingKey: Uint8Array = fromHex(ownerHex)): OpenedBundle | WrapRefusal {
  if (content.length > MAX_LETTER_CONTENT_CHARS) return 'malformed'
  if (!bytesEqual(fromHex(contentHash(content)), fromHex(wrap.hash))) return 'bundle-mismatch'
  let sealed: Uint8Array
  try { sealed = fromBase64(content) } catch { return 'malformed' }
  const padded = secretOpen(sealed, wrap.k)
  if (!padded) return 'unsealed'
  const plain = unpad(padded)
  if (!plain) return 'malformed'
  let outer: unknown
  try { outer = JSON.parse(fromUtf8(plain)) } catch { return 'malformed' }
  if (!isRecord(outer) || typeof outer.b !== 'string' || typeof outer.s !== 'string' || !/^[0-9a-f]{128}$/.test(outer.s)) return 'malformed'
  // The owner's signature first: K alone (any friend in the audience holds it) makes no bundle.
  if (!verify(concatBytes(BUNDLE_SIGN_LABEL, utf8(outer.b)), fromHex(outer.s), signingKey)) return 'forged'
  let bundle: unknown
  try { bundle = JSON.parse(outer.b) } catch { return 'malformed' }
  if (!isRecord(bundle) || Object.keys(bundle).some((k) => !['v', 'from', 'exp', 'items'].includes(k))) return 'malformed'
  if (bundle.v !== 1 || !Number.isSafeInteger(bundle.exp) || !Array.isArray(bundle.items) || bundle.items.length > MAX_IDS_PER_LETTER) return 'malformed'
  if (bundle.from !== ownerHex) return 'not-for-me'
  if (!isLive(bundle.exp as number, now)) return 'expired'
  return { items: bundle.items, exp: bundle.exp as number, files: bundleFiles(outer, bundle.items, signingKey) }
}

function bundleFiles (outer: Record<string, unknown>, items: unknown[], signingKey: Uint8Array): FileRef[] | null {
  if (outer.f === undefined && outer.fs === undefined) return []
  if (typeof outer.f !== 'string' || typeof outer.fs !== 'string' || !/^[0-9a-f]{128}$/.test(outer.fs) || typeof outer.b !== 'string') return null
  // The owner's signature before the references are parsed.
  if (!verify(filesSigned(outer.b, outer.f), fromHex(outer.fs), signingKey)) return null
  let refs: unknown
  try { refs = JSON.parse(outer.f) } catch { return null }
  return checkFileRefs(refs, items)
}

/** The sealed wraps of one wrap event, in the order of its `t` tags; null when it is not that. */
export function splitWraps (content: string, count: number): Uint8Array[] | null {
  if (count < 1 || count > MAX_WRAPS_PER_EVENT || content.length > MAX_WRAP_CONTENT_CHARS) return null
  let bytes: Uint8Array
  try { bytes = fromBase64(content) } catch { return null }
  if (bytes.length !== count * SEALED_WRAP_BYTES) return null
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * SEALED_WRAP_BYTES, (i + 1) * SEALED_WRAP_BYTES))
}

export function joinWraps (wraps: readonly Uint8Array[]): string {
  return toBase64(concatBytes(...wraps))
}

function isLive (exp: number, now: number): boolean {
  return exp > now && exp <= now + LETTER_LIFETIME_MS + CLOCK_SKEW_MS
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
