// Rotation (shared/identity/rotation-record.ts) as a friend follows it: each
// record signed by the recovery key R, chained to the one before; after it,
// only the new signing key's certificates and revocations count. Each
// attack is what a thief holding the old signing key (a stolen laptop)
// would try, or a replay of what it saw.
import { describe, expect, it } from 'vitest'
import { generateSigningKeyPair, type SigningKeyPair } from '../../shared/crypto/crypto'
import { toHex } from '../../shared/util/bytes'
import { issueDeviceCertificate, issueDeviceCertificateFor, revokeDevice, revokeDeviceFor } from '../../shared/identity/device-certificate'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { encodeRecoveryRecord, makeRecoveryRecord, takeRecoveryRecord } from '../../shared/identity/recovery-record'
import {
  checkCertificateUnder, followRotations, makeRotationRecord, MAX_KEPT_DEVICES, MAX_ROTATIONS, notRotated, revokedUnder, rotationHash,
  type FollowedKeys, type RotationRecord
} from '../../shared/identity/rotation-record'

const now = Date.now()

/** Alice: her address key (S₀), her recovery key, a phone, a laptop (the
 *  one stolen) and Bob's view of her before any rotation. */
function alice () {
  const a = generateSigningKeyPair()
  const r = recoveryKeyFromWords(makeRecoveryWords())
  const phone = generateSigningKeyPair()
  const laptop = generateSigningKeyPair()
  const bob = notRotated(a.publicKey, r.publicKey)
  const keep = [{ publicKey: phone.publicKey, name: 'Phone', role: 'full' as const }]
  return { a, r, phone, laptop, bob, keep }
}

function rotate (r: SigningKeyPair, after: FollowedKeys, keep: Parameters<typeof makeRotationRecord>[3], revoked: Uint8Array[] = [], at = now): { record: RotationRecord, next: SigningKeyPair } {
  const next = generateSigningKeyPair()
  return { record: makeRotationRecord(r, after, next, keep, revoked, at), next }
}

describe('a friend follows a rotation', () => {
  it('signed by R: from then on only the new signing key’s certificates count', () => {
    const { a, r, phone, laptop, bob, keep } = alice()
    const laptopCert = issueDeviceCertificate(a, { publicKey: laptop.publicKey, name: 'Laptop', role: 'full' }, now)
    expect(checkCertificateUnder(bob, laptopCert, now).name).toBe('Laptop')
    const { record, next } = rotate(r, bob, keep, [laptop.publicKey])
    const { keys } = followRotations(bob, [record], now)
    expect(keys.n).toBe(1)
    expect(toHex(keys.signingKey)).toBe(toHex(next.publicKey))
    expect(toHex(keys.identityKey)).toBe(toHex(a.publicKey)) // the same address
    expect(checkCertificateUnder(keys, record.kept[0], now).name).toBe('Phone')
    // Attack: the old key's certificates, the stolen laptop's and a new one the thief makes, are refused.
    expect(() => checkCertificateUnder(keys, laptopCert, now)).toThrow(/not signed by the person’s identity/)
    const thiefDevice = issueDeviceCertificate(a, { publicKey: generateSigningKeyPair().publicKey, name: 'Totally Alice', role: 'full' }, now + 1)
    expect(() => checkCertificateUnder(keys, thiefDevice, now)).toThrow(/not signed/)
    // A device the new key certifies later is taken.
    const tablet = issueDeviceCertificateFor(a.publicKey, next, { publicKey: generateSigningKeyPair().publicKey, name: 'Tablet', role: 'full' }, now)
    expect(checkCertificateUnder(keys, tablet, now).name).toBe('Tablet')
    expect(phone).toBeDefined()
  })

  it('the same chain shown again changes nothing, and a second rotation follows the first', () => {
    const { r, bob, keep } = alice()
    const first = rotate(r, bob, keep)
    const one = followRotations(bob, [first.record], now).keys
    expect(followRotations(one, [first.record], now)).toEqual({ keys: one, records: [] })
    const second = rotate(r, one, keep, [], now + 1)
    // A friend who missed the first follows both, in order.
    const fromStart = followRotations(bob, [first.record, second.record], now + 1).keys
    expect(fromStart.n).toBe(2)
    expect(toHex(fromStart.signingKey)).toBe(toHex(second.next.publicKey))
    expect(toHex(fromStart.head)).toBe(toHex(rotationHash(second.record)))
  })
})

