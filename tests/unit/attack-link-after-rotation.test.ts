// Linking and revoking after a rotation (docs/security.md, "Sₙ and the
// devices linked after a rotation"), over real nodes: Alice's laptop is
// stolen, she rotates on her phone with her words (the phone now holds S₁),
// then links a new laptop from the phone. The new laptop's certificate is
// signed by S₁, and the link gives it the chain (and S₁, as a full device)
// so it presents itself as the phone does. The thief, holding the address
// key S₀, still certifies and revokes nothing anyone who followed takes.
import { afterEach, describe, expect, it } from 'vitest'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { checkDeviceCertificate, issueDeviceCertificateFor, revokeDevice } from '../../shared/identity/device-certificate'
import { makeRecoveryWords, recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { makeRotationRecord } from '../../shared/identity/rotation-record'
import { checkLinkedCertificate, LINKED_RECOVERY_RECORD_KEY } from '../../shared/linking/link-rotation'
import { parseLinkPackage } from '../../shared/linking/link-protocol'
import { bytesEqual, toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import type { RecoveryAsked } from '../../node-tab/node-wiring'
import type { OwnDeviceRow } from '../../node-tab/storage/rows'
import { NewDeviceLink } from '../../node-tab/linking/new-device'
import { needsSigningKey } from '../../node-tab/devices/own-devices'
import { toldRevokedBefore } from '../../node-tab/devices/revoked-here'
import { NodeDatabase } from '../../node-tab/storage/db'
import { loadOrCreateIdentity, storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { exportBackup } from '../../node-tab/backup/export'
import { importBackup } from '../../node-tab/backup/import'
import { blobSource } from '../../shared/backup/backup-format'
import { RECOVERY_RECORD_KEY } from '../../node-tab/storage/signed-settings'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Transport } from '../../shared/wire/transport'
import { befriend, connectNodes, NodeSet, pullUntil, reaches, signingOf, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

const deviceOf = (full: KithNode, role: 'full' | 'server', name: string): Promise<KithNode> => sets.checkedDeviceOf(full, role, name)

type LinkCode = { openLinkCode: (ctx: { connect?: unknown }, input: string, signal?: AbortSignal) => Promise<unknown> }

/** A real link from `approver` (its own openLinkCode, as the Devices tab
 *  calls it) to a new browser, over a direct line instead of a swarm. The
 *  person confirms on the new device. Returns the new device's node and
 *  every message the approver sent it. */
async function link (approver: KithNode, role: 'full' | 'server', name: string): Promise<{ node: KithNode, sent: Uint8Array[] }> {
  const db = new NodeDatabase(`linked-${name}-${Math.random()}`)
  let onTransport: ((t: Transport) => Promise<void>) | null = null
  const fresh = new NewDeviceLink({
    name,
    serverOnly: role === 'server',
    autoConfirm: true,
    trackers: [],
    rtcConfig: {},
    onLinked: async (linked) => { await storeLinkedIdentity(db, linked) },
    listen: (l) => { onTransport = l.onTransport; return { stop: () => { onTransport = null } } }
  })
  const sent: Uint8Array[] = []
  const connect = async (): Promise<Transport> => {
    const [a, b] = createMemoryTransportPair()
    const send = a.send.bind(a)
    a.send = (bytes) => { sent.push(bytes.slice()); send(bytes) }
    void onTransport!(b)
    return a
  }
  const opts = (approver.ownDevices as unknown as { opts: { load: () => Promise<LinkCode> } }).opts
  const load = opts.load
  opts.load = async () => {
    const code = await load()
    return { ...code, openLinkCode: (ctx, input, signal) => code.openLinkCode({ ...ctx, connect }, input, signal) }
  }
  try {
    const state = fresh.state
    if (state.step !== 'waiting') throw new Error(`no code shown: ${state.step}`)
    const step = await approver.ownDevices.openLinkCode(state.codeText)
    await step.approve({ name, role })
    await until(() => fresh.state.step === 'linked')
  } finally {
    opts.load = load
    fresh.cancel()
  }
  const node = await sets.open(db)
  await node.verify()
  return { node, sent }
}

/** Whether `needle` occurs in any of `frames`. */
const carried = (frames: readonly Uint8Array[], needle: Uint8Array): boolean =>
  frames.some((f) => { for (let i = 0; i + needle.length <= f.length; i++) if (bytesEqual(f.subarray(i, i + needle.length), needle)) return true; return false })

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

/** `teller` tells `friend` of these revocations, as the notice sender does. */
async function tell (teller: KithNode, friend: KithNode, revocations: unknown[]): Promise<void> {
  const session = await connectNodes(teller, friend)
  await session.rpc.call('deviceRevoked', { revocations } as never)
  session.rpc.close('told')
  await until(() => teller.sessions.size === 0 && friend.sessions.size === 0)
}

const followedBy = (node: KithNode, person: KithNode): number => node.rotations.rotationsOf(person.identityKey)?.keys.n ?? -1
const dev = (node: KithNode): string => node.me.deviceHex

/** Alice: a phone, a stolen laptop, a tablet (all full) and a Pi; her words
 *  set up and known to every device; Bob and Carol, her friends, kept her
 *  recovery record. Alice rotates on the phone, keeps the phone, the tablet
 *  and the Pi, revokes the laptop; Bob follows from the phone, Carol not yet. */
async function rotated () {
  const phone = await sets.open()
  await phone.verify()
  await phone.setDisplayName('Alice')
  await phone.ownDevices.renameThisDevice('Phone')
  const laptop = await deviceOf(phone, 'full', 'Laptop')
  const tablet = await deviceOf(phone, 'full', 'Tablet')
  const pi = await deviceOf(phone, 'server', 'Pi')
  const bob = await sets.open()
  await bob.verify()
  const carol = await sets.open()
  await carol.verify()
  await befriend(phone, bob)
  await befriend(phone, carol)
  const words = makeRecoveryWords()
  await phone.setUpRecovery(recoveryKeyFromWords(words).publicKey)
  const since = await phone.recoverySince()
  for (const device of [pi, tablet]) await pullUntil(device, phone, async () => await device.recoverySince() === since)
  for (const friend of [bob, carol]) expect(await meet(friend, phone)).toBe('kept')
  await phone.rotate(words, { keep: [dev(phone), dev(tablet), dev(pi)], revoke: [dev(laptop)] })
  await reaches(bob, phone)
  await until(() => followedBy(bob, phone) === 1)
  return { phone, laptop, tablet, pi, bob, carol, words }
}

describe('after a rotation, the device that rotated links a new laptop', () => {
  it('Bob, who followed, accepts the new laptop as Alice and gets her items from it; the laptop holds the chain and S₁', async () => {
    const s = await rotated()
    const note = await s.phone.items.create({ type: 'note', text: 'after the theft', audience: { kind: 'friends' } })
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    // Signed by S₁, which the new laptop holds; it follows the chain itself.
    expect(followedBy(laptop, laptop)).toBe(1)
    expect(laptop.rotations.rotated).toBe(1)
    const signing = await laptop.rotations.signingKey()
    expect(signing && bytesEqual(signing.publicKey, s.bob.rotations.rotationsOf(s.phone.identityKey)!.keys.signingKey)).toBe(true)
    expect(laptop.rotations.hello()).toHaveLength(1)
    // The phone lists it (its certificate S₁-signed) and it gets Alice's items and friends by sync.
    expect((await s.phone.devices.list()).some((d) => d.key === dev(laptop) && d.revocation === null)).toBe(true)
    await pullUntil(laptop, s.phone, async () => (await laptop.items.get(note.id)) !== undefined && (await laptop.friends.get(s.bob.keyHex)) !== undefined)
    const session = await connectNodes(s.bob, laptop)
    expect(toHex(session.remoteDevice.deviceKey)).toBe(dev(laptop))
    const listed = await session.rpc.call('listItems', { limit: 50 })
    expect(listed.items.map((i) => i.text)).toEqual(['after the theft'])
    session.rpc.close('done')
  })

  it('a friend who never saw the rotation follows it from the new laptop’s hello, and then refuses the stolen laptop', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    await pullUntil(laptop, s.phone, async () => (await laptop.friends.get(s.carol.keyHex)) !== undefined)
    expect(followedBy(s.carol, s.phone)).toBe(0)
    await reaches(s.carol, laptop)
    await until(() => followedBy(s.carol, s.phone) === 1)
    await expect(connectNodes(s.carol, s.laptop)).rejects.toThrow(/not signed by the person|revoked/)
  })

  it('Alice’s kept devices accept the new laptop: the Pi follows from it, and both sync', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    expect(followedBy(s.pi, s.pi)).toBe(0)
    await s.phone.setDisplayName('Alice, new laptop')
    await pullUntil(laptop, s.phone, async () => laptop.profile.displayName === 'Alice, new laptop')
    await pullUntil(s.pi, laptop, async () => (await s.pi.db.settings.get('profile.displayName'))?.value === 'Alice, new laptop')
    expect(followedBy(s.pi, s.pi)).toBe(1)
    expect((await s.pi.devices.list()).some((d) => d.key === dev(laptop))).toBe(true)
  })

  it('the new laptop, holding S₁, links and revokes in turn (its link is checked against the chain too)', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    await pullUntil(laptop, s.phone, async () => (await laptop.devices.list()).some((d) => d.key === dev(s.pi)))
    const { node: pi2 } = await link(laptop, 'server', 'Second Pi')
    expect(followedBy(pi2, pi2)).toBe(1)
    // The laptop showed, for the link only, a certificate the identity key
    // signs: not stored (it would sync over its S₁ one); the laptop dials the Pi itself.
    expect(await pi2.db.devices.get(dev(laptop))).toBeUndefined()
    await reaches(laptop, pi2)
    await laptop.ownDevices.revoke(dev(s.tablet))
    const revocation = (await laptop.devices.revocations()).find((r) => toHex(r.deviceKey) === dev(s.tablet))!
    await tell(s.phone, s.bob, [revocation])
    await expect(connectNodes(s.bob, s.tablet)).rejects.toThrow(/revoked/)
  })

  it('a device linked after the rotation keeps its S₁ certificate across a reopen, and across a backup restored elsewhere', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    const backup = await exportBackup(laptop.db, 'a long passphrase for tests', { kdf: { N: 2 ** 10, r: 8, p: 1 } })
    laptop.close()
    const again = await sets.open(new NodeDatabase(laptop.db.name))
    await again.verify()
    expect(again.rotations.rotated).toBe(1)
    await reaches(s.bob, again)
    again.close()
    const elsewhere = new NodeDatabase(`restored-${Math.random()}`)
    await loadOrCreateIdentity(elsewhere) // as a fresh browser's first open does
    await importBackup(elsewhere, blobSource(backup), 'a long passphrase for tests')
    const restored = await sets.open(new NodeDatabase(elsewhere.name))
    await restored.verify()
    expect(restored.rotations.rotated).toBe(1)
    expect(await restored.rotations.signingKey()).not.toBeNull()
    await reaches(s.bob, restored)
  })
})

