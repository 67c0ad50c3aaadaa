// After a rotation, nothing the old key signs moves anyone (issue 16, over
// real nodes): Alice's laptop is stolen, its thief holds her address key
// S₀; Alice rotates on her phone (which then holds S₁), keeps the phone, a
// tablet (full, without S₁) and the Pi, and revokes the laptop. The thief
// signs, with S₀, settings, grants, invites and meeting-secret proofs dated
// in the future, and they reach Alice's Pi through a device it accepts
// (the kept tablet, which holds S₀ too) and her friends through one they
// accept (the Pi): each is refused by whoever follows the rotation; the
// same records signed by S₁ are taken (docs/security.md, "What Sₙ signs").
import { afterEach, describe, expect, it } from 'vitest'
import { generateSigningKeyPair, pairSecret, type SigningKeyPair } from '../../shared/crypto/crypto'
import { grantFriend, grantInvite, isFriendGranted, isInviteGranted, isSettingGranted } from '../../shared/identity/grants'
import { isMeetingSecretProven, proveMeetingSecret } from '../../shared/identity/meeting-secret-grants'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { bytesEqual, toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import type { RecoveryAsked } from '../../node-tab/node-wiring'
import { needsSigningKey } from '../../node-tab/devices/own-devices'
import { putSignedSetting } from '../../node-tab/storage/signed-setting-writes'
import { newId } from '../../node-tab/storage/ids'
import { DEVICES_SECRET_KEY, DISCOVERABLE_KEY } from '../../node-tab/storage/signed-settings'
import { befriend, connectNodes, NodeSet, pullUntil, reaches, signingOf, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

const YEAR = 365 * 24 * 60 * 60 * 1000
const dev = (node: KithNode): string => node.me.deviceHex
const followedBy = (node: KithNode, person: KithNode): number => node.rotations.rotationsOf(person.identityKey)?.keys.n ?? -1

/** `from` dials `to`; resolves once `from` asked `to` for its recovery record. */
async function meet (from: KithNode, to: KithNode): Promise<RecoveryAsked['outcome']> {
  const asked = new Promise<RecoveryAsked['outcome']>((resolve) => {
    from.addEventListener('recovery-asked', (ev) => resolve((ev as CustomEvent<RecoveryAsked>).detail.outcome), { once: true })
  })
  const session = await connectNodes(from, to)
  const outcome = await asked
  session.rpc.close('met')
  await until(() => from.sessions.size === 0 && to.sessions.size === 0)
  return outcome
}

/** Alice: a phone, the stolen laptop, a tablet (all full) and a Pi; her words
 *  known to every device; Bob and Carol, her friends, kept her recovery
 *  record. The thief's key is S₀, the laptop's address key. */
async function story () {
  const phone = await sets.open()
  await phone.verify()
  await phone.ownDevices.renameThisDevice('Phone')
  const laptop = await sets.checkedDeviceOf(phone, 'full', 'Laptop')
  const tablet = await sets.checkedDeviceOf(phone, 'full', 'Tablet')
  const pi = await sets.checkedDeviceOf(phone, 'server', 'Pi')
  const bob = await sets.open()
  await bob.verify()
  const carol = await sets.open()
  await carol.verify()
  await befriend(phone, bob)
  await befriend(phone, carol)
  const words = makeRecoveryWords()
  await phone.setUpRecovery(recoveryKeyFromWords(words).publicKey)
  const since = await phone.recoverySince()
  for (const device of [pi, tablet, laptop]) await pullUntil(device, phone, async () => await device.recoverySince() === since && (await device.friends.get(bob.keyHex)) !== undefined)
  for (const friend of [bob, carol]) expect(await meet(friend, phone)).toBe('kept')
  const s0 = await signingOf(laptop)
  return { phone, laptop, tablet, pi, bob, carol, words, s0 }
}
type Story = Awaited<ReturnType<typeof story>>

/** Alice rotates on the phone, keeps the phone, the tablet and the Pi, and
 *  revokes the laptop; the Pi and the tablet follow when they meet the phone. */
async function aliceRotates (s: Story): Promise<SigningKeyPair> {
  await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(s.tablet), dev(s.pi)], revoke: [dev(s.laptop)] })
  const s1 = (await s.phone.rotations.signingKey())!
  for (const device of [s.pi, s.tablet]) {
    await pullUntil(device, s.phone, async () => followedBy(device, device) === 1 && bytesEqual(device.ownDevices.secret!, s.phone.ownDevices.secret!))
  }
  return s1
}

