// Rotation over real nodes (node-tab/person/rotations.ts, the hello in
// shared/session/handshake.ts): Alice's laptop is stolen, and its thief
// holds her address key. Alice, on her phone, rotates with her 12 words and
// revokes the laptop. Bob, her friend, follows the rotation when he meets
// any device of hers that presents it, checked against the recovery key he
// kept, and from then on refuses everything the old key vouches for.
import { afterEach, describe, expect, it } from 'vitest'
import { generateSigningKeyPair, pairSecret } from '../../shared/crypto/crypto'
import { checkDeviceRevocation, revokeDevice } from '../../shared/identity/device-certificate'
import { encodeRecoveryRecord, makeRecoveryRecord } from '../../shared/identity/recovery-record'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { makeRotationRecord, rotationHash, type RotationRecord } from '../../shared/identity/rotation-record'
import { bytesEqual, toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import type { RecoveryAsked } from '../../node-tab/node-wiring'
import { friendRecoveryRecord, RECOVERY_RECORD_KEY } from '../../node-tab/person/recovery'
import { PersonRotations } from '../../node-tab/person/rotations'
import { putSignedSetting } from '../../node-tab/storage/signed-setting-writes'
import { decodeFrame, FrameType } from '../../shared/wire/codec'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { befriend, connectNodes, internals, NodeSet, pullUntil, reaches, signingOf, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

const deviceOf = (full: KithNode, role: 'full' | 'server', name: string): Promise<KithNode> => sets.checkedDeviceOf(full, role, name)

/** `from` dials `to`; resolves once `asker` asked the other for its recovery record. */
async function meet (from: KithNode, to: KithNode, asker: KithNode = from): Promise<RecoveryAsked['outcome']> {
  const asked = new Promise<RecoveryAsked['outcome']>((resolve) => {
    asker.addEventListener('recovery-asked', (ev) => resolve((ev as CustomEvent<RecoveryAsked>).detail.outcome), { once: true })
  })
  const session = await connectNodes(from, to)
  const outcome = await asked
  session.rpc.close('met')
  await until(() => from.sessions.size === 0 && to.sessions.size === 0)
  return outcome
}

const followedBy = (node: KithNode, person: KithNode): number => node.rotations.rotationsOf(person.identityKey)?.keys.n ?? -1

/** Alice: a phone, a stolen laptop (both full), a Pi; her words set up and
 *  known to the Pi; Bob, her friend, kept her recovery record. */
async function story () {
  const phone = await sets.open()
  await phone.verify()
  const laptop = await deviceOf(phone, 'full', 'Laptop')
  const pi = await deviceOf(phone, 'server', 'Pi')
  const bob = await sets.open()
  await bob.verify()
  await befriend(phone, bob)
  await laptop.friends.add({ key: bob.keyHex, address: bob.address, displayName: 'B' })
  const words = makeRecoveryWords()
  const r = recoveryKeyFromWords(words)
  await phone.setUpRecovery(r.publicKey)
  const since = await phone.recoverySince()
  await pullUntil(pi, phone, async () => await pi.recoverySince() === since)
  expect(await meet(bob, phone)).toBe('kept')
  expect(followedBy(bob, phone)).toBe(0)
  return { phone, laptop, pi, bob, words, r }
}

/** Alice rotates on her phone: keeps the phone and the Pi, revokes the laptop. */
async function aliceRotates (s: Awaited<ReturnType<typeof story>>): Promise<void> {
  await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(s.pi)], revoke: [dev(s.laptop)] })
}

const dev = (node: KithNode): string => node.me.deviceHex

