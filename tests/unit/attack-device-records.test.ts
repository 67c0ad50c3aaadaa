// A server device of the person (a Pi) syncs its database to the full
// devices, and a stolen one writes whatever it likes into its own database
// first. None of it may change who may act as the person, who was told of a
// revocation, or whether the person is discoverable (DESIGN §6a): each rule
// here is one such record, written by a server device as an attacker would,
// and pulled by a full device over a real device session.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { addressMeeting, inviteMeeting, pairMeeting } from '../../shared/rendezvous/meetings'
import type { KithNode } from '../../node-tab/node'
import { USED_INVITE_REACHABLE_MS } from '../../node-tab/rendezvous/meeting-plan'
import { loadOrCreateDevicesSecret } from '../../node-tab/storage/identity-store'
import { DEVICES_SECRET_KEY, DISCOVERABLE_KEY } from '../../node-tab/storage/signed-settings'
import { signUnsignedSettings } from '../../node-tab/storage/signed-setting-writes'
import { befriend, connectNodes, NodeSet, pullUntil, signingOf, until } from './device-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

/** `to` pulls everything `from` has (a device session, as when they meet),
 *  and the session closes again. */
const pullFrom = (to: KithNode, from: KithNode): Promise<void> => pullUntil(to, from, () => to.deviceSync.summary() === 'up to date')

/** Another full device of the same person as `full` (a phone), as a link leaves it. */
async function fullDeviceOf (full: KithNode): Promise<KithNode> {
  const phone = await sets.fullDeviceOf(full, 'Phone')
  await phone.verify()
  return phone
}

/** Whether `node` sits in its address swarm, where strangers find it. */
async function inAddressSwarm (node: KithNode): Promise<boolean> {
  const topics = (await node.listenTopics(7)).map((m) => m.topic)
  return topics.includes(addressMeeting(node.identityKey, 7).topic)
}

/** Whether `node` sits in the swarm that `secret` names for the friendship with `friend`. */
async function listensIn (node: KithNode, secret: Uint8Array): Promise<boolean> {
  const topics = (await node.listenTopics(7)).map((m) => m.topic)
  return topics.includes(pairMeeting(secret, 7, node.identityKey).topic)
}

/** Where Bob meets Alice now, as Bob holds it. */
async function bobsSecret (bob: KithNode, alice: KithNode): Promise<Uint8Array> {
  await bob.listenTopics(7) // stores the one computed from the keys, if that is still it
  return (await bob.friends.get(alice.keyHex))!.pairSecret!
}

/** Another server device of the laptop's, revoked: the laptop has a new
 *  meeting secret for each friend, to tell them. */
async function revokeAnother (laptop: KithNode): Promise<void> {
  const other = await sets.serverDeviceOf(laptop, 'Old Pi')
  await laptop.revokeDevice(toHex(other.credentials.device.publicKey))
}

/** A laptop (full device), its Pi (server device) and a friend, Bob, whose
 *  friendship (row, grant and meeting secret) the Pi already holds. */
async function laptopPiAndBob (): Promise<{ laptop: KithNode, pi: KithNode, bob: KithNode, piHex: string }> {
  const laptop = await sets.open()
  const pi = await sets.serverDeviceOf(laptop)
  const bob = await sets.open()
  await befriend(laptop, bob)
  await laptop.listenTopics(1) // the meeting secret, stored for the Pi
  await pullFrom(pi, laptop)
  expect(await pi.friends.get(bob.keyHex)).toBeDefined()
  return { laptop, pi, bob, piHex: toHex(pi.credentials.device.publicKey) }
}