const secretRow = async (node: KithNode, key: string): Promise<{ value?: unknown, at?: number, grant?: Uint8Array } | undefined> =>
  await node.db.settings.get(key) as { value?: unknown, at?: number, grant?: Uint8Array } | undefined

describe('the devices secret the thief dated in the future (the concrete hole)', () => {
  it('the Pi took it before Alice rotated; once it follows the rotation, it ends on the phone’s, whatever the thief’s date', async () => {
    const s = await story()
    // The thief's own devices secret, dated a year ahead: before the rotation
    // it is Alice's (S₀ signed it), and the later one, so the Pi takes it.
    const thiefs = new Uint8Array(32).fill(7)
    await putSignedSetting(s.laptop.db, DEVICES_SECRET_KEY, thiefs, s.s0, Date.now() + YEAR)
    await s.laptop.ownDevices.reloadSecret()
    await pullUntil(s.pi, s.laptop, () => bytesEqual(s.pi.ownDevices.secret!, thiefs))
    await aliceRotates(s)
    // The Pi is where the phone is, and where the thief is not.
    expect(bytesEqual(s.pi.ownDevices.secret!, s.phone.ownDevices.secret!)).toBe(true)
    expect(bytesEqual(s.pi.ownDevices.secret!, thiefs)).toBe(false)
    const row = await secretRow(s.pi, DEVICES_SECRET_KEY)
    const s1 = (await s.phone.rotations.signingKey())!
    expect(isSettingGranted(s1.publicKey, DEVICES_SECRET_KEY, row!.value, row!.at, row!.grant)).toBe(true)
    // And it stays there: the Pi meeting the phone again changes nothing.
    await reaches(s.phone, s.pi)
    expect(bytesEqual(s.pi.ownDevices.secret!, s.phone.ownDevices.secret!)).toBe(true)
  })

  it('after the rotation, one the thief dates in the future and a kept device carries to the Pi is refused; one S₁ signs is taken', async () => {
    const s = await story()
    const s1 = await aliceRotates(s)
    const phones = s.phone.ownDevices.secret!
    // The tablet holds S₀ as the thief does: what it carries is the thief's.
    const thiefs = new Uint8Array(32).fill(8)
    await putSignedSetting(s.tablet.db, DEVICES_SECRET_KEY, thiefs, s.s0, Date.now() + YEAR)
    await putSignedSetting(s.tablet.db, DISCOVERABLE_KEY, true, s.s0, Date.now() + YEAR)
    const mark = 'the tablet’s sync reached the Pi'
    await s.tablet.setDisplayName(mark)
    await pullUntil(s.pi, s.tablet, async () => (await s.pi.db.settings.get('profile.displayName'))?.value === mark)
    expect(bytesEqual(s.pi.ownDevices.secret!, phones)).toBe(true)
    expect((await secretRow(s.pi, DISCOVERABLE_KEY))?.value).not.toBe(true)
    // The same, signed by S₁ (as on a device holding it): taken.
    const next = new Uint8Array(32).fill(9)
    await putSignedSetting(s.tablet.db, DEVICES_SECRET_KEY, next, s1)
    await putSignedSetting(s.tablet.db, DISCOVERABLE_KEY, true, s1)
    await pullUntil(s.pi, s.tablet, async () => bytesEqual(s.pi.ownDevices.secret!, next) && (await secretRow(s.pi, DISCOVERABLE_KEY))?.value === true)
  })
})