describe('renaming after a rotation', () => {
  it('a device linked after it renames with S₁ (still accepted, also after a reopen); a kept one stays the identity key’s', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    await laptop.ownDevices.renameThisDevice('Work laptop')
    const s1 = (await laptop.rotations.signingKey())!
    expect(checkDeviceCertificate(laptop.credentials.certificate, { identityKey: s.phone.identityKey, signingKey: s1.publicKey, now: Date.now() }).name).toBe('Work laptop')
    await reaches(s.bob, laptop)
    laptop.close()
    const again = await sets.open(new NodeDatabase(laptop.db.name))
    await again.verify()
    await reaches(s.bob, again)
    await s.phone.ownDevices.renameThisDevice('My phone')
    expect(checkDeviceCertificate(s.phone.credentials.certificate, { identityKey: s.phone.identityKey, now: Date.now() }).name).toBe('My phone')
    await reaches(s.bob, s.phone)
  })
})

describe('attack: the thief after the rotation', () => {
  it('a device the thief certifies with S₀ after the rotation is refused by Bob and by Alice’s own devices, old and new', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    const thiefs = await deviceOf(s.laptop, 'full', 'Thief')
    await expect(connectNodes(s.bob, thiefs)).rejects.toThrow(/not signed by the person/)
    await expect(connectNodes(laptop, thiefs)).rejects.toThrow(/not signed by the person/)
    await expect(connectNodes(s.phone, thiefs)).rejects.toThrow(/not signed by the person/)
  })

  it('after a second rotation, S₁ certifies nothing: a device S₁ certifies then is refused', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    const s1 = (await laptop.rotations.signingKey())!
    // Alice rotates again from the phone (the new laptop kept); S₁ leaked with the new laptop, say.
    await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(laptop), dev(s.pi)], revoke: [dev(s.tablet)] })
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 2)
    await reaches(s.bob, laptop) // kept: re-certified by S₂ inside the record
    const thiefs = generateSigningKeyPair()
    const cert = issueDeviceCertificateFor(s.phone.identityKey, s1, { publicKey: thiefs.publicKey, name: 'Thief', role: 'full' }, Date.now())
    const db = new NodeDatabase(`thief-${Math.random()}`)
    await storeLinkedIdentity(db, {
      identityKey: s.phone.identityKey, identitySecretKey: (await signingOf(s.laptop)).secretKey, device: thiefs, certificate: cert,
      approver: s.phone.credentials.certificate!, devicesSecret: new Uint8Array(32), displayName: 'A'
    })
    await db.identity.update('device', { certifiedBy: s1.publicKey } as Partial<OwnDeviceRow>)
    const node = await sets.open(db)
    await node.verify()
    await expect(connectNodes(s.bob, node)).rejects.toThrow(/not signed by the person/)
    // And the new laptop, once it follows rotation 2, no longer holds the newest key: it refuses, saying where.
    await reaches(s.phone, laptop)
    await until(() => followedBy(laptop, laptop) === 2)
    await expect(laptop.ownDevices.revoke(dev(s.phone))).rejects.toThrow(/only the device you rotated on/)
  })

  it('a certificate “signed by S₁” with a key of the thief’s own is refused', async () => {
    const s = await rotated()
    const forger = generateSigningKeyPair()
    const device = generateSigningKeyPair()
    const cert = issueDeviceCertificateFor(s.phone.identityKey, forger, { publicKey: device.publicKey, name: 'New laptop', role: 'full' }, Date.now())
    const db = new NodeDatabase(`forged-${Math.random()}`)
    await storeLinkedIdentity(db, {
      identityKey: s.phone.identityKey, identitySecretKey: (await signingOf(s.laptop)).secretKey, device, certificate: cert,
      approver: s.phone.credentials.certificate!, devicesSecret: new Uint8Array(32), displayName: 'A'
    })
    await db.identity.update('device', { certifiedBy: forger.publicKey } as Partial<OwnDeviceRow>)
    const node = await sets.open(db)
    await node.verify()
    await expect(connectNodes(s.bob, node)).rejects.toThrow(/not signed by the person/)
    await expect(connectNodes(s.phone, node)).rejects.toThrow(/not signed by the person/)
  })
})

