// Who made a meeting secret (DESIGN §6a). Two friends meet in swarms named
// by a secret only they hold; either replaces it when one of their devices
// is revoked, so the revoked device cannot meet the other any more. The
// secret syncs among each person's devices, and a server device (which
// never holds the identity key) must not be able to choose it for the
// others: a stolen Pi that moved its full devices to a secret of its own
// kept them from ever meeting the friend again, to tell them of its
// revocation. So whoever makes a secret signs it with their identity key:
// the person (on a full device) for the secrets they make, the friend for
// the ones they send. The signature covers both identities, the secret and
// when it was made, so an older secret sent again never passes for newer.
// After a rotation the maker's current signing key Sₙ signs it (the message
// still names the identity key, which never changes), and whoever follows
// that rotation checks it against Sₙ only: the old key, which a thief may
// hold, proves nothing any more, however the secret is dated.
import { concatBytes, utf8 } from '../util/bytes'
import { sign, verify, type SigningKeyPair } from '../crypto/crypto'

const CONTEXT = utf8('kith/grant/meeting-secret/v1')

/** The maker's signature over a meeting secret, and when they made it. */
export interface SecretProof {
  since: number
  signature: Uint8Array
}

const message = (maker: Uint8Array, other: Uint8Array, secret: Uint8Array, since: number): Uint8Array =>
  concatBytes(CONTEXT, maker, other, secret, utf8(String(since)))

/** Signs a meeting secret the person `maker` (their identity key) made for
 *  the friendship with `other`, with `signer`: their signing key now. */
export function proveMeetingSecret (maker: Uint8Array, signer: SigningKeyPair, other: Uint8Array, secret: Uint8Array, since: number): SecretProof {
  return { since, signature: sign(message(maker, other, secret, since), signer.secretKey) }
}

/** Whether `proof` is `maker`'s signature over `secret` for the friendship
 *  with `other`, made with `signingKey`: the signing key of `maker` this
 *  device follows (the identity key itself before any rotation). */
export function isMeetingSecretProven (maker: Uint8Array, other: Uint8Array, secret: unknown, proof: unknown, signingKey: Uint8Array = maker): boolean {
  if (!(secret instanceof Uint8Array) || secret.length !== 32 || typeof proof !== 'object' || proof === null) return false
  const { since, signature } = proof as Partial<SecretProof>
  return Number.isSafeInteger(since) && (since as number) >= 0 && signature instanceof Uint8Array && signature.length === 64 &&
    verify(message(maker, other, secret, since as number), signature, signingKey)
}