describe('who was told of a revocation', () => {
  it('a Pi that marks its own revocation as told to every friend, before it is revoked, does not keep friends from hearing of it', async () => {
    const { laptop, pi, bob, piHex } = await laptopPiAndBob()
    // The stolen Pi writes, into its own database, that Bob already knows.
    const row = (await pi.db.friends.get(bob.keyHex))!
    await pi.db.friends.put({ ...row, toldRevocations: [piHex] })
    await pullFrom(laptop, pi)

    await laptop.revokeDevice(piHex)
    await connectNodes(laptop, bob)
    laptop.noticeSender.start()
    // The laptop tells Bob (the revocation and the new meeting secret go
    // together, so once the secret moved Bob was told whatever he was).
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    expect(bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(true)
  })
})

describe('who may act as the person', () => {
  it('a Pi that deletes its own device row cannot drop out of the full device’s list, and is still revoked', async () => {
    const { laptop, pi, piHex } = await laptopPiAndBob()
    await pi.db.devices.delete(piHex)
    await pullFrom(laptop, pi)
    expect((await laptop.devices.list()).map((d) => d.key)).toContain(piHex)
    await laptop.revokeDevice(piHex)
    expect(laptop.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(true)
  })
})

describe('whether the person is discoverable', () => {
  it('a Pi that syncs “discoverable” does not make the full device discoverable', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    await pi.db.putSetting(DISCOVERABLE_KEY, true)
    await pullFrom(laptop, pi)
    await laptop.settings.reload()
    expect(laptop.discoverable).toBe(false)
    expect(await inAddressSwarm(laptop)).toBe(false)
  })

  it('nor by sending again an older choice the laptop signed', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    await laptop.setDiscoverable(true)
    await pullFrom(pi, laptop)
    const signedTrue = (await pi.db.settings.get(DISCOVERABLE_KEY))!
    await laptop.setDiscoverable(false)
    await pullFrom(pi, laptop)
    await pi.db.settings.put(signedTrue)
    await pullFrom(laptop, pi)
    await laptop.settings.reload()
    expect(laptop.discoverable).toBe(false)
    expect(await inAddressSwarm(laptop)).toBe(false)
  })

  it('a value saved before values were signed, signed now by a device that was away, does not override a later choice', async () => {
    const { laptop } = await laptopPiAndBob()
    const phone = await fullDeviceOf(laptop)
    await phone.db.putSetting(DISCOVERABLE_KEY, true) // as an older version left it
    await laptop.setDiscoverable(true)
    await laptop.setDiscoverable(false)
    await signUnsignedSettings(phone.db, await signingOf(laptop))
    await pullFrom(laptop, phone)
    await laptop.settings.reload()
    expect(laptop.discoverable).toBe(false)
    await until(() => !phone.discoverable)
  })

  it('the person’s own choice on the laptop reaches the Pi, and through it the phone', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    const phone = await fullDeviceOf(laptop)
    await laptop.setDiscoverable(true)
    await pullFrom(pi, laptop)
    await until(() => pi.discoverable)
    await pullFrom(phone, pi)
    await until(() => phone.discoverable)
    expect(await inAddressSwarm(phone)).toBe(true)
    // And back off, from the phone, through the Pi.
    await phone.setDiscoverable(false)
    await pullFrom(pi, phone)
    await pullFrom(laptop, pi)
    await until(() => !laptop.discoverable)
  })

  it('a server device cannot choose it itself', async () => {
    const { pi } = await laptopPiAndBob()
    await expect(pi.setDiscoverable(true)).rejects.toThrow(/Only a full device/)
  })
})