describe('the owner rotates', () => {
  it('with the 12 words, on a full device: rotation 1 is followed by that device and presented in its hello', async () => {
    const s = await story()
    await aliceRotates(s)
    expect(followedBy(s.phone, s.phone)).toBe(1)
    expect(s.phone.rotations.hello()).toHaveLength(1)
    expect(await s.phone.rotations.signingKey()).not.toBeNull()
    // Stored on the device: a reopened store follows the same chain.
    const again = new PersonRotations(s.phone.db, s.phone.identityKey)
    await again.load()
    expect(again.rotationsOf(s.phone.identityKey)?.keys.n).toBe(1)
  })

  it('revoking two devices in one rotation replaces each meeting secret once (a friend told the first would be lost by a second)', async () => {
    const s = await story()
    const tablet = await deviceOf(s.phone, 'full', 'Tablet')
    let replaced = 0
    const replace = s.phone.friends.replaceAllPairSecrets.bind(s.phone.friends)
    s.phone.friends.replaceAllPairSecrets = async (fresh) => { replaced++; await replace(fresh) }
    await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(s.pi)], revoke: [dev(s.laptop), dev(tablet)] })
    expect(replaced).toBe(1)
    const revoked = (await s.phone.devices.list()).filter((d) => d.revocation !== null).map((d) => d.key).sort()
    expect(revoked).toEqual([dev(s.laptop), dev(tablet)].sort())
  })

  it('refuses words that are not the person’s, a server device, and a rotation that drops the device itself', async () => {
    const s = await story()
    const keepAll = { keep: [dev(s.phone), dev(s.pi)], revoke: [dev(s.laptop)] }
    await expect(s.phone.rotate(makeRecoveryWords(), keepAll)).rejects.toThrow(/not your recovery words/)
    await expect(s.pi.rotate(s.words, keepAll)).rejects.toThrow(/not from a server device/)
    await expect(s.phone.rotate(s.words, { keep: [dev(s.pi)], revoke: [dev(s.laptop)] })).rejects.toThrow(/must be one of those you keep/)
    expect(followedBy(s.phone, s.phone)).toBe(0)
  })

  it('after a rotation, the device that rotated revokes with S₁, never with the old key (linking: attack-link-after-rotation)', async () => {
    const s = await story()
    await aliceRotates(s)
    await s.phone.ownDevices.revoke(dev(s.pi))
    const revocation = (await s.phone.devices.revocations()).find((r) => toHex(r.deviceKey) === dev(s.pi))!
    const s1 = (await s.phone.rotations.signingKey())!
    expect(() => checkDeviceRevocation(revocation, s.phone.identityKey, s1.publicKey)).not.toThrow()
    expect(() => checkDeviceRevocation(revocation, s.phone.identityKey)).toThrow(/not made by the person/)
  })

  it('another kept full device, having followed, can rotate again: friends follow both and the second one’s revocation counts', async () => {
    const s = await story()
    const tablet = await deviceOf(s.phone, 'full', 'Tablet')
    await pullUntil(tablet, s.phone, async () => await tablet.recoverySince() !== null)
    await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(s.pi), dev(tablet)], revoke: [dev(s.laptop)] })
    await reaches(s.phone, tablet)
    await until(() => followedBy(tablet, tablet) === 1)
    // From the tablet, the Pi goes too.
    await tablet.rotate(s.words, { keep: [dev(tablet), dev(s.phone)], revoke: [dev(s.pi)] })
    expect(followedBy(tablet, tablet)).toBe(2)
    // Bob never met the phone after rotation 1: the tablet's hello carries both.
    await reaches(s.bob, tablet)
    await until(() => followedBy(s.bob, tablet) === 2)
    await expect(connectNodes(s.bob, s.pi)).rejects.toThrow(/not signed by the person|revoked/)
    await expect(connectNodes(s.bob, s.laptop)).rejects.toThrow(/not signed by the person|revoked/)
    await reaches(s.bob, s.phone)
  })

  it('a kept server device follows it from the phone’s hello and presents it to friends', async () => {
    const s = await story()
    await aliceRotates(s)
    await reaches(s.phone, s.pi)
    await until(() => followedBy(s.pi, s.pi) === 1)
    // Carol, a friend who never meets the phone again, follows from the Pi.
    const carol = await sets.open()
    await carol.verify()
    await befriend(s.pi, carol)
    await s.phone.friends.add({ key: carol.keyHex, address: carol.address, displayName: 'C' })
    // Carol keeps Alice's recovery record first (from the Pi), then meets the Pi again.
    expect(await meet(carol, s.pi)).toBe('kept')
    await reaches(carol, s.pi)
    await until(() => followedBy(carol, s.phone) === 1)
    await expect(connectNodes(carol, s.laptop)).rejects.toThrow(/not signed by the person/)
  })

  it('attack: the thief’s laptop cannot sync with Alice’s Pi once the Pi followed', async () => {
    const s = await story()
    // A device the thief certified with the old key: no revocation names it.
    const thiefsOwn = await deviceOf(s.laptop, 'full', 'Thief')
    await reaches(thiefsOwn, s.pi) // before: one of Alice's devices to the Pi
    await aliceRotates(s)
    await reaches(s.phone, s.pi)
    await until(() => followedBy(s.pi, s.pi) === 1)
    for (const thief of [s.laptop, thiefsOwn]) {
      await expect(connectNodes(thief, s.pi)).rejects.toThrow()
      await expect(connectNodes(s.pi, thief)).rejects.toThrow(/not signed by the person|revoked/)
    }
    expect(s.pi.deviceSessions.size).toBe(0)
  })
})

