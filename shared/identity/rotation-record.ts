// Rotation (docs/security.md, "Recovery key and rotation"): with the
// recovery key R, the person replaces the identity's signing key. Rotation
// record n says: from now on the signing key of this address is Sₙ; these
// devices are kept (their certificates, re-signed by Sₙ, are in the record)
// and these are revoked. It is signed by R and chained to record n−1 by
// its hash, so a friend follows the records in order from what it holds,
// never goes back, and from then on checks certificates and revocations
// against Sₙ only: nothing an earlier signing key signed counts any more
// (a thief's devices, the thief revoking the owner's phone first), and
// nothing any signing key signs can replace R (recovery-record.ts).
//
// Pure: making, checking and following records. They travel in the
// handshake's hello (session/handshake.ts); the mailbox is not built yet.
import { bytesEqual, concatBytes, toHex, utf8 } from '../util/bytes'
import { isValidSigningPublicKey, keyPairMatches, sha512, sign, verify, type SigningKeyPair } from '../crypto/crypto'
import { KithError } from '../wire/errors'
import { checkDeviceCertificate, checkDeviceRevocation, issueDeviceCertificateFor, type DeviceCertificate, type DeviceRole } from './device-certificate'

const CONTEXT = utf8('kith/rotation-record/v1')
const HASH_BYTES = 32
/** What record 1 chains to: there is no record 0. */
export const NO_ROTATION = new Uint8Array(HASH_BYTES)
/** A person has a handful of devices; these bounds keep a record small. */
export const MAX_KEPT_DEVICES = 32
export const MAX_REVOKED_DEVICES = 64
/** Rotations are rare (a stolen device); a longer chain is refused whole. */
export const MAX_ROTATIONS = 64
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000

export interface RotationRecord {
  identityKey: Uint8Array
  /** 1 for the first rotation, then one more each time. */
  n: number
  /** Sₙ: the identity's signing key from this record on. */
  signingKey: Uint8Array
  /** The hash of record n−1 (NO_ROTATION for n = 1). */
  previous: Uint8Array
  /** The devices kept, each certified anew by Sₙ. */
  kept: DeviceCertificate[]
  /** Device keys revoked by this rotation. */
  revoked: Uint8Array[]
  at: number
  /** By the recovery key R. */
  signature: Uint8Array
}

/** What a friend holds of a person's keys: the recovery key they kept and
 *  the last rotation they followed (n = 0: none; the signing key is then
 *  the identity key itself). */
export interface FollowedKeys {
  identityKey: Uint8Array
  recoveryKey: Uint8Array
  n: number
  signingKey: Uint8Array
  /** The hash of record n (NO_ROTATION before any). */
  head: Uint8Array
}

/** What a device keeps of a person's rotations: the keys followed and the
 *  records that led there, oldest first. */
export interface HeldRotations {
  keys: FollowedKeys
  records: RotationRecord[]
}

/** How many of the latest rotation records a hello carries: a friend
 *  further behind than this cannot follow from a hello (see docs). */
export const HELLO_ROTATIONS = 4

export class RotationError extends KithError {
  constructor (message: string) {
    super('UNAUTHORIZED', message)
    this.name = 'RotationError'
  }
}

export function notRotated (identityKey: Uint8Array, recoveryKey: Uint8Array): FollowedKeys {
  return { identityKey, recoveryKey, n: 0, signingKey: identityKey, head: NO_ROTATION }
}

/** Signs rotation record `after.n + 1` with R: a new signing key, the
 *  devices to keep (certified anew by it) and those to revoke. */
export function makeRotationRecord (recovery: SigningKeyPair, after: Pick<FollowedKeys, 'identityKey' | 'n' | 'head'>, next: SigningKeyPair,
  keep: ReadonlyArray<{ publicKey: Uint8Array, name: string, role: DeviceRole }>, revoked: readonly Uint8Array[], at: number): RotationRecord {
  if (!keyPairMatches(recovery) || !keyPairMatches(next)) throw new KithError('BAD_REQUEST', 'A key for the rotation is damaged.')
  if (bytesEqual(next.publicKey, recovery.publicKey)) throw new KithError('BAD_REQUEST', 'The new signing key must not be the recovery key.')
  if (keep.length > MAX_KEPT_DEVICES || revoked.length > MAX_REVOKED_DEVICES) throw new KithError('BAD_REQUEST', 'Too many devices for one rotation.')
  if (!Number.isSafeInteger(at) || at < 0) throw new KithError('BAD_REQUEST', 'The time of a rotation must be a time in ms.')
  const kept = keep.map((d) => issueDeviceCertificateFor(after.identityKey, next, d, at))
  const fields = { identityKey: after.identityKey.slice(), n: after.n + 1, signingKey: next.publicKey.slice(), previous: after.head.slice(), kept, revoked: revoked.map((k) => k.slice()), at }
  return { ...fields, signature: sign(signedMessage(fields), recovery.secretKey) }
}

/** The hash that record n+1 names as its previous one. */
export function rotationHash (record: RotationRecord): Uint8Array {
  return sha512(concatBytes(signedMessage(record), record.signature)).slice(0, HASH_BYTES)
}

/** A rotation record from anyone, checked whole: its shape and bounds, that
 *  it is for `identityKey`, that R signed it, and that each kept device's
 *  certificate is signed by the record's own new key. Returns a clean copy. */