describe('revoking after a rotation', () => {
  it('a revocation S₁ signs is taken by Bob and by Alice’s own devices', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    await reaches(s.bob, laptop)
    await s.phone.ownDevices.revoke(dev(laptop))
    const revocation = (await s.phone.devices.revocations()).find((r) => toHex(r.deviceKey) === dev(laptop))!
    await tell(s.phone, s.bob, [revocation])
    await expect(connectNodes(s.bob, laptop)).rejects.toThrow(/revoked/)
    // The Pi follows the rotation and pulls the revocation from the phone.
    await pullUntil(s.pi, s.phone, async () => (await s.pi.devices.list()).some((d) => d.key === dev(laptop) && d.revocation !== null))
    await expect(connectNodes(s.pi, laptop)).rejects.toThrow(/revoked/)
    // A kept device too (its certificate is in the record): S₁ revokes it.
    await s.phone.ownDevices.revoke(dev(s.tablet))
    const tablet = (await s.phone.devices.revocations()).find((r) => toHex(r.deviceKey) === dev(s.tablet))!
    await tell(s.phone, s.bob, [tablet])
    await expect(connectNodes(s.bob, s.tablet)).rejects.toThrow(/revoked/)
  })

  it('attack: one the thief signs with S₀ after the rotation is not taken, by Bob nor by Alice’s devices', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    const old = await signingOf(s.laptop)
    const forged = revokeDevice(old, laptop.credentials.device.publicKey, Date.now())
    await tell(s.pi, s.bob, [forged])
    await reaches(s.bob, laptop)
    // Among Alice's devices, as if synced to the Pi (a row S₀ signed beside the laptop's S₁ certificate).
    await s.pi.db.devices.put({ deviceKey: dev(laptop), certificate: (await s.phone.devices.list()).find((d) => d.key === dev(laptop))!.certificate, revocation: forged })
    await reaches(s.phone, s.pi)
    await until(() => followedBy(s.pi, s.pi) === 1)
    await s.pi.devices.load()
    expect((await s.pi.devices.list()).find((d) => d.key === dev(laptop))?.revocation).toBeNull()
    await reaches(s.pi, laptop)
  })
})