describe('grants, invites and meeting-secret proofs among Alice’s devices', () => {
  it('the rotating device signs again with S₁ what must stay current; its other devices keep Bob, the invite and the meeting secrets', async () => {
    const s = await story()
    const invite = await s.phone.invites.create({ label: 'for Dan', expiresInMs: null })
    await pullUntil(s.pi, s.phone, async () => (await s.pi.invites.list()).some((i) => i.id === invite.id))
    const s1 = await aliceRotates(s)
    const bobRow = (await s.pi.friends.get(s.bob.keyHex))!
    expect(isFriendGranted(s1.publicKey, bobRow.key, bobRow.addedAt, bobRow.grant)).toBe(true)
    const piInvite = (await s.pi.invites.list()).find((i) => i.id === invite.id)!
    expect(isInviteGranted(s1.publicKey, piInvite, piInvite.grant)).toBe(true)
    // The meeting secrets the rotation gave Bob (revoking the laptop), proved by S₁.
    expect(bobRow.nextPairSecret).toBeDefined()
    expect(isMeetingSecretProven(s.phone.identityKey, s.bob.identityKey, bobRow.nextPairSecret, bobRow.nextPairSecretProof, s1.publicKey)).toBe(true)
  })

  it('a friendship, an invite and a meeting secret the thief signs with S₀ (dated ahead) do not reach the Pi through the kept tablet; S₁’s do', async () => {
    const s = await story()
    const s1 = await aliceRotates(s)
    const mallory = generateSigningKeyPair()
    const malloryHex = toHex(mallory.publicKey)
    const addedAt = Date.now() + YEAR
    const { addressFromPublicKey } = await import('../../shared/identity/identity')
    const friendRow = (signer: SigningKeyPair) => ({ key: malloryHex, address: addressFromPublicKey(mallory.publicKey), displayName: 'Mallory', addedAt, grant: grantFriend(signer, malloryHex, addedAt) })
    const inviteRow = (signer: SigningKeyPair) => {
      const row = { id: newId(), token: newId(), label: 'thief', createdAt: Date.now(), expiresAt: null, status: 'pending' as const }
      return { ...row, grant: grantInvite(signer, row) }
    }
    // Bob's row, with a meeting secret of the thief's choosing, dated ahead.
    const bobRow = (await s.tablet.friends.get(s.bob.keyHex))!
    const where = new Uint8Array(32).fill(5)
    const since = Date.now() + YEAR
    const thiefInvite = inviteRow(s.s0)
    await s.tablet.db.friends.put(friendRow(s.s0))
    await s.tablet.db.invites.put(thiefInvite)
    await s.tablet.db.friends.put({ ...bobRow, nextPairSecret: where, nextPairSecretSince: since, nextPairSecretProof: proveMeetingSecret(s.phone.identityKey, s.s0, s.bob.identityKey, where, since) })
    const mark = 'the tablet’s rows reached the Pi'
    await s.tablet.setDisplayName(mark)
    await pullUntil(s.pi, s.tablet, async () => (await s.pi.db.settings.get('profile.displayName'))?.value === mark)
    expect(await s.pi.friends.get(malloryHex)).toBeUndefined()
    expect((await s.pi.invites.list()).some((i) => i.id === thiefInvite.id)).toBe(false)
    const piBob = (await s.pi.friends.get(s.bob.keyHex))!
    expect(piBob.nextPairSecret && bytesEqual(piBob.nextPairSecret, where)).toBeFalsy()
    // Signed by S₁: taken.
    const goodInvite = inviteRow(s1)
    await s.tablet.db.friends.put(friendRow(s1))
    await s.tablet.db.invites.put(goodInvite)
    await pullUntil(s.pi, s.tablet, async () => (await s.pi.friends.get(malloryHex)) !== undefined && (await s.pi.invites.list()).some((i) => i.id === goodInvite.id))
  })
})

describe('the meeting plan after a rotation', () => {
  it('on the phone, signs again with S₁ a friendship an older key granted; on the kept tablet, signs nothing and sits in no invite’s swarm', async () => {
    const { inviteMeeting } = await import('../../shared/rendezvous/meetings')
    const s = await story()
    const invite = await s.phone.invites.create({ label: 'for Dan', expiresInMs: null })
    await pullUntil(s.tablet, s.phone, async () => (await s.tablet.invites.list()).some((i) => i.id === invite.id))
    const epoch = 777
    const inviteTopic = inviteMeeting(invite.token, epoch, s.phone.identityKey).topic
    expect((await s.tablet.listenTopics(epoch)).map((m) => m.topic)).toContain(inviteTopic)
    const s1 = await aliceRotates(s)
    // A row the old key granted (as a backup or a late write would leave it).
    const row = (await s.phone.friends.get(s.bob.keyHex))!
    await s.phone.db.friends.update(row.key, { grant: grantFriend(s.s0, row.key, row.addedAt) })
    await s.phone.listenTopics(epoch)
    const again = (await s.phone.friends.get(s.bob.keyHex))!
    expect(isFriendGranted(s1.publicKey, again.key, again.addedAt, again.grant)).toBe(true)
    // The tablet holds S₀, not S₁: it signs nothing with the old key, and
    // answers no invite (a friendship made there would stay there).
    const before = (await s.tablet.friends.get(s.bob.keyHex))!
    await s.tablet.db.friends.update(before.key, { grant: undefined })
    const topics = (await s.tablet.listenTopics(epoch)).map((m) => m.topic)
    expect(topics).not.toContain(inviteTopic)
    expect((await s.tablet.friends.get(s.bob.keyHex))!.grant).toBeUndefined()
  })
})

