// learnFriendRevocations (node-tab/devices/friend-revocations.ts): a friend
// tells us some of their devices were revoked. Real devices and friends
// stores on fake-indexeddb; the session registry is a recorder.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../shared/util/bytes'
import { generateSigningKeyPair } from '../../../shared/crypto/crypto'
import { issueDeviceCertificate, revokeDevice, type DeviceRole } from '../../../shared/identity/device-certificate'
import type { RemoteDevice } from '../../../shared/identity/device-credentials'
import { createIdentity, type Identity } from '../../../shared/identity/identity'
import { proveMeetingSecret } from '../../../shared/identity/meeting-secret-grants'
import type { DeviceRevokedParams } from '../../../shared/protocol/protocol'
import { learnFriendRevocations } from '../../../node-tab/devices/friend-revocations'
import { DevicesStore } from '../../../node-tab/storage/devices-store'
import { FriendsStore } from '../../../node-tab/storage/friends-store'
import { befriend, freshDb, person, type Person } from '../store-fixtures'

const YEAR = 365 * 24 * 60 * 60 * 1000

async function world () {
  const db = freshDb()
  const me = createIdentity()
  const devices = new DevicesStore(db, me.publicKey)
  const friends = new FriendsStore(db)
  const closed: Array<[string, string, string]> = []
  const sessions = { closeDevice: (keyHex: string, deviceHex: string, reason: string) => { closed.push([keyHex, deviceHex, reason]) } }
  const bob = person('Bob')
  await befriend(friends, bob)
  const learn = (told: DeviceRevokedParams, device?: RemoteDevice): Promise<void> =>
    learnFriendRevocations({ devices, friends, sessions }, bob.identity.publicKey, told, device)
  const secretNow = async (): Promise<Uint8Array | undefined> => (await friends.get(bob.key))?.pairSecret
  return { devices, friends, closed, bob, learn, secretNow }
}

/** One of `who`'s devices, as the handshake proves it. */
function deviceOf (who: Person, role: DeviceRole): RemoteDevice {
  const keys = generateSigningKeyPair()
  return { identityKey: who.identity.publicKey, deviceKey: keys.publicKey, certificate: issueDeviceCertificate(who.identity, { publicKey: keys.publicKey, name: role, role }, Date.now()) }
}

const secret = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

