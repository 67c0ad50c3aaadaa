// A friend's meeting secrets in a friends row from another of my devices:
// the one we meet with (pairSecret) and the one replacing it after a
// revocation (nextPairSecret), each with when it was made and its maker's
// signature. They decide where my devices can reach the friend, and so
// whether the friend ever hears of a revocation: a stolen server device
// that moved a full device to a secret of its own (or back to an older
// one) kept it away from the friend for good, and its own revocation with
// it. So, field by field rather than with the row:
//
// - a secret is taken only signed by its maker (my identity, or for the one
//   we meet with, the friend's), and no newer than signed;
// - of two, the newer is kept (meeting-secret.ts), so an old secret sent
//   again never replaces a later one, and a pending one is dropped only
//   once a newer one is met with;
// - a server device saying the friend moved to a secret of mine (it told
//   them) is believed only as far as it can be checked: the secret is mine,
//   so it is taken as one still to tell the friend, and the old swarm is
//   listened in too until this device told them itself.
import { bytesEqual, fromHex } from '../../shared/util/bytes'
import type { DeviceRole } from '../../shared/identity/device-certificate'
import { isMeetingSecretProven, type SecretProof } from '../../shared/identity/meeting-secret-grants'
import { isNewer, type DatedSecret } from '../storage/meeting-secret'

type Row = Record<string, unknown>

const FIELDS = {
  pair: ['pairSecret', 'pairSecretSince', 'pairSecretProof'],
  next: ['nextPairSecret', 'nextPairSecretSince', 'nextPairSecretProof']
} as const
type Slot = keyof typeof FIELDS

function held (row: Row, slot: Slot): DatedSecret | undefined {
  const [secret, since, proof] = FIELDS[slot]
  if (!(row[secret] instanceof Uint8Array)) return undefined
  const out: DatedSecret = { secret: row[secret] as Uint8Array, since: (row[since] as number | undefined) ?? 0 }
  if (row[proof] !== undefined) out.proof = row[proof] as SecretProof
  return out
}

/** `row` with these secrets in its slots (none where undefined). */
function withSecrets (row: Row, pair: DatedSecret | undefined, next: DatedSecret | undefined): Row {
  const out = { ...row }
  for (const [slot, value] of [['pair', pair], ['next', next]] as const) {
    const [secret, since, proof] = FIELDS[slot]
    delete out[secret]
    delete out[since]
    delete out[proof]
    if (!value) continue
    out[secret] = value.secret
    out[since] = value.since
    if (value.proof) out[proof] = value.proof
  }
  return out
}

/** Of two secrets, the newer; of the same one twice, a signed copy, else ours (`a`). */
function newer (a: DatedSecret | undefined, b: DatedSecret | undefined): DatedSecret | undefined {
  if (!a || !b) return a ?? b
  if (bytesEqual(a.secret, b.secret)) return a.proof || !b.proof ? a : b
  return isNewer(b, a) ? b : a
}

/** A friends row from another of my devices (`from` its role), with only
 *  the secrets it may bring (see above). Each proof is checked against its
 *  maker's signing key as this device follows it (`mySigningKey`,
 *  `theirSigningKey`: Sₙ after their rotation n, else the identity key):
 *  after a rotation one an older key made is not taken, however dated. */
export function provenSecrets (row: Row, me: Uint8Array, from: DeviceRole, mySigningKey: Uint8Array = me, theirSigningKey?: Uint8Array): Row {
  const friend = fromHex(row.key as string)
  const signedBy = (dated: DatedSecret | undefined, maker: Uint8Array, other: Uint8Array, signingKey: Uint8Array): boolean =>
    dated !== undefined && dated.proof !== undefined && dated.since <= dated.proof.since && isMeetingSecretProven(maker, other, dated.secret, dated.proof, signingKey)
  let pair = held(row, 'pair')
  let next = held(row, 'next')
  if (!signedBy(next, me, friend, mySigningKey)) next = undefined
  const mine = signedBy(pair, me, friend, mySigningKey)
  if (!mine && !signedBy(pair, friend, me, theirSigningKey ?? friend)) pair = undefined
  // The one computed from our keys (made at 0) is where every friendship
  // starts, not news of a move.
  if (mine && from !== 'full' && pair!.since > 0) {
    next = newer(next, pair)
    pair = undefined
  }
  return withSecrets(row, pair, next)
}

/** The friends row to keep: `winner`'s, with the secrets of both sides
 *  merged (see above). */
export function mergeSecrets (winner: Row, ours: Row, theirs: Row): Row {
  const pair = newer(held(ours, 'pair'), held(theirs, 'pair'))
  let next = newer(held(ours, 'next'), held(theirs, 'next'))
  if (next && pair && !isNewer(next, pair)) next = undefined
  return withSecrets(winner, pair, next)
}