describe('meeting secrets Alice’s friends are told of', () => {
  /** `teller` tells `friend` that the laptop was revoked, with a new meeting
   *  secret proved by `signer` and dated `since`. */
  async function tellSecret (s: Story, teller: KithNode, friend: KithNode, signer: SigningKeyPair, since: number, fill: number): Promise<{ secret: Uint8Array, told: Promise<unknown> }> {
    const secret = new Uint8Array(32).fill(fill)
    const proof = proveMeetingSecret(s.phone.identityKey, signer, friend.identityKey, secret, since)
    const revocation = (await s.phone.devices.list()).find((d) => d.key === dev(s.laptop))!.revocation!
    const session = await connectNodes(teller, friend)
    const told = session.rpc.call('deviceRevoked', { revocations: [revocation], pairSecret: secret, pairSecretSince: since, pairSecretSignature: proof.signature })
    const settled = told.then(() => 'taken', (err: Error) => err.message).finally(() => session.rpc.close('told'))
    return { secret, told: settled }
  }

  const meetsAt = async (friend: KithNode, alice: KithNode): Promise<Uint8Array | undefined> => (await friend.friends.get(alice.keyHex))?.pairSecret

  it('Bob, who followed, refuses a secret the thief proves with S₀ however dated; takes one S₁ proves', async () => {
    const s = await story()
    const s1 = await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    const before = await meetsAt(s.bob, s.phone)
    // Carried by the Pi, a device of Alice's that Bob accepts.
    const forged = await tellSecret(s, s.pi, s.bob, s.s0, Date.now() + YEAR, 3)
    expect(await forged.told).toMatch(/not signed by the friend/)
    await until(() => s.pi.sessions.size === 0 && s.bob.sessions.size === 0)
    const after = await meetsAt(s.bob, s.phone)
    expect(after && bytesEqual(after, forged.secret)).toBeFalsy()
    expect(before === after || (before !== undefined && after !== undefined && bytesEqual(before, after))).toBe(true)
    const genuine = await tellSecret(s, s.phone, s.bob, s1, Date.now(), 4)
    expect(await genuine.told).toBe('taken')
    await until(async () => { const now = await meetsAt(s.bob, s.phone); return now !== undefined && bytesEqual(now, genuine.secret) })
  })

  it('Carol, who has not followed yet, follows from the hello that carries it first, and so refuses the thief’s too', async () => {
    const s = await story()
    const s1 = await aliceRotates(s)
    expect(followedBy(s.carol, s.phone)).toBe(0)
    const forged = await tellSecret(s, s.pi, s.carol, s.s0, Date.now() + YEAR, 3)
    expect(await forged.told).toMatch(/not signed by the friend/)
    await until(() => s.pi.sessions.size === 0 && s.carol.sessions.size === 0)
    expect(followedBy(s.carol, s.phone)).toBe(1)
    const genuine = await tellSecret(s, s.phone, s.carol, s1, Date.now(), 4)
    expect(await genuine.told).toBe('taken')
    await until(async () => { const now = await meetsAt(s.carol, s.phone); return now !== undefined && bytesEqual(now, genuine.secret) })
  })

  it('the meeting secrets the rotation’s own revocation gives each friend are proved by S₁, not by the old key', async () => {
    const s = await story()
    await aliceRotates(s)
    const row = (await s.phone.friends.get(s.bob.keyHex))!
    const s1 = (await s.phone.rotations.signingKey())!
    expect(isMeetingSecretProven(s.phone.identityKey, s.bob.identityKey, row.nextPairSecret, row.nextPairSecretProof, s1.publicKey)).toBe(true)
    expect(isMeetingSecretProven(s.phone.identityKey, s.bob.identityKey, row.nextPairSecret, row.nextPairSecretProof)).toBe(false)
  })
})