describe('attack: rotation', () => {
  it('a thief without R cannot rotate: a record signed by the old signing key, or any other key, is refused', () => {
    const { a, r, bob, keep } = alice()
    expect(() => followRotations(bob, [rotate(a, bob, keep).record], now)).toThrow(/not signed by the recovery key/)
    expect(() => followRotations(bob, [rotate(generateSigningKeyPair(), bob, keep).record], now)).toThrow(/not signed by the recovery key/)
    // Nor can it pass R's record off with its own new key in it.
    const { record } = rotate(r, bob, keep)
    const swapped = { ...record, signingKey: generateSigningKeyPair().publicKey }
    expect(() => followRotations(bob, [swapped], now)).toThrow(/refused/)
  })

  it('the old signing key’s revocations stop counting: a thief that revoked the owner’s phone first is undone', () => {
    const { a, r, phone, bob, keep } = alice()
    const thiefRevokesPhone = revokeDevice(a, phone.publicKey, now)
    expect(revokedUnder(bob, [thiefRevokesPhone], []).has(toHex(phone.publicKey))).toBe(true)
    const { record, next } = rotate(r, bob, keep)
    const { keys, records } = followRotations(bob, [record], now)
    const revoked = revokedUnder(keys, [thiefRevokesPhone], records)
    expect(revoked.has(toHex(phone.publicKey))).toBe(false)
    expect(checkCertificateUnder(keys, record.kept[0], now, (k) => revoked.has(toHex(k))).name).toBe('Phone')
    // A revocation the new key signs still counts, as do the rotation's own.
    const byNew = revokeDeviceFor(a.publicKey, next, phone.publicKey, now + 1)
    expect(revokedUnder(keys, [byNew], records).has(toHex(phone.publicKey))).toBe(true)
  })

  it('a replayed older rotation never takes a friend back, and a fork of a followed one is refused', () => {
    const { r, bob, keep } = alice()
    const first = rotate(r, bob, keep)
    const one = followRotations(bob, [first.record], now).keys
    const two = followRotations(one, [rotate(r, one, keep, [], now + 1).record], now + 1).keys
    // Record 1 again: passed over, still at 2 with the same key.
    expect(followRotations(two, [first.record], now + 2).keys).toEqual(two)
    // Another record 1 (R signed two, by mistake or not): it contradicts the followed one.
    const fork = rotate(r, bob, keep, [], now + 3).record
    expect(() => followRotations(one, [fork], now + 3)).toThrow(/contradicts/)
    // A record 3 that does not name record 2, or that skips one, is refused.
    expect(() => followRotations(two, [rotate(r, one, keep).record, rotate(r, { ...two, n: 3 }, keep).record], now + 3)).toThrow(/does not follow|contradicts/)
    expect(() => followRotations(one, [rotate(r, { ...one, n: 2 }, keep).record], now)).toThrow(/does not follow/)
  })

  it('nothing a signing key signs, old or new, replaces R', () => {
    const { a, r, bob, keep } = alice()
    const kept = takeRecoveryRecord(null, encodeRecoveryRecord(makeRecoveryRecord(a, a.publicKey, r.publicKey, now)), { identityKey: a.publicKey, signingKey: a.publicKey, now })
    const { record, next } = rotate(r, bob, keep)
    const keys = followRotations(bob, [record], now).keys
    for (const signer of [a, next]) {
      const replacement = makeRecoveryRecord(signer, a.publicKey, generateSigningKeyPair().publicKey, now + 10)
      expect(() => takeRecoveryRecord(kept, encodeRecoveryRecord(replacement), { identityKey: a.publicKey, signingKey: keys.signingKey, now })).toThrow(/only the recovery key already known/)
    }
  })

  it('for another address, with a kept device the new key did not certify, dated in the future: refused', () => {
    const { a, r, laptop, bob, keep } = alice()
    const other = notRotated(generateSigningKeyPair().publicKey, r.publicKey)
    expect(() => followRotations(bob, [rotate(r, other, keep).record], now)).toThrow(/for someone else/)
    const { record } = rotate(r, bob, keep)
    const smuggled = { ...record, kept: [...record.kept, issueDeviceCertificate(a, { publicKey: laptop.publicKey, name: 'Laptop', role: 'full' }, now)] }
    expect(() => followRotations(bob, [smuggled], now)).toThrow(/not certified by the new signing key/)
    expect(() => followRotations(bob, [rotate(r, bob, keep, [], now + 60 * 60 * 1000).record], now)).toThrow(/in the future/)
  })

  it('oversized or malformed: refused whole', () => {
    const { r, bob, keep } = alice()
    const { record } = rotate(r, bob, keep)
    const many = Array.from({ length: MAX_KEPT_DEVICES + 1 }, () => record.kept[0])
    expect(() => followRotations(bob, [{ ...record, kept: many }], now)).toThrow(/too many devices/)
    expect(() => followRotations(bob, Array.from({ length: MAX_ROTATIONS + 1 }, () => record), now)).toThrow(/not a chain/)
    for (const junk of [null, 'rotate', 7, [record], { ...record, extra: 1 }, { ...record, n: 0 }, { ...record, n: 1.5 }, { ...record, previous: new Uint8Array(5) }, { ...record, revoked: [new Uint8Array(31)] }]) {
      expect(() => followRotations(bob, [junk], now)).toThrow(/refused/)
    }
    expect(() => followRotations(bob, 'not a list', now)).toThrow(/not a chain/)
  })
})