describe('a second rotation', () => {
  it('revokes a device linked after the first: listed as revoked on Alice’s devices, refused by Bob', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    await reaches(s.bob, laptop)
    await s.phone.rotate(s.words, { keep: [dev(s.phone), dev(s.tablet), dev(s.pi)], revoke: [dev(laptop)] })
    expect((await s.phone.devices.list()).find((d) => d.key === dev(laptop))?.revocation).not.toBeNull()
    await pullUntil(s.pi, s.phone, async () => followedBy(s.pi, s.pi) === 2 && (await s.pi.devices.list()).find((d) => d.key === dev(laptop))?.revocation != null)
    await reaches(s.bob, s.phone)
    await until(() => followedBy(s.bob, s.phone) === 2)
    await expect(connectNodes(s.bob, laptop)).rejects.toThrow(/not signed by the person|revoked/)
  })
})

describe('a server device told of its own revocation after a rotation', () => {
  it('the Pi, revoked by the phone with S₁ while online, hears it and stops; one S₀ signs, told by a kept device, does not stop it', async () => {
    const s = await rotated()
    await reaches(s.phone, s.pi)
    await until(() => followedBy(s.pi, s.pi) === 1)
    let told: unknown = null
    s.pi.revoked.catch((err: unknown) => { told = err })
    // The thief's key, carried by a kept device (the tablet holds S₀ too).
    const forged = revokeDevice(await signingOf(s.tablet), s.pi.credentials.device.publicKey, Date.now())
    const fromTablet = await connectNodes(s.tablet, s.pi)
    await fromTablet.rpc.call('deviceRevoked', { revocations: [forged] })
    fromTablet.rpc.close('told')
    expect(await toldRevokedBefore(s.pi.db)).toBeNull()
    expect(told).toBeNull()
    await connectNodes(s.pi, s.phone)
    await until(() => s.phone.deviceSessions.isOnline(dev(s.pi)))
    await s.phone.ownDevices.revoke(dev(s.pi))
    await until(() => told !== null)
    expect((told as Error).message).toMatch(/^This device was revoked by Phone on /)
  })
})

