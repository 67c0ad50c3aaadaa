// Linking a device the way Signal does (DESIGN §6a): the new device shows a
// link code (text and QR) that carries its device key, a one-time secret and
// an expiry; a full device reads it, meets the new device in a swarm only
// the secret names, and both show a short verification code made from the
// secret and both keys, which the owner compares before approving. A code
// is single-use (the new device forgets its secret once linked, the approver
// remembers spent ones until they expire) and short-lived.
import bs58 from 'bs58'
import { bytesEqual, concatBytes, uint32BE, utf8 } from '../util/bytes'
import { isValidSigningPublicKey, randomBytes, sha512 } from '../crypto/crypto'
import { KithError } from '../wire/errors'

export const LINK_CODE_LIFETIME_MS = 10 * 60 * 1000
const PREFIX = 'kith-link-'
const VERSION = 1
const SECRET_BYTES = 16
const CHECKSUM_BYTES = 4
const BODY_BYTES = 1 + 32 + SECRET_BYTES + 4
const VERIFY_CONTEXT = utf8('kith/link-verification/v1')
const CHECKSUM_CONTEXT = utf8('kith/link-code/v1')

export interface LinkCode {
  /** The new device's own key: what the certificate will name. */
  deviceKey: Uint8Array
  /** Known only to the two screens: names the meeting swarm, keys its offers. */
  secret: Uint8Array
  /** Whole seconds since the epoch, as carried in the code. */
  expiresAt: number
}

export class LinkCodeError extends KithError {
  constructor (message: string) {
    super('BAD_REQUEST', message)
    this.name = 'LinkCodeError'
  }
}

/** A fresh code for this device, valid for LINK_CODE_LIFETIME_MS. */
export function createLinkCode (deviceKey: Uint8Array, nowMs: number): { code: LinkCode, text: string } {
  if (!isValidSigningPublicKey(deviceKey)) throw new KithError('BAD_REQUEST', 'The device key is not a valid key.')
  const code: LinkCode = { deviceKey: deviceKey.slice(), secret: randomBytes(SECRET_BYTES), expiresAt: Math.floor((nowMs + LINK_CODE_LIFETIME_MS) / 1000) }
  return { code, text: formatLinkCode(code) }
}

export function formatLinkCode (code: LinkCode): string {
  const body = concatBytes(Uint8Array.of(VERSION), code.deviceKey, code.secret, uint32BE(code.expiresAt))
  return PREFIX + bs58.encode(concatBytes(body, checksum(body)))
}

/** Reads a code typed, pasted or scanned on the approving device; throws a
 *  LinkCodeError with a sentence for a typo, a foreign string or an
 *  expired code. (A code already used is refused by whoever remembers it.) */
export function parseLinkCode (input: string, nowMs: number): LinkCode {
  const text = input.trim().replace(/\s+/g, '')
  if (!text.startsWith(PREFIX)) throw new LinkCodeError('This is not a Kith link code: it starts with “kith-link-”. Copy it again from the new device.')
  let bytes: Uint8Array
  try {
    bytes = bs58.decode(text.slice(PREFIX.length))
  } catch {
    throw new LinkCodeError('The link code has a typo: it contains a character that never appears in a code.')
  }
  if (bytes.length !== BODY_BYTES + CHECKSUM_BYTES) throw new LinkCodeError('The link code is incomplete or too long: copy it again from the new device.')
  const body = bytes.subarray(0, BODY_BYTES)
  if (!bytesEqual(checksum(body), bytes.subarray(BODY_BYTES))) throw new LinkCodeError('The link code has a typo: its check digits do not match.')
  if (body[0] !== VERSION) throw new LinkCodeError('This link code comes from another version of Kith: update both devices.')
  const deviceKey = body.slice(1, 33)
  if (!isValidSigningPublicKey(deviceKey)) throw new LinkCodeError('This link code does not hold a valid device key.')
  const expiresAt = new DataView(body.buffer, body.byteOffset + 1 + 32 + SECRET_BYTES, 4).getUint32(0)
  if (expiresAt * 1000 <= nowMs) throw new LinkCodeError('This link code has expired: show a new one on the device you are linking.')
  if (expiresAt * 1000 > nowMs + LINK_CODE_LIFETIME_MS + 5 * 60 * 1000) throw new LinkCodeError('This link code is dated too far ahead: check the clocks of both devices.')
  return { deviceKey, secret: body.slice(33, 33 + SECRET_BYTES), expiresAt }
}

/** What both screens show before the owner approves: the same only if both
 *  hold the same secret and the same two keys (nobody swapped the code or
 *  sits in between). Six digits, read at a glance. */
export function verificationCode (code: Pick<LinkCode, 'secret' | 'deviceKey'>, identityKey: Uint8Array): string {
  const digest = sha512(concatBytes(VERIFY_CONTEXT, code.secret, code.deviceKey, identityKey))
  const n = ((digest[0]! << 16) | (digest[1]! << 8) | digest[2]!) % 1_000_000
  const digits = n.toString().padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}

/** The approving side's memory of spent codes, until they would have expired
 *  anyway: a code works once, also after the approving device reloads
 *  (`save` keeps the list, `saved` is what was kept). */
export class SpentLinkCodes {
  private readonly spent = new Map<string, number>()

  constructor (saved: Array<[string, number]> = [], private readonly save: (spent: Array<[string, number]>) => Promise<void> = async () => {}) {
    for (const [id, expiresAt] of saved.slice(-MAX_SPENT)) if (typeof id === 'string' && Number.isSafeInteger(expiresAt)) this.spent.set(id, expiresAt)
  }

  /** Marks the code used (and kept so); refuses, in plain words, one that already was. */
  async spend (code: LinkCode, nowMs: number): Promise<void> {
    for (const [id, expiresAt] of this.spent) if (expiresAt * 1000 <= nowMs) this.spent.delete(id)
    const id = bs58.encode(code.secret)
    if (this.spent.has(id)) throw new LinkCodeError('This link code was already used: show a new one on the device you are linking.')
    this.spent.set(id, code.expiresAt)
    while (this.spent.size > MAX_SPENT) this.spent.delete(this.spent.keys().next().value!)
    await this.save([...this.spent])
  }

  get size (): number { return this.spent.size }
}

/** Codes kept as spent: far more than anyone opens in ten minutes. */
const MAX_SPENT = 200

function checksum (body: Uint8Array): Uint8Array {
  return sha512(concatBytes(CHECKSUM_CONTEXT, body)).subarray(0, CHECKSUM_BYTES)
}
