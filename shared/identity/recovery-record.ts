// The recovery record (DESIGN §6a, docs/security.md "Recovery key and
// rotation"): {identity key (the address), recovery key R's public half,
// when}, signed by the identity's signing key of the time, or, when the
// person replaces their words, by the R it replaces. Friends take the first
// one they see for an address and keep it; a different one later only if
// the R they keep signed it. So nothing the signing key signs can replace
// R: a thief with a full device (which holds the signing key) cannot move
// friends to a recovery key of its own once they hold the person's.
//
// On the wire and in storage the record is one fixed layout of bytes,
// parsed whole with strict bounds; the signature covers the same fields
// under a context string of their own, so it can never pass for a device
// certificate, a grant or a handshake proof.
import { bytesEqual, concatBytes, utf8 } from '../util/bytes'
import { isValidSigningPublicKey, keyPairMatches, sign, verify, type SigningKeyPair } from '../crypto/crypto'
import { KithError } from '../wire/errors'

const CONTEXT = utf8('kith/recovery-record/v1')
const VERSION = 1
const KEY_BYTES = 32
const SIGNATURE_BYTES = 64
/** version, identity key, recovery key, time (8 bytes), signature. */
export const RECOVERY_RECORD_BYTES = 1 + KEY_BYTES + KEY_BYTES + 8 + SIGNATURE_BYTES
/** Clocks disagree a little; a record from further in the future is refused. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000

export interface RecoveryRecord {
  /** The person: the key behind the address. */
  identityKey: Uint8Array
  /** The public half of R; its secret half is only ever derived from the words. */
  recoveryKey: Uint8Array
  at: number
  /** By the signing key of the time, or by the R this record replaces. */
  signature: Uint8Array
}

export class RecoveryRecordError extends KithError {
  constructor (message: string) {
    super('UNAUTHORIZED', message)
    this.name = 'RecoveryRecordError'
  }
}

/** Signs a recovery record. `signer` is the identity's signing key (a first
 *  record) or the R being replaced (new words). */
export function makeRecoveryRecord (signer: SigningKeyPair, identityKey: Uint8Array, recoveryKey: Uint8Array, at: number): RecoveryRecord {
  if (!keyPairMatches(signer)) throw new KithError('BAD_REQUEST', 'The key signing a recovery record is damaged.')
  if (!isValidSigningPublicKey(identityKey) || !isValidSigningPublicKey(recoveryKey)) throw new KithError('BAD_REQUEST', 'A key in the recovery record is not a valid key.')
  if (bytesEqual(recoveryKey, identityKey) || bytesEqual(recoveryKey, signer.publicKey)) throw new KithError('BAD_REQUEST', 'The recovery key must be a key of its own.')
  if (!Number.isSafeInteger(at) || at < 0) throw new KithError('BAD_REQUEST', 'The time of a recovery record must be a time in ms.')
  const fields = { identityKey: identityKey.slice(), recoveryKey: recoveryKey.slice(), at }
  return { ...fields, signature: sign(signedMessage(fields), signer.secretKey) }
}

export function encodeRecoveryRecord (record: RecoveryRecord): Uint8Array {
  return concatBytes(Uint8Array.of(VERSION), record.identityKey, record.recoveryKey, uint64BE(record.at), record.signature)
}

/** Bytes from anyone, read whole: exactly one record of this version, with
 *  real keys and a time in range. The signature is NOT checked here (that
 *  needs to know who may sign: see takeRecoveryRecord). */
export function parseRecoveryRecord (value: unknown): RecoveryRecord {
  const refuse = (why: string): never => { throw new RecoveryRecordError(`This recovery record is not valid: ${why}.`) }
  if (!(value instanceof Uint8Array)) return refuse('it is not a record')
  if (value.length !== RECOVERY_RECORD_BYTES) return refuse('it has the wrong size')
  if (value[0] !== VERSION) return refuse('it is of an unknown version')
  let offset = 1
  const take = (n: number): Uint8Array => value.slice(offset, offset += n)
  const identityKey = take(KEY_BYTES)
  const recoveryKey = take(KEY_BYTES)
  const at = Number(new DataView(value.buffer, value.byteOffset + offset, 8).getBigUint64(0))
  offset += 8
  const signature = take(SIGNATURE_BYTES)
  if (!Number.isSafeInteger(at)) return refuse('its time is out of range')
  if (!isValidSigningPublicKey(identityKey) || !isValidSigningPublicKey(recoveryKey)) return refuse('a key in it is not a valid key')
  if (bytesEqual(identityKey, recoveryKey)) return refuse('its recovery key is the identity key')
  return { identityKey, recoveryKey, at, signature }
}

/** Whether `key` signed this record. */
export function isRecoveryRecordSignedBy (record: RecoveryRecord, key: Uint8Array): boolean {
  return verify(signedMessage(record), record.signature, key)
}

export interface TakeRecoveryExpect {
  /** The person we mean (the address we know). */
  identityKey: Uint8Array
  /** Their signing key now: the identity key until a rotation. */
  signingKey: Uint8Array
  now: number
}

/** The record to keep for a person, given the one kept (null: none yet) and
 *  one offered by anyone: the first record signed by the person's signing
 *  key; after that, a record for a different R only if the kept R signed it,
 *  and only a later one. The kept record comes back unchanged when the
 *  offer names the same R. Throws a RecoveryRecordError otherwise. */
export function takeRecoveryRecord (kept: RecoveryRecord | null, offered: unknown, expect: TakeRecoveryExpect): RecoveryRecord {
  const record = parseRecoveryRecord(offered)
  const refuse = (why: string): never => { throw new RecoveryRecordError(`This recovery record was refused: ${why}.`) }
  if (!bytesEqual(record.identityKey, expect.identityKey)) refuse('it is for someone else')
  if (record.at > expect.now + MAX_FUTURE_SKEW_MS) refuse('it is dated in the future')
  if (kept === null) {
    // The signing key may not name itself: R must be a key it does not hold.
    if (bytesEqual(record.recoveryKey, expect.signingKey)) refuse('its recovery key is the signing key')
    if (!isRecoveryRecordSignedBy(record, expect.signingKey)) refuse('it was not signed by the person’s signing key')
    return record
  }
  if (bytesEqual(record.recoveryKey, kept.recoveryKey)) return kept
  if (!isRecoveryRecordSignedBy(record, kept.recoveryKey)) refuse('only the recovery key already known can replace itself')
  if (record.at <= kept.at) refuse('it is older than the one kept')
  return record
}

function signedMessage (r: Omit<RecoveryRecord, 'signature'>): Uint8Array {
  return concatBytes(CONTEXT, r.identityKey, r.recoveryKey, uint64BE(r.at))
}

function uint64BE (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}