describe('who is shown the chain', () => {
  /** Whether `device`'s hello, answering `who`, carried rotation records. */
  async function helloCarriesChain (who: KithNode, device: KithNode): Promise<boolean> {
    const [a, b] = createMemoryTransportPair()
    let carried: boolean | null = null
    const send = b.send.bind(b)
    b.send = (bytes) => {
      try {
        const frame = decodeFrame(bytes)
        if (frame.type === FrameType.Hello) carried = frame.rotations !== undefined
      } catch { /* not a frame of the handshake */ }
      send(bytes)
    }
    const [session] = await Promise.all([internals(who).startSession(a, device.identityKey), internals(device).accept(b)])
    session.rpc.close('done')
    await until(() => who.sessions.size + who.deviceSessions.size === 0 && device.sessions.size + device.deviceSessions.size === 0)
    return carried!
  }

  it('a friend and the person’s own devices get it; a stranger, who could not follow it, is not shown it', async () => {
    const s = await story()
    await aliceRotates(s)
    const stranger = await sets.open()
    await stranger.verify()
    expect(await helloCarriesChain(stranger, s.phone)).toBe(false)
    expect(await helloCarriesChain(s.bob, s.phone)).toBe(true)
    expect(await helloCarriesChain(s.pi, s.phone)).toBe(true)
  })
})

describe('attack: the thief’s copy of the laptop after Alice rotated', () => {
  it('Bob follows when he meets the phone, keeps it, and refuses the laptop as Alice', async () => {
    const s = await story()
    await reaches(s.bob, s.laptop) // before: the laptop is Alice to Bob
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    await expect(connectNodes(s.bob, s.laptop)).rejects.toThrow(/not signed by the person|revoked/)
    await expect(connectNodes(s.laptop, s.bob)).rejects.toThrow()
    // Bob keeps what he followed: reopened, the same.
    const again = new PersonRotations(s.bob.db, s.bob.identityKey)
    await again.load()
    expect(again.rotationsOf(s.phone.identityKey)?.keys.n).toBe(1)
  })

  it('a device the thief certifies with the old key is accepted before the rotation, refused after', async () => {
    const s = await story()
    const thiefsOwn = await deviceOf(s.laptop, 'full', 'Thief')
    await reaches(s.bob, thiefsOwn)
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    await expect(connectNodes(s.bob, thiefsOwn)).rejects.toThrow(/not signed by the person/)
    // Certified after the rotation too: no different.
    const later = await deviceOf(s.laptop, 'full', 'Thief two')
    await expect(connectNodes(s.bob, later)).rejects.toThrow(/not signed by the person/)
  })

  it('a revocation of Alice’s kept devices signed with the old key changes nothing for Bob', async () => {
    const s = await story()
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    const old = await signingOf(s.laptop)
    const revocation = revokeDevice(old, s.phone.credentials.device.publicKey, Date.now())
    // Carried to Bob by a device he does accept (the Pi, as if it synced the thief's revocation).
    const session = await connectNodes(s.pi, s.bob)
    await session.rpc.call('deviceRevoked', { revocations: [revocation] })
    session.rpc.close('told')
    await until(() => s.pi.sessions.size === 0 && s.bob.sessions.size === 0)
    // Not even kept as a revocation of Alice's: only the rotation's count now.
    expect(s.bob.devices.isRevoked(s.phone.identityKey, s.phone.credentials.device.publicKey)).toBe(false)
    await reaches(s.bob, s.phone)
  })

  it('the thief cannot replace R: a record the old key signs for its own R is refused, and the rotation stays', async () => {
    const s = await story()
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    const old = await signingOf(s.laptop)
    const thiefR = generateSigningKeyPair()
    const forged = makeRecoveryRecord(old, s.phone.identityKey, thiefR.publicKey, Date.now() + 1000)
    await putSignedSetting(s.pi.db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(forged), old)
    await reaches(s.phone, s.pi) // the Pi follows the rotation too, so Bob accepts it
    await until(() => followedBy(s.pi, s.pi) === 1)
    expect(await meet(s.bob, s.pi)).toBe('refused')
    const kept = await friendRecoveryRecord(s.bob.db, s.phone.keyHex)
    expect(kept && bytesEqual(kept.recoveryKey, s.r.publicKey)).toBe(true)
    expect(followedBy(s.bob, s.phone)).toBe(1)
  })

  it('the thief cannot undo the rotation: a rotation its own key signs, a fork, or no chain at all are refused', async () => {
    const s = await story()
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 1)
    const head = s.bob.rotations.rotationsOf(s.phone.identityKey)!
    const thiefR = generateSigningKeyPair()
    const laptopKeep = [{ publicKey: s.laptop.credentials.device.publicKey, name: 'Laptop', role: 'full' as const }]
    // Record 2, signed by a key that is not R.
    const next: RotationRecord = makeRotationRecord(thiefR, head.keys, generateSigningKeyPair(), laptopKeep, [s.phone.credentials.device.publicKey], Date.now())
    // A second record 1 (a fork), also not by R.
    const fork: RotationRecord = makeRotationRecord(thiefR, { identityKey: s.phone.identityKey, n: 0, head: new Uint8Array(32) }, generateSigningKeyPair(), laptopKeep, [], Date.now())
    for (const chain of [[...head.records, next], [fork], []]) {
      s.laptop.rotations.hello = () => chain
      await expect(connectNodes(s.laptop, s.bob)).rejects.toThrow()
      await expect(connectNodes(s.bob, s.laptop)).rejects.toThrow()
      expect(followedBy(s.bob, s.phone)).toBe(1)
      expect(bytesEqual(s.bob.rotations.rotationsOf(s.phone.identityKey)!.keys.head, rotationHash(head.records[0]!))).toBe(true)
    }
    await reaches(s.bob, s.phone)
  })

  it('the thief acting first (revoking the phone with the old key, telling Bob) still ends with Bob on Alice’s side', async () => {
    const s = await story()
    const old = await signingOf(s.laptop)
    const revocation = revokeDevice(old, s.phone.credentials.device.publicKey, Date.now())
    const session = await connectNodes(s.laptop, s.bob)
    await session.rpc.call('deviceRevoked', { revocations: [revocation] })
    session.rpc.close('told')
    await until(() => s.laptop.sessions.size === 0 && s.bob.sessions.size === 0)
    // The thief won the first round: Bob refuses Alice's phone.
    await expect(connectNodes(s.bob, s.phone)).rejects.toThrow(/revoked/)
    await aliceRotates(s)
    await reaches(s.bob, s.phone)
    expect(followedBy(s.bob, s.phone)).toBe(1)
    await expect(connectNodes(s.bob, s.laptop)).rejects.toThrow(/not signed by the person|revoked/)
  })
})