describe('what a link after a rotation gives away', () => {
  it('a server device never receives S₁ (nothing the phone sends it holds it), and cannot link or revoke', async () => {
    const s = await rotated()
    const s1 = (await s.phone.rotations.signingKey())!
    const { node: pi2, sent } = await link(s.phone, 'server', 'Second Pi')
    expect(sent.length).toBeGreaterThan(0)
    expect(carried(sent, s1.secretKey.subarray(0, 32))).toBe(false)
    expect(await pi2.rotations.signingKey()).toBeNull()
    expect(followedBy(pi2, pi2)).toBe(1)
    await expect(pi2.ownDevices.revoke(dev(s.tablet))).rejects.toThrow(/Only a full device/)
    // The same search finds S₁ in what a full device is sent: the inspection sees it.
    const { sent: toFull } = await link(s.phone, 'full', 'New laptop')
    expect(carried(toFull, s1.secretKey.subarray(0, 32))).toBe(true)
  })

  it('a kept full device without S₁ refuses to link or revoke, and says where it can be done, by name', async () => {
    const s = await rotated()
    await reaches(s.phone, s.tablet)
    await until(() => followedBy(s.tablet, s.tablet) === 1)
    expect(await s.tablet.rotations.signingKey()).toBeNull()
    expect(s.tablet.rotations.holdsSigningKey).toBe(false)
    expect(s.phone.rotations.holdsSigningKey).toBe(true)
    // Before it learns which device holds S₁: the words say where, without a name.
    await expect(s.tablet.ownDevices.openLinkCode('anything')).rejects.toThrow(needsSigningKey('link'))
    expect(needsSigningKey('link')).toMatch(/Link it from that device, or rotate again with your recovery words/)
    // The phone's row, synced, proves (signed by S₁) that it holds S₁.
    await pullUntil(s.tablet, s.phone, async () => { await s.tablet.ownDevices.refreshCount(); return s.tablet.ownDevices.signingElsewhere('link').includes('“Phone”') })
    await expect(s.tablet.ownDevices.openLinkCode('anything')).rejects.toThrow('Link it from “Phone”, or rotate again with your recovery words')
    await expect(s.tablet.ownDevices.revoke(dev(s.pi))).rejects.toThrow('Revoke it from “Phone”, or rotate again with your recovery words')
  })

  it('attack: a holder’s word not signed by S₁ (a row bent by sync, or signed by S₀) names nobody', async () => {
    const s = await rotated()
    await reaches(s.phone, s.tablet)
    await until(() => followedBy(s.tablet, s.tablet) === 1)
    const { proveHolder } = await import('../../shared/identity/signing-key-holder')
    const old = await signingOf(s.laptop)
    // On the phone's row as the tablet holds it (a full device it keeps), before the real one syncs.
    const bent = [proveHolder(old, s.phone.identityKey, s.phone.credentials.device.publicKey, 1), { n: 1, signature: new Uint8Array(64) }, { n: 0 }, 'Phone']
    for (const signingKeyHolder of bent) {
      await s.tablet.db.devices.update(dev(s.phone), { signingKeyHolder })
      await s.tablet.ownDevices.refreshCount()
      expect(s.tablet.ownDevices.signingElsewhere('link')).toBe(needsSigningKey('link'))
    }
    // The same row with S₁'s word names it: the check above is what refused.
    await s.tablet.db.devices.update(dev(s.phone), { signingKeyHolder: proveHolder((await s.phone.rotations.signingKey())!, s.phone.identityKey, s.phone.credentials.device.publicKey, 1) })
    await s.tablet.ownDevices.refreshCount()
    expect(s.tablet.ownDevices.signingElsewhere('link')).toContain('Link it from “Phone”')
  })

  it('a full device linked after the rotation holds S₁ and is named too; the phone’s word survives the laptop’s copy of its row', async () => {
    const s = await rotated()
    const { node: laptop } = await link(s.phone, 'full', 'New laptop')
    expect(laptop.rotations.holdsSigningKey).toBe(true)
    // The laptop stored the phone's row from the link (the record's S₁ certificate, no word);
    // synced both ways, the phone's word is kept on both.
    const phoneRow = await laptop.db.devices.get(dev(s.phone))
    expect(phoneRow?.signingKeyHolder).toBeUndefined()
    expect(bytesEqual((phoneRow!.certificate as { signature: Uint8Array }).signature, s.phone.rotations.hello()[0]!.kept.find((c) => toHex(c.deviceKey) === dev(s.phone))!.signature)).toBe(true)
    await s.phone.setDisplayName('Alice again')
    await laptop.ownDevices.renameThisDevice('New laptop')
    await pullUntil(laptop, s.phone, async () => laptop.profile.displayName === 'Alice again' && (await laptop.db.devices.get(dev(s.phone)))?.signingKeyHolder !== undefined)
    await laptop.setDisplayName('Alice, from the laptop')
    await pullUntil(s.phone, laptop, async () => s.phone.profile.displayName === 'Alice, from the laptop')
    expect((await s.phone.db.devices.get(dev(s.phone)))?.signingKeyHolder).toBeDefined()
    await reaches(s.phone, s.tablet)
    await until(() => followedBy(s.tablet, s.tablet) === 1)
    await pullUntil(s.tablet, s.phone, async () => { await s.tablet.ownDevices.refreshCount(); return s.tablet.ownDevices.signingElsewhere('link').includes('“New laptop”') })
    expect(s.tablet.ownDevices.signingElsewhere('link')).toContain('only “New laptop” or “Phone” hold your new signing key')
  })
})

