// The recovery record (shared/identity/recovery-record.ts) as a friend takes
// it: the first one signed by the person's signing key, then only one the
// kept R signed. Each test is a record an attacker would offer.
import { describe, expect, it } from 'vitest'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { bytesEqual } from '../../shared/util/bytes'
import { encodeRecoveryRecord, makeRecoveryRecord, parseRecoveryRecord, RECOVERY_RECORD_BYTES, takeRecoveryRecord, type RecoveryRecord } from '../../shared/identity/recovery-record'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'

const now = Date.now()
const alice = generateSigningKeyPair()
const r = recoveryKeyFromWords(makeRecoveryWords())
const expectAlice = { identityKey: alice.publicKey, signingKey: alice.publicKey, now }
const first = (): RecoveryRecord => takeRecoveryRecord(null, encodeRecoveryRecord(makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now)), expectAlice)

describe('a friend takes a recovery record', () => {
  it('the first one the person’s signing key signed, and reads back what was made', () => {
    const kept = first()
    expect(bytesEqual(kept.recoveryKey, r.publicKey)).toBe(true)
    expect(kept.at).toBe(now)
  })

  it('keeps the one it has when the same R comes again, and takes new words only if the kept R signed them', () => {
    const kept = first()
    const again = makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now + 10)
    expect(takeRecoveryRecord(kept, encodeRecoveryRecord(again), expectAlice)).toBe(kept)
    const r2 = recoveryKeyFromWords(makeRecoveryWords())
    const replaced = takeRecoveryRecord(kept, encodeRecoveryRecord(makeRecoveryRecord(r, alice.publicKey, r2.publicKey, now + 20)), expectAlice)
    expect(bytesEqual(replaced.recoveryKey, r2.publicKey)).toBe(true)
  })
})

describe('attack: a recovery record is refused', () => {
  it('when signed by a wrong key', () => {
    const mallory = generateSigningKeyPair()
    const forged = makeRecoveryRecord(mallory, alice.publicKey, generateSigningKeyPair().publicKey, now)
    expect(() => takeRecoveryRecord(null, encodeRecoveryRecord(forged), expectAlice)).toThrow(/not signed by the person’s signing key/)
  })

  it('when made for another address', () => {
    const bob = generateSigningKeyPair()
    const bobs = makeRecoveryRecord(bob, bob.publicKey, r.publicKey, now)
    expect(() => takeRecoveryRecord(null, encodeRecoveryRecord(bobs), expectAlice)).toThrow(/for someone else/)
  })

  it('when the signing key (a thief with a full device) signs a replacement for the kept R', () => {
    const kept = first()
    const thiefR = generateSigningKeyPair()
    const replacement = makeRecoveryRecord(alice, alice.publicKey, thiefR.publicKey, now + 1000)
    expect(() => takeRecoveryRecord(kept, encodeRecoveryRecord(replacement), expectAlice)).toThrow(/only the recovery key already known can replace itself/)
  })

  it('when a replacement the kept R signed is older than the record kept (a replay)', () => {
    const kept = first()
    const older = makeRecoveryRecord(r, alice.publicKey, generateSigningKeyPair().publicKey, now - 1)
    expect(() => takeRecoveryRecord(kept, encodeRecoveryRecord(older), expectAlice)).toThrow(/older than the one kept/)
  })

  it('when it names the signing key itself as R, or is dated in the future', () => {
    const self = encodeRecoveryRecord(makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now))
    self.set(alice.publicKey, 33) // R := the identity key, signature left as it was
    expect(() => takeRecoveryRecord(null, self, expectAlice)).toThrow(/recovery key is the identity key/)
    const future = makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now + 60 * 60 * 1000)
    expect(() => takeRecoveryRecord(null, encodeRecoveryRecord(future), expectAlice)).toThrow(/dated in the future/)
  })

  it('when altered after signing', () => {
    const bytes = encodeRecoveryRecord(makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now))
    bytes[70] = bytes[70]! ^ 1 // the time
    expect(() => takeRecoveryRecord(null, bytes, expectAlice)).toThrow(/not signed/)
  })

  it('when oversized, short, of another version, not bytes, or holding a key that is not a key', () => {
    const good = encodeRecoveryRecord(makeRecoveryRecord(alice, alice.publicKey, r.publicKey, now))
    expect(good.length).toBe(RECOVERY_RECORD_BYTES)
    const longer = new Uint8Array(RECOVERY_RECORD_BYTES + 1); longer.set(good)
    expect(() => parseRecoveryRecord(longer)).toThrow(/wrong size/)
    expect(() => parseRecoveryRecord(new Uint8Array(10_000_000))).toThrow(/wrong size/)
    expect(() => parseRecoveryRecord(good.subarray(0, 100))).toThrow(/wrong size/)
    const v2 = good.slice(); v2[0] = 2
    expect(() => parseRecoveryRecord(v2)).toThrow(/unknown version/)
    for (const junk of [null, undefined, 'record', 42, { identityKey: alice.publicKey }, [...good]]) {
      expect(() => parseRecoveryRecord(junk)).toThrow(/not a record/)
    }
    const smallOrder = good.slice(); smallOrder.set(new Uint8Array(32), 33); smallOrder[33] = 1 // the identity point
    expect(() => parseRecoveryRecord(smallOrder)).toThrow(/not a valid key/)
    const farTime = good.slice(); farTime.fill(0xff, 65, 73)
    expect(() => parseRecoveryRecord(farTime)).toThrow(/out of range/)
  })
})