describe('attack: the thief acting first among Alice’s own devices', () => {
  it('the thief revokes the phone with the old key and the Pi syncs that; after Alice rotates, the Pi lists, serves and syncs with the phone again', async () => {
    const s = await story()
    // The thief, on the laptop, revokes Alice's phone; the Pi pulls it from the laptop.
    await s.laptop.ownDevices.revoke(dev(s.phone))
    await pullUntil(s.pi, s.laptop, async () => (await s.pi.devices.list()).some((d) => d.key === dev(s.phone) && d.revocation !== null))
    // The thief won the first round: the Pi refuses the phone.
    await expect(connectNodes(s.phone, s.pi)).rejects.toThrow(/revoked/)
    await aliceRotates(s)
    await s.phone.setDisplayName('Alice, after the rotation')
    await pullUntil(s.pi, s.phone, async () => (await s.pi.db.settings.get('profile.displayName'))?.value === 'Alice, after the rotation')
    const phone = (await s.pi.devices.list()).find((d) => d.key === dev(s.phone))
    expect(phone?.revocation).toBeNull()
    const laptop = (await s.pi.devices.list()).find((d) => d.key === dev(s.laptop))
    expect(laptop?.revocation).not.toBeNull()
  })
})

describe('attack: the thief moves Alice’s devices secret before Alice rotates', () => {
  it('the Pi, moved by the thief to a devices secret of its own, still listens where the rotated phone dials it, and ends on Alice’s side', async () => {
    const { deviceMeeting } = await import('../../shared/rendezvous/meetings')
    const { DEVICES_SECRET_KEY } = await import('../../node-tab/storage/signed-settings')
    const s = await story()
    // Alice's devices meet where her phone linked them (the fixtures' secret).
    const linked = new Uint8Array(32).fill(1)
    await putSignedSetting(s.phone.db, DEVICES_SECRET_KEY, linked, await signingOf(s.phone))
    await s.phone.ownDevices.reloadSecret()
    const thiefsOwn = await deviceOf(s.laptop, 'full', 'Thief')
    // The thief revokes the phone on the laptop (a new devices secret) and the Pi takes both.
    await s.laptop.ownDevices.revoke(dev(s.phone))
    await pullUntil(s.pi, s.laptop, async () => !bytesEqual(s.pi.ownDevices.secret!, linked))
    expect(bytesEqual(s.pi.ownDevices.secret!, s.laptop.ownDevices.secret!)).toBe(true)
    await expect(connectNodes(s.phone, s.pi)).rejects.toThrow(/revoked/)
    await aliceRotates(s)
    // The phone's own secret is new again, and the Pi's is the thief's: only
    // the swarm both left is one where the phone dials and the Pi listens.
    const epoch = 4242
    const piListens = new Set((await s.pi.plan.listenTopics(epoch)).map((m) => m.topic))
    const phoneDials = (await s.phone.ownDevices.dialSecrets(dev(s.pi))).filter((secret) =>
      piListens.has(deviceMeeting(secret, epoch, s.pi.credentials.device.publicKey).topic))
    expect(phoneDials).toHaveLength(1)
    expect(bytesEqual(phoneDials[0]!, linked)).toBe(true)
    // The Pi, which rotated nothing, only listens there: it never dials it.
    expect(await s.pi.ownDevices.dialSecrets(dev(s.phone))).toHaveLength(1)
    // They meet there (a memory transport stands for the swarm): the Pi
    // follows from the phone's hello and pulls the laptop's revocation and
    // the phone's secret, later than the thief's.
    await pullUntil(s.pi, s.phone, async () => followedBy(s.pi, s.pi) === 1 &&
      bytesEqual(s.pi.ownDevices.secret!, s.phone.ownDevices.secret!) &&
      (await s.pi.devices.list()).some((d) => d.key === dev(s.laptop) && d.revocation !== null))
    expect((await s.pi.devices.list()).find((d) => d.key === dev(s.phone))?.revocation).toBeNull()
    await reaches(s.phone, s.pi)
    // The thief's laptop, which knows the left swarm, and the device it
    // certified are refused there as anywhere, and the Pi's secret is no
    // longer one the thief knows.
    for (const thief of [s.laptop, thiefsOwn]) await expect(connectNodes(thief, s.pi)).rejects.toThrow()
    expect(s.pi.deviceSessions.size).toBe(0)
    expect(bytesEqual(s.pi.ownDevices.secret!, s.laptop.ownDevices.secret!)).toBe(false)
    // Having met the Pi since, the phone no longer dials the left swarm.
    await until(async () => (await s.phone.ownDevices.dialSecrets(dev(s.pi))).length === 1)
  })
})