export function checkRotationRecord (value: unknown, expect: { identityKey: Uint8Array, recoveryKey: Uint8Array, now: number }): RotationRecord {
  const refuse = (why: string): never => { throw new RotationError(`This rotation was refused: ${why}.`) }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('it is not a rotation record')
  const v = value as Record<string, unknown>
  const FIELDS = ['identityKey', 'n', 'signingKey', 'previous', 'kept', 'revoked', 'at', 'signature']
  if (Object.keys(v).some((k) => !FIELDS.includes(k))) refuse('it has unknown fields')
  const { identityKey, n, signingKey, previous, kept, revoked, at, signature } = v
  if (!isBytes(identityKey, 32) || !isBytes(signingKey, 32) || !isBytes(previous, HASH_BYTES) || !isBytes(signature, 64)) return refuse('it is malformed')
  if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > MAX_ROTATIONS || !Number.isSafeInteger(at) || (at as number) < 0) return refuse('it is malformed')
  if (!Array.isArray(kept) || kept.length > MAX_KEPT_DEVICES || !Array.isArray(revoked) || revoked.length > MAX_REVOKED_DEVICES) return refuse('it names too many devices')
  if (!revoked.every((k) => isBytes(k, 32) && isValidSigningPublicKey(k))) return refuse('a revoked device key is not a key')
  if (!isValidSigningPublicKey(identityKey) || !isValidSigningPublicKey(signingKey)) return refuse('a key in it is not a valid key')
  if (!bytesEqual(identityKey, expect.identityKey)) refuse('it is for someone else')
  if (bytesEqual(signingKey, expect.recoveryKey)) refuse('its new signing key is the recovery key')
  if ((at as number) > expect.now + MAX_FUTURE_SKEW_MS) refuse('it is dated in the future')
  let certificates: DeviceCertificate[]
  try {
    certificates = kept.map((c) => checkDeviceCertificate(c, { identityKey, signingKey, now: expect.now + MAX_FUTURE_SKEW_MS }))
  } catch {
    return refuse('a kept device is not certified by the new signing key')
  }
  const fields = { identityKey, n: n as number, signingKey, previous, kept: certificates, revoked: revoked as Uint8Array[], at: at as number }
  if (!verify(signedMessage(fields), signature, expect.recoveryKey)) refuse('it was not signed by the recovery key')
  return { ...fields, identityKey: identityKey.slice(), signingKey: signingKey.slice(), previous: previous.slice(), revoked: fields.revoked.map((k) => k.slice()), signature: signature.slice() }
}

/** Follows the rotation records offered (a device presents its whole chain,
 *  oldest first) from what is held: each record newer than `held` must be
 *  the next one (n + 1, naming the hash of the one before) and signed by R.
 *  Records at or below `held.n` are passed over, so the same chain shown
 *  again changes nothing, and an older chain can never take a friend back.
 *  A record that breaks the rules refuses the whole offer. */
export function followRotations (held: FollowedKeys, offered: unknown, now: number): { keys: FollowedKeys, records: RotationRecord[] } {
  if (!Array.isArray(offered) || offered.length > MAX_ROTATIONS) throw new RotationError('This rotation was refused: it is not a chain of rotation records.')
  let keys = held
  const followed: RotationRecord[] = []
  for (const raw of offered) {
    const record = checkRotationRecord(raw, { identityKey: held.identityKey, recoveryKey: held.recoveryKey, now })
    if (record.n <= keys.n) {
      // Known already (or older): it must be the same one, never a fork.
      if (record.n === keys.n && !bytesEqual(rotationHash(record), keys.head)) throw new RotationError('This rotation was refused: it contradicts the one followed.')
      continue
    }
    if (record.n !== keys.n + 1 || !bytesEqual(record.previous, keys.head)) throw new RotationError('This rotation was refused: it does not follow the last one known.')
    keys = { ...keys, n: record.n, signingKey: record.signingKey, head: rotationHash(record) }
    followed.push(record)
  }
  return { keys, records: followed }
}

/** A device certificate checked against the signing key a friend follows:
 *  after a rotation, one signed by an earlier key does not count. */
export function checkCertificateUnder (keys: FollowedKeys, certificate: unknown, now: number, isRevoked?: (deviceKey: Uint8Array) => boolean): DeviceCertificate {
  return checkDeviceCertificate(certificate, { identityKey: keys.identityKey, signingKey: keys.signingKey, now, isRevoked })
}

/** Which of the revocations held still count: only those the signing key
 *  followed now signed, and the rotations' own (keyed by device, hex). */
export function revokedUnder (keys: FollowedKeys, revocations: readonly unknown[], rotations: readonly RotationRecord[]): Set<string> {
  const out = new Set<string>()
  for (const record of rotations) for (const key of record.revoked) out.add(toHex(key))
  // A device the latest rotation kept was certified anew after every
  // earlier rotation's revocations (unless that rotation revokes it too).
  const latest = rotations.find((r) => r.n === keys.n)
  for (const c of latest?.kept ?? []) if (!latest!.revoked.some((k) => bytesEqual(k, c.deviceKey))) out.delete(toHex(c.deviceKey))
  for (const r of revocations) {
    try {
      out.add(toHex(checkDeviceRevocation(r, keys.identityKey, keys.signingKey).deviceKey))
    } catch { /* signed by an earlier key, or not at all: it does not count */ }
  }
  return out
}

function signedMessage (r: Omit<RotationRecord, 'signature'>): Uint8Array {
  const kept = r.kept.flatMap((c) => [c.deviceKey, c.signature])
  return concatBytes(CONTEXT, r.identityKey, uint64BE(r.n), r.signingKey, r.previous, uint64BE(r.at),
    uint64BE(r.kept.length), ...kept, uint64BE(r.revoked.length), ...r.revoked)
}

function isBytes (v: unknown, length: number): v is Uint8Array {
  return v instanceof Uint8Array && v.length === length
}

function uint64BE (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}