describe('where the person’s devices meet', () => {
  it('a Pi that syncs a devices secret of its choosing does not move the full device there', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    const before = laptop.ownDevices.secret
    await pi.db.putSetting(DEVICES_SECRET_KEY, new Uint8Array(32).fill(9))
    await pullFrom(laptop, pi)
    await laptop.ownDevices.reloadSecret()
    expect(laptop.ownDevices.secret).toEqual(before)
  })

  it('after the Pi is revoked, the devices secret it knew is not brought back by a device that still holds it', async () => {
    const { laptop, pi, piHex } = await laptopPiAndBob()
    const phone = await fullDeviceOf(laptop)
    // As linking the phone left it: the laptop made the devices secret, signed.
    await loadOrCreateDevicesSecret(laptop.db, await signingOf(laptop))
    await pullFrom(pi, laptop)
    await pullFrom(phone, pi)
    const known = (await phone.db.settings.get(DEVICES_SECRET_KEY))!
    expect(known.value).toEqual(await laptop.db.getSetting(DEVICES_SECRET_KEY, (v): v is Uint8Array => v instanceof Uint8Array))
    await laptop.revokeDevice(piHex)
    const fresh = laptop.ownDevices.secret
    expect(fresh).not.toEqual(known.value)
    // The phone, away meanwhile, still holds the old secret, signed; the
    // stolen Pi wrote it there again, later by the sync stamps.
    await phone.db.settings.put(known)
    await pullFrom(laptop, phone)
    await laptop.ownDevices.reloadSecret()
    expect(laptop.ownDevices.secret).toEqual(fresh)
  })
})

describe('where the person meets a friend', () => {
  it('a Pi cannot move the full device to a meeting secret of its choosing, signed or not', async () => {
    const { laptop, pi, bob, piHex } = await laptopPiAndBob()
    const where = await bobsSecret(bob, laptop)
    const row = (await pi.db.friends.get(bob.keyHex))!
    const forged = { since: Date.now(), signature: new Uint8Array(64).fill(3) }
    for (const pairSecretProof of [undefined, forged]) {
      await pi.db.friends.put({ ...row, pairSecret: new Uint8Array(32).fill(9), pairSecretSince: Date.now(), pairSecretProof })
      await pullFrom(laptop, pi)
      expect((await laptop.friends.get(bob.keyHex))!.pairSecret).toEqual(where)
    }
    // Once the Pi is revoked, the laptop still listens where Bob waits, to tell him.
    await laptop.revokeDevice(piHex)
    expect(await listensIn(laptop, where)).toBe(true)
  })

  it('a Pi that says Bob was told the laptop’s new secret, when he was not, leaves the laptop listening where Bob is, to tell him itself', async () => {
    const { laptop, pi, bob } = await laptopPiAndBob()
    const where = await bobsSecret(bob, laptop)
    await revokeAnother(laptop)
    await pullFrom(pi, laptop)
    const row = (await pi.db.friends.get(bob.keyHex))!
    const next = row.nextPairSecret!
    // "Told": the new secret as the one we meet with, nothing left to tell.
    await pi.db.friends.put({
      ...row, pairSecret: next, pairSecretSince: row.nextPairSecretSince, pairSecretProof: row.nextPairSecretProof,
      nextPairSecret: undefined, nextPairSecretSince: undefined, nextPairSecretProof: undefined
    })
    await pullFrom(laptop, pi)
    expect(await listensIn(laptop, where)).toBe(true)
    // The laptop tells Bob itself, and both move on.
    await connectNodes(laptop, bob)
    laptop.noticeSender.start()
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    expect(await bobsSecret(bob, laptop)).toEqual(next)
    expect((await laptop.friends.get(bob.keyHex))!.pairSecret).toEqual(next)
  })

  it('a Pi cannot send the laptop back to an older secret it signed, which the Pi knows', async () => {
    const { laptop, pi, bob } = await laptopPiAndBob()
    const old = (await pi.db.friends.get(bob.keyHex))!
    await revokeAnother(laptop)
    await connectNodes(laptop, bob)
    laptop.noticeSender.start()
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    const now = (await laptop.friends.get(bob.keyHex))!.pairSecret!
    laptop.noticeSender.stop()
    await pi.db.friends.put(old)
    await pullFrom(laptop, pi)
    expect((await laptop.friends.get(bob.keyHex))!.pairSecret).toEqual(now)
  })

  it('a new secret Bob gave the Pi (he revoked a device of his) reaches the laptop through it', async () => {
    const { laptop, pi, bob } = await laptopPiAndBob()
    await bobsSecret(bob, laptop)
    const bobsPi = await sets.serverDeviceOf(bob, 'Bob’s Pi')
    await bob.revokeDevice(toHex(bobsPi.credentials.device.publicKey))
    await connectNodes(bob, pi)
    bob.noticeSender.start()
    await until(async () => (await bob.friends.get(laptop.keyHex))?.nextPairSecret === undefined)
    const moved = (await bob.friends.get(laptop.keyHex))!.pairSecret!
    await pullFrom(laptop, pi)
    expect((await laptop.friends.get(bob.keyHex))!.pairSecret).toEqual(moved)
  })
})