describe('attack: the thief moves Bob’s meeting secret before Alice rotates', () => {
  it('Bob, told by the thief’s copy (phone revoked, a new meeting secret), still listens where Alice’s phone looks for him', async () => {
    const { pairMeeting } = await import('../../shared/rendezvous/meetings')
    const { LEFT_MEETING_MS } = await import('../../node-tab/person/left-meetings')
    const s = await story()
    const aliceHex = s.phone.keyHex
    const where = pairSecret((await signingOf(s.bob)).secretKey, s.phone.identityKey)
    // The thief revokes the phone on the laptop: every meeting secret is replaced there.
    await s.laptop.ownDevices.revoke(dev(s.phone))
    const row = (await s.laptop.friends.get(s.bob.keyHex))!
    const revocation = (await s.laptop.devices.list()).find((d) => d.key === dev(s.phone))!.revocation!
    const session = await connectNodes(s.laptop, s.bob)
    await session.rpc.call('deviceRevoked', {
      revocations: [revocation], pairSecret: row.nextPairSecret, pairSecretSince: row.nextPairSecretProof!.since, pairSecretSignature: row.nextPairSecretProof!.signature
    })
    session.rpc.close('told')
    await until(() => s.laptop.sessions.size === 0 && s.bob.sessions.size === 0)
    // Bob meets Alice now where only the thief knows...
    expect(bytesEqual((await s.bob.friends.get(aliceHex))!.pairSecret!, row.nextPairSecret!)).toBe(true)
    // ...and still listens where Alice's phone (which never learnt that secret) dials him.
    const epoch = 12345
    const topics = (await s.bob.plan.listenTopics(epoch)).map((m) => m.topic)
    expect(topics).toContain(pairMeeting(where, epoch, s.bob.identityKey).topic)
    // (The phone computes the same secret from its side: that is where it dials.)
    expect(bytesEqual(pairSecret((await signingOf(s.phone)).secretKey, s.bob.identityKey), where)).toBe(true)
    // For a while only: after LEFT_MEETING_MS the swarm is left.
    const { leftMeetings } = await import('../../node-tab/person/left-meetings')
    expect((await leftMeetings(s.bob.db, Date.now() + LEFT_MEETING_MS + 1)).size).toBe(0)
    expect((await leftMeetings(s.bob.db)).size).toBe(1)
  })
})
