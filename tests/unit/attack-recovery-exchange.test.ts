// Friends learn a person's recovery record when they meet (node-tab/person/
// recovery.ts, asked on every session): the first one is kept, whoever
// sends it, and nothing the person's signing key signs later replaces it.
// Each attack is a record as a thief or a stranger would offer it.
import { afterEach, describe, expect, it } from 'vitest'
import { bytesEqual } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { encodeRecoveryRecord, makeRecoveryRecord } from '../../shared/identity/recovery-record'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { friendRecoveryRecord, RECOVERY_RECORD_KEY } from '../../node-tab/person/recovery'
import { putSignedSetting } from '../../node-tab/storage/signed-setting-writes'
import type { KithNode } from '../../node-tab/node'
import type { RecoveryAsked } from '../../node-tab/node-wiring'
import { befriend, connectNodes, NodeSet, pullUntil, signingOf, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

/** `from` dials `to`; resolves once `friend` asked the other for its
 *  recovery record (both ask when a session opens), with how that ended. */
async function meet (from: KithNode, to: KithNode, friend: KithNode = from): Promise<RecoveryAsked['outcome']> {
  const asked = new Promise<RecoveryAsked['outcome']>((resolve) => {
    friend.addEventListener('recovery-asked', (ev) => resolve((ev as CustomEvent<RecoveryAsked>).detail.outcome), { once: true })
  })
  const session = await connectNodes(from, to)
  const outcome = await asked
  session.rpc.close('met')
  await until(() => from.sessions.size === 0 && to.sessions.size === 0)
  return outcome
}

describe('friends keep a person’s recovery record', () => {
  it('a friend takes it when they meet, and the person cannot make a second one', async () => {
    const alice = await sets.open()
    const bob = await sets.open()
    await befriend(alice, bob)
    const r = recoveryKeyFromWords(makeRecoveryWords())
    expect(await alice.recoverySince()).toBeNull()
    await alice.setUpRecovery(r.publicKey)
    expect(await alice.recoverySince()).toBeTypeOf('number')
    await expect(alice.setUpRecovery(generateSigningKeyPair().publicKey)).rejects.toThrow(/already set up/)
    expect(await meet(bob, alice)).toBe('kept')
    const kept = await friendRecoveryRecord(bob.db, alice.keyHex)
    expect(kept && bytesEqual(kept.recoveryKey, r.publicKey)).toBe(true)
    // Alice did not ask Bob for one he never made.
    expect(await friendRecoveryRecord(alice.db, bob.keyHex)).toBeNull()
  })

  it('a server device cannot set up recovery words', async () => {
    const alice = await sets.open()
    const pi = await sets.serverDeviceOf(alice)
    await expect(pi.setUpRecovery(generateSigningKeyPair().publicKey)).rejects.toThrow(/full device/)
  })
})

describe('attack: a friend keeps the first recovery record', () => {
  it('a thief with the signing key replaces the record on the person’s devices: friends who hold one refuse it', async () => {
    const alice = await sets.open()
    const bob = await sets.open()
    await befriend(alice, bob)
    const r = recoveryKeyFromWords(makeRecoveryWords())
    await alice.setUpRecovery(r.publicKey)
    expect(await meet(bob, alice)).toBe('kept')
    // The thief, holding Alice's signing key, signs a record for an R of its own.
    const signing = await signingOf(alice)
    const thiefR = generateSigningKeyPair()
    const forged = makeRecoveryRecord(signing, alice.identityKey, thiefR.publicKey, Date.now() + 1000)
    await putSignedSetting(alice.db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(forged), signing)
    expect(await meet(alice, bob, bob)).toBe('refused')
    const kept = await friendRecoveryRecord(bob.db, alice.keyHex)
    expect(kept && bytesEqual(kept.recoveryKey, r.publicKey)).toBe(true)
  })

  it('a record signed by another key, or made for someone else, is not kept', async () => {
    const alice = await sets.open()
    const bob = await sets.open()
    await befriend(alice, bob)
    const mallory = generateSigningKeyPair()
    // Alice's device serves a record Mallory signed, then one made for Mallory's address.
    const notSigned = makeRecoveryRecord(mallory, alice.identityKey, generateSigningKeyPair().publicKey, Date.now())
    await alice.db.putSetting(RECOVERY_RECORD_KEY, encodeRecoveryRecord(notSigned))
    expect(await meet(bob, alice)).toBe('refused')
    expect(await friendRecoveryRecord(bob.db, alice.keyHex)).toBeNull()
    const forMallory = makeRecoveryRecord(mallory, mallory.publicKey, generateSigningKeyPair().publicKey, Date.now())
    await alice.db.putSetting(RECOVERY_RECORD_KEY, encodeRecoveryRecord(forMallory))
    expect(await meet(bob, alice)).toBe('refused')
    expect(await friendRecoveryRecord(bob.db, alice.keyHex)).toBeNull()
    // Junk bytes of any size change nothing either.
    await alice.db.putSetting(RECOVERY_RECORD_KEY, new Uint8Array(200).fill(7))
    expect(await meet(bob, alice)).toBe('refused')
    expect(await friendRecoveryRecord(bob.db, alice.keyHex)).toBeNull()
  })

  it('a stranger is not told the record, and its own is not asked for', async () => {
    const alice = await sets.open()
    const stranger = await sets.open()
    await alice.setUpRecovery(recoveryKeyFromWords(makeRecoveryWords()).publicKey)
    const session = await connectNodes(stranger, alice)
    await expect(session.rpc.call('recoveryRecord', {})).rejects.toThrow(/answers only its owner’s friends/)
    session.rpc.close('done')
  })
})

describe('the record among the person’s own devices', () => {
  it('reaches a server device by sync, which serves it to friends', async () => {
    const alice = await sets.open()
    const pi = await sets.serverDeviceOf(alice)
    const bob = await sets.open()
    await befriend(alice, bob)
    const r = recoveryKeyFromWords(makeRecoveryWords())
    await alice.setUpRecovery(r.publicKey)
    const since = await alice.recoverySince()
    await pullUntil(pi, alice, async () => await pi.recoverySince() === since)
    expect(await meet(bob, pi)).toBe('kept')
    const kept = await friendRecoveryRecord(bob.db, alice.keyHex)
    expect(kept && bytesEqual(kept.recoveryKey, r.publicKey)).toBe(true)
  })

  it('attack: a server device’s own record (it cannot sign one) is not taken by a full device', async () => {
    const alice = await sets.open()
    const pi = await sets.serverDeviceOf(alice)
    const thiefR = generateSigningKeyPair()
    // Signed by the Pi's own device key, as a setting and as a record: neither is the identity.
    const piKeys = { publicKey: pi.credentials.device.publicKey, secretKey: pi.credentials.device.secretKey }
    const record = makeRecoveryRecord(piKeys, alice.identityKey, thiefR.publicKey, Date.now())
    await putSignedSetting(pi.db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(record), piKeys)
    // A change made after it, to know when the full device has pulled that far.
    await pi.setDisplayName('After the Pi’s record')
    await pullUntil(alice, pi, async () => (await alice.db.settings.get('profile.displayName'))?.value === 'After the Pi’s record')
    expect(await alice.recoverySince()).toBeNull()
  })
})

/** Another full device of the same person as `full` (a laptop to steal), as a link leaves it. */
async function fullDeviceOf (full: KithNode): Promise<KithNode> {
  const laptop = await sets.fullDeviceOf(full, 'Laptop')
  await laptop.verify()
  return laptop
}

describe('attack: a stolen full device and the person’s own record', () => {
  it('a later record the identity key signed for the thief’s own R does not replace the person’s on their other devices', async () => {
    const phone = await sets.open()
    const laptop = await fullDeviceOf(phone)
    const r = recoveryKeyFromWords(makeRecoveryWords())
    await phone.setUpRecovery(r.publicKey)
    const since = await phone.recoverySince()
    await pullUntil(laptop, phone, async () => await laptop.recoverySince() === since)
    // The thief, on the laptop, signs (with the identity key it holds) a newer record for its own R.
    const signing = await signingOf(laptop)
    const forged = makeRecoveryRecord(signing, laptop.identityKey, generateSigningKeyPair().publicKey, Date.now() + 1000)
    await putSignedSetting(laptop.db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(forged), signing)
    // A change made after it, to know when the phone has pulled that far.
    await laptop.setDisplayName('After the forged record')
    await pullUntil(phone, laptop, async () => (await phone.db.settings.get('profile.displayName'))?.value === 'After the forged record')
    expect(await phone.recoverySince()).toBe(since)
    // New words the kept R signed do replace it.
    const r2 = recoveryKeyFromWords(makeRecoveryWords())
    const renewed = makeRecoveryRecord(r, laptop.identityKey, r2.publicKey, Date.now() + 2000)
    await putSignedSetting(laptop.db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(renewed), signing)
    await pullUntil(phone, laptop, async () => await phone.recoverySince() === renewed.at)
  })
})