describe('learnFriendRevocations', () => {
  it('a revocation the friend signed: that device is refused as them from now on, and its sessions close', async () => {
    const { devices, closed, bob, learn } = await world()
    const stolen = deviceOf(bob, 'server')
    await learn({ revocations: [revokeDevice(bob.identity, stolen.deviceKey, Date.now())] }, deviceOf(bob, 'full'))
    expect(devices.isRevoked(bob.identity.publicKey, stolen.deviceKey)).toBe(true)
    expect(closed).toEqual([[bob.key, toHex(stolen.deviceKey), 'this device was revoked by its owner']])
  })

  it('a forged revocation throws, and nothing that came with it is taken', async () => {
    const { devices, closed, bob, learn, secretNow } = await world()
    const phone = deviceOf(bob, 'full')
    const laptop = deviceOf(bob, 'full')
    const forged = revokeDevice(createIdentity(), laptop.deviceKey, Date.now())
    const genuine = revokeDevice(bob.identity, phone.deviceKey, Date.now())
    await expect(learn({ revocations: [genuine, forged], pairSecret: secret(1), pairSecretSince: Date.now() }, laptop)).rejects.toThrow()
    expect(devices.isRevoked(bob.identity.publicKey, laptop.deviceKey)).toBe(false)
    expect(devices.isRevoked(bob.identity.publicKey, phone.deviceKey)).toBe(false)
    expect(closed).toEqual([])
    expect(await secretNow()).toBeUndefined()
  })

  it('a new meeting secret from a full device is taken', async () => {
    const { bob, learn, secretNow } = await world()
    await learn({ revocations: [], pairSecret: secret(2), pairSecretSince: Date.now() }, deviceOf(bob, 'full'))
    expect(await secretNow()).toEqual(secret(2))
  })

  it('from a server device, a new meeting secret only with a revocation we did not know', async () => {
    const { bob, learn, secretNow } = await world()
    const pi = deviceOf(bob, 'server')
    // Alone: a stolen server device could move us where the friend's full device never finds us.
    await learn({ revocations: [], pairSecret: secret(3), pairSecretSince: Date.now() }, pi)
    expect(await secretNow()).toBeUndefined()
    // Without a device to say which (no certificate shown): the same.
    await learn({ revocations: [], pairSecret: secret(3), pairSecretSince: Date.now() })
    expect(await secretNow()).toBeUndefined()
    // With news of a revocation: the secret the revoked device never saw.
    const revocation = revokeDevice(bob.identity, deviceOf(bob, 'full').deviceKey, Date.now())
    await learn({ revocations: [revocation], pairSecret: secret(4), pairSecretSince: Date.now() }, pi)
    expect(await secretNow()).toEqual(secret(4))
    // The same revocation again is no news: its secret is not taken.
    await learn({ revocations: [revocation], pairSecret: secret(5), pairSecretSince: Date.now() + 1000 }, pi)
    expect(await secretNow()).toEqual(secret(4))
  })

  it('a secret dated in the future counts as made now', async () => {
    const { friends, bob, learn } = await world()
    const before = Date.now()
    await learn({ revocations: [], pairSecret: secret(6), pairSecretSince: before + YEAR }, deviceOf(bob, 'full'))
    const row = await friends.get(bob.key)
    expect(row?.pairSecret).toEqual(secret(6))
    expect(row!.pairSecretSince).toBeGreaterThanOrEqual(before)
    expect(row!.pairSecretSince).toBeLessThanOrEqual(Date.now())
  })

  describe('after the friend rotated (their new signing key S₁)', () => {
    /** A world where I keep Bob's recovery key (`held`: the rotation I follow for him) or not (null). */
    async function rotatedWorld (followsRotation: boolean) {
      const w = await world()
      const me = createIdentity()
      const s1 = generateSigningKeyPair()
      const held = followsRotation ? { keys: { identityKey: w.bob.identity.publicKey, recoveryKey: generateSigningKeyPair().publicKey, n: 1, signingKey: s1.publicKey, head: new Uint8Array(32) }, records: [] } : null
      const learn = (told: DeviceRevokedParams, device?: RemoteDevice): Promise<void> => learnFriendRevocations({
        devices: w.devices, friends: w.friends, sessions: { closeDevice: () => {} }, identityKey: me.publicKey, rotationsOf: () => held
      }, w.bob.identity.publicKey, told, device)
      const told = (signer: Identity, fill: number, since = Date.now()): DeviceRevokedParams => {
        const proof = proveMeetingSecret(w.bob.identity.publicKey, signer, me.publicKey, secret(fill), since)
        return { revocations: [], pairSecret: secret(fill), pairSecretSince: since, pairSecretSignature: proof.signature }
      }
      return { ...w, s1, learn, told }
    }

    it('a friend who follows it refuses a secret the old key proved, however dated, and takes one S₁ proved, with its proof', async () => {
      const { bob, s1, learn, told, friends, secretNow } = await rotatedWorld(true)
      await expect(learn(told(bob.identity, 1, Date.now() + YEAR), deviceOf(bob, 'full'))).rejects.toThrow(/not signed by the friend/)
      expect(await secretNow()).toBeUndefined()
      await learn(told(s1, 2), deviceOf(bob, 'full'))
      expect(await secretNow()).toEqual(secret(2))
      expect((await friends.get(bob.key))?.pairSecretProof).toBeDefined()
    })

    it('a friend without their recovery key (who cannot know S₁) is not harmed: it takes the secret, as from an older device that signs none', async () => {
      const { bob, s1, learn, told, friends, secretNow } = await rotatedWorld(false)
      await learn(told(s1, 2), deviceOf(bob, 'full'))
      expect(await secretNow()).toEqual(secret(2))
      // Without the friend's proof (which it cannot check), as an unsigned one is kept.
      expect((await friends.get(bob.key))?.pairSecretProof).toBeUndefined()
    })
  })
})