describe('where the person meets a friend, as the person’s own devices move it', () => {
  it('the laptop told Bob its new secret: the phone takes it from the laptop as told, and from the Pi as one to tell', async () => {
    const { laptop, pi, bob } = await laptopPiAndBob()
    const phone = await fullDeviceOf(laptop)
    const viaPi = await fullDeviceOf(laptop)
    await revokeAnother(laptop)
    await connectNodes(laptop, bob)
    laptop.noticeSender.start()
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    const told = (await laptop.friends.get(bob.keyHex))!.pairSecret!
    await pullFrom(phone, laptop)
    const onPhone = (await phone.friends.get(bob.keyHex))!
    expect(onPhone.pairSecret).toEqual(told)
    expect(onPhone.nextPairSecret).toBeUndefined()
    await pullFrom(pi, laptop)
    await pullFrom(viaPi, pi)
    expect(await listensIn(viaPi, told)).toBe(true)
  })
})

describe('who can reach the person through an invite link', () => {
  async function inInviteSwarm (node: KithNode, token: string): Promise<boolean> {
    const topics = (await node.listenTopics(7)).map((m) => m.topic)
    return topics.includes(inviteMeeting(token, 7, node.identityKey).topic)
  }

  it('a withdrawn invite stays withdrawn: a Pi that marks it used does not put the laptop back in its swarm', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    const invite = await laptop.invites.create({ label: 'sent by mistake', expiresInMs: null })
    await laptop.invites.revoke(invite.id)
    await pullFrom(pi, laptop)
    const row = (await pi.db.invites.get(invite.id))!
    await pi.db.invites.put({ ...row, status: 'used', usedBy: toHex(generateSigningKeyPair().publicKey), usedAt: Date.now() })
    await pullFrom(laptop, pi)
    expect((await laptop.db.invites.get(invite.id))!.status).toBe('revoked')
    expect(await inInviteSwarm(laptop, invite.token)).toBe(false)
  })

  it('a used invite’s day in its swarm cannot be made longer', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    const invite = await laptop.invites.create({ label: 'for Carol', expiresInMs: null })
    const carol = generateSigningKeyPair().publicKey
    await laptop.invites.redeem(invite.token, { displayName: 'Carol', address: addressFromPublicKey(carol) }, carol)
    // As if its day had passed.
    await laptop.db.invites.update(invite.id, { usedAt: Date.now() - USED_INVITE_REACHABLE_MS - 1 })
    expect(await inInviteSwarm(laptop, invite.token)).toBe(false)
    await pullFrom(pi, laptop)
    const row = (await pi.db.invites.get(invite.id))!
    for (const usedAt of [Date.now(), Date.now() + 365 * 24 * 3600 * 1000]) {
      await pi.db.invites.put({ ...row, usedAt })
      await pullFrom(laptop, pi)
      expect(await inInviteSwarm(laptop, invite.token)).toBe(false)
    }
  })

  it('nor by a use dated in the future', async () => {
    const { laptop, pi } = await laptopPiAndBob()
    const invite = await laptop.invites.create({ label: 'for Dan', expiresInMs: 60_000 })
    await pullFrom(pi, laptop)
    const row = (await pi.db.invites.get(invite.id))!
    await pi.db.invites.put({ ...row, status: 'used', usedBy: toHex(generateSigningKeyPair().publicKey), usedAt: Date.now() + 365 * 24 * 3600 * 1000 })
    await pullFrom(laptop, pi)
    expect(await inInviteSwarm(laptop, invite.token)).toBe(false)
  })
})