describe('the link package after a rotation, checked as hostile input', () => {
  async function parts () {
    const s = await rotated()
    const forLink = (await s.phone.rotations.forLink())!
    const device = generateSigningKeyPair()
    const cert = (role: 'full' | 'server', key = forLink.signingKey) =>
      issueDeviceCertificateFor(s.phone.identityKey, key, { publicKey: device.publicKey, name: 'New', role }, Date.now())
    return { s, forLink, cert }
  }

  it('takes a chain R signed with a certificate S₁ signed; refuses one for a server that carries S₁, and a full one whose S₁ is wrong', async () => {
    const { s, forLink, cert } = await parts()
    const rotation = { recoveryRecord: forLink.recoveryRecord, records: forLink.records }
    const full = { ...rotation, signingSecretKey: forLink.signingKey.secretKey }
    expect(checkLinkedCertificate(cert('full'), full, s.phone.identityKey, Date.now()).rotation?.signingKey).not.toBeNull()
    expect(checkLinkedCertificate(cert('server'), rotation, s.phone.identityKey, Date.now()).rotation?.signingKey).toBeNull()
    expect(() => checkLinkedCertificate(cert('server'), full, s.phone.identityKey, Date.now())).toThrow(/server device must never hold/)
    expect(() => checkLinkedCertificate(cert('full'), rotation, s.phone.identityKey, Date.now())).toThrow(/needs the signing key/)
    expect(() => checkLinkedCertificate(cert('full'), { ...rotation, signingSecretKey: generateSigningKeyPair().secretKey }, s.phone.identityKey, Date.now())).toThrow(/not the one the last rotation names/)
  })

  it('refuses a certificate S₀ signs, a chain not signed by R, and a recovery record not the person’s', async () => {
    const { s, forLink, cert } = await parts()
    const rotation = { recoveryRecord: forLink.recoveryRecord, records: forLink.records }
    const old = await signingOf(s.laptop)
    expect(() => checkLinkedCertificate(cert('server', old), rotation, s.phone.identityKey, Date.now())).toThrow(/not signed by the person/)
    const thiefR = generateSigningKeyPair()
    const forged = makeRotationRecord(thiefR, { identityKey: s.phone.identityKey, n: 0, head: new Uint8Array(32) }, generateSigningKeyPair(), [], [], Date.now())
    expect(() => checkLinkedCertificate(cert('server'), { ...rotation, records: [forged] }, s.phone.identityKey, Date.now())).toThrow(/not signed by the person’s recovery key/)
    expect(() => checkLinkedCertificate(cert('server'), { ...rotation, records: [] }, s.phone.identityKey, Date.now())).toThrow(/no rotation/)
    const bent = { ...rotation.recoveryRecord, at: rotation.recoveryRecord.at + 1 }
    expect(() => checkLinkedCertificate(cert('server'), { ...rotation, recoveryRecord: bent }, s.phone.identityKey, Date.now())).toThrow(/recovery record is not the person’s/)
  })

  it('an older new device, which knows no rotation field, refuses the S₁ certificate cleanly; malformed fields are refused', async () => {
    const { s, forLink, cert } = await parts()
    // What an older device does: the package without the field, checked against the identity key.
    expect(() => checkLinkedCertificate(cert('server'), undefined, s.phone.identityKey, Date.now())).toThrow(/not signed by the person/)
    const base = { certificate: cert('server'), devicesSecret: new Uint8Array(32), displayName: 'A' }
    expect(parseLinkPackage({ ...base, rotation: { recoveryRecord: forLink.recoveryRecord, records: forLink.records } }).rotation?.records).toHaveLength(1)
    for (const rotation of [null, 7, { recoveryRecord: forLink.recoveryRecord, records: 'x' }, { recoveryRecord: forLink.recoveryRecord, records: new Array(65).fill(0) },
      { recoveryRecord: { ...forLink.recoveryRecord, value: new Uint8Array(5000) }, records: forLink.records },
      { recoveryRecord: forLink.recoveryRecord, records: forLink.records, signingSecretKey: new Uint8Array(3) }]) {
      expect(() => parseLinkPackage({ ...base, rotation })).toThrow(/incomplete link/)
    }
    expect(LINKED_RECOVERY_RECORD_KEY).toBe(RECOVERY_RECORD_KEY)
  })
})