describe('meeting secrets the thief dated in the future before Alice rotated', () => {
  it('Bob, moved by the thief to a secret dated a year ahead, forgets it when he follows the rotation, and takes the phone’s newer one', async () => {
    const s = await story()
    const where = new Uint8Array(32).fill(6)
    const since = Date.now() + YEAR
    const proof = proveMeetingSecret(s.phone.identityKey, s.s0, s.bob.identityKey, where, since)
    const session = await connectNodes(s.laptop, s.bob)
    await session.rpc.call('deviceRevoked', { revocations: [], pairSecret: where, pairSecretSince: since, pairSecretSignature: proof.signature })
    session.rpc.close('told')
    await until(() => s.laptop.sessions.size === 0 && s.bob.sessions.size === 0)
    expect(bytesEqual((await s.bob.friends.get(s.phone.keyHex))!.pairSecret!, where)).toBe(true)
    await s.bob.listenTopics(98) // Bob sits where the thief said
    const s1 = await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    const after = (await s.bob.friends.get(s.phone.keyHex))!.pairSecret
    expect(after !== undefined && bytesEqual(after, where)).toBe(false)
    // Nor does Bob's meeting plan bring it back from memory: it meets where both keys say.
    await s.bob.listenTopics(99)
    const computed = (await s.bob.friends.get(s.phone.keyHex))!.pairSecret
    expect(computed && bytesEqual(computed, pairSecret((await signingOf(s.bob)).secretKey, s.phone.identityKey))).toBe(true)
    // The phone's next secret (made at the rotation, proved by S₁) is taken now.
    const next = (await s.phone.friends.get(s.bob.keyHex))!
    const told = await connectNodes(s.phone, s.bob)
    await told.rpc.call('deviceRevoked', { revocations: [], pairSecret: next.nextPairSecret!, pairSecretSince: next.nextPairSecretSince!, pairSecretSignature: next.nextPairSecretProof!.signature })
    told.rpc.close('told')
    await until(async () => bytesEqual((await s.bob.friends.get(s.phone.keyHex))!.pairSecret ?? new Uint8Array(0), next.nextPairSecret!))
    expect(isMeetingSecretProven(s.phone.identityKey, s.bob.identityKey, next.nextPairSecret, next.nextPairSecretProof, s1.publicKey)).toBe(true)
  })

  it('the Pi, which took from the laptop a secret for Bob the thief dated ahead, forgets it when it follows the rotation', async () => {
    const s = await story()
    const where = new Uint8Array(32).fill(6)
    const since = Date.now() + YEAR
    const row = (await s.laptop.friends.get(s.bob.keyHex))!
    await s.laptop.db.friends.put({ ...row, nextPairSecret: where, nextPairSecretSince: since, nextPairSecretProof: proveMeetingSecret(s.phone.identityKey, s.s0, s.bob.identityKey, where, since) })
    await pullUntil(s.pi, s.laptop, async () => { const r = await s.pi.friends.get(s.bob.keyHex); return r?.nextPairSecret !== undefined && bytesEqual(r.nextPairSecret, where) })
    await aliceRotates(s)
    const piBob = (await s.pi.friends.get(s.bob.keyHex))!
    expect(piBob.nextPairSecret !== undefined && bytesEqual(piBob.nextPairSecret, where)).toBe(false)
    // It holds the phone's instead (made at the rotation, proved by S₁).
    const phoneBob = (await s.phone.friends.get(s.bob.keyHex))!
    await until(async () => { const r = await s.pi.friends.get(s.bob.keyHex); return r?.nextPairSecret !== undefined && bytesEqual(r.nextPairSecret, phoneBob.nextPairSecret!) })
  })
})

describe('a kept full device without S₁', () => {
  it('refuses to change whether Alice is discoverable and to make an invite, in words that name the phone; signs no friendship', async () => {
    const s = await story()
    await aliceRotates(s)
    await s.tablet.ownDevices.refreshCount()
    const words = needsSigningKey('discoverable', ['Phone'])
    expect(words).toMatch(/Change whether you can be found by address from “Phone”/)
    await expect(s.tablet.setDiscoverable(true)).rejects.toThrow(words)
    await expect(s.tablet.invites.create({ label: 'x', expiresInMs: null })).rejects.toThrow(needsSigningKey('invite', ['Phone']))
    expect(await s.tablet.invites.list()).toHaveLength(0)
    // A friendship made here anyway stays here: no grant, so no device of Alice's takes it.
    const dan = generateSigningKeyPair()
    const { addressFromPublicKey } = await import('../../shared/identity/identity')
    const row = await s.tablet.friends.add({ key: toHex(dan.publicKey), address: addressFromPublicKey(dan.publicKey), displayName: 'Dan' })
    expect(row.grant).toBeUndefined()
    // The phone, holding S₁, does both.
    await s.phone.setDiscoverable(true)
    await s.phone.invites.create({ label: 'y', expiresInMs: null })
  })
})
