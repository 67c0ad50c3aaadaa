// Revoking a device (DESIGN §6a), between real nodes over the memory
// transport: the friend is told (queued like delete notices), refuses the
// revoked device as its owner from then on, and both sides move to a new
// meeting secret the revoked device never saw. A revocation that is not
// signed by the friend's own identity changes nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { bytesEqual, toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair, pairSecret } from '../../shared/crypto/crypto'
import { befriend, connectNodes, internals, NodeSet, signingOf, until } from './device-fixtures'
import { revokeDevice } from '../../shared/identity/device-certificate'
import { createIdentity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { pairMeeting } from '../../shared/rendezvous/meetings'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { KithNode } from '../../node-tab/node'
import { STRANGER_REFUSED } from '../../node-tab/handlers/stranger-policy'

const set = new NodeSet()
afterEach(() => set.closeAll())
const openNode = (): Promise<KithNode> => set.open()
const serverDeviceOf = (full: KithNode): Promise<KithNode> => set.serverDeviceOf(full)
const connect = connectNodes

describe('revoking a device', () => {
  it('the friend is told, refuses the revoked device as the owner, and both move to a new meeting secret', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    const bob = await openNode()
    await befriend(laptop, bob)
    await pi.friends.add({ key: bob.keyHex, address: bob.address, displayName: 'B' })
    const oldSecret = pairSecret((await signingOf(laptop)).secretKey, bob.identityKey)

    // Bob reaches Alice through her Pi: any of her devices is Alice.
    const viaPi = await connect(bob, pi)
    expect(viaPi.remotePublicKey).toEqual(laptop.identityKey)
    expect(toHex(viaPi.remoteDevice.deviceKey)).toBe(toHex(pi.credentials.device.publicKey))

    await connect(laptop, bob)
    laptop.noticeSender.start()
    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))

    await until(() => bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey))
    await until(() => viaPi.rpc.closed)
    // A new session through the revoked device is refused, in words.
    await expect(connect(bob, pi)).rejects.toThrow(/revoked by its owner/)

    // The meeting secret moved on, on both sides, to one the Pi never saw.
    await until(async () => (await laptop.friends.get(bob.keyHex))?.nextPairSecret === undefined)
    const aliceSide = await laptop.friends.get(bob.keyHex)
    const bobSide = await bob.friends.get(laptop.keyHex)
    expect(bytesEqual(aliceSide!.pairSecret!, oldSecret)).toBe(false)
    expect(bytesEqual(bobSide!.pairSecret!, aliceSide!.pairSecret!)).toBe(true)
    const piRow = await pi.friends.get(bob.keyHex)
    expect(piRow?.pairSecret === undefined || !bytesEqual(piRow.pairSecret, aliceSide!.pairSecret!)).toBe(true)
    const topics = (await laptop.listenTopics(7)).map((m) => m.topic)
    expect(topics).toContain(pairMeeting(aliceSide!.pairSecret!, 7, laptop.identityKey).topic)
    expect(topics).not.toContain(pairMeeting(oldSecret, 7, laptop.identityKey).topic)
    // Alice's other devices are still Alice to Bob.
    expect((await connect(bob, laptop)).remotePublicKey).toEqual(laptop.identityKey)
  })

  it('a friend offline at the time is told when the next session opens', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    const bob = await openNode()
    await befriend(laptop, bob)
    laptop.noticeSender.start()
    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))
    expect(bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(false)
    // Bob comes online later and dials Alice.
    await connect(bob, laptop)
    await until(() => bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey))
  })

  it('listens in both the old and the new swarm until the friend has the new secret', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    const bob = await openNode()
    await befriend(laptop, bob)
    const oldSecret = pairSecret((await signingOf(laptop)).secretKey, bob.identityKey)
    await laptop.listenTopics(7) // stores the computed secret
    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))
    const next = (await laptop.friends.get(bob.keyHex))!.nextPairSecret!
    const topics = (await laptop.listenTopics(7)).map((m) => m.topic)
    expect(topics).toContain(pairMeeting(oldSecret, 7, laptop.identityKey).topic)
    expect(topics).toContain(pairMeeting(next, 7, laptop.identityKey).topic)
  })

  it('two friends who both revoke a device at once still end up meeting with the same secret', async () => {
    for (let round = 0; round < 3; round++) {
      const alice = await openNode()
      const bob = await openNode()
      const alicePi = await serverDeviceOf(alice)
      const bobPi = await serverDeviceOf(bob)
      await befriend(alice, bob)
      await alice.listenTopics(1)
      await bob.listenTopics(1)
      await Promise.all([
        alice.revokeDevice(toHex(alicePi.credentials.device.publicKey)),
        bob.revokeDevice(toHex(bobPi.credentials.device.publicKey))
      ])
      alice.noticeSender.start()
      bob.noticeSender.start()
      // Both tell each other at the same time, over sessions each one dialled.
      await Promise.all([connect(alice, bob), connect(bob, alice)])
      await until(async () => (await alice.friends.get(bob.keyHex))?.nextPairSecret === undefined &&
        (await bob.friends.get(alice.keyHex))?.nextPairSecret === undefined)
      const aliceSide = (await alice.friends.get(bob.keyHex))!.pairSecret!
      const bobSide = (await bob.friends.get(alice.keyHex))!.pairSecret!
      expect(toHex(aliceSide)).toBe(toHex(bobSide))
      expect(bob.devices.isRevoked(alice.identityKey, alicePi.credentials.device.publicKey)).toBe(true)
      expect(alice.devices.isRevoked(bob.identityKey, bobPi.credentials.device.publicKey)).toBe(true)
    }
  })

  it('a revocation signed by anyone but the friend’s own identity changes nothing', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    const bob = await openNode()
    const mallory = await openNode()
    await befriend(laptop, bob)
    await befriend(mallory, bob)
    // Mallory, a friend of Bob's, tries to revoke Alice's Pi with her own key.
    const forged = revokeDevice(await signingOf(mallory), pi.credentials.device.publicKey, Date.now())
    const session = await connect(mallory, bob)
    await expect(session.rpc.call('deviceRevoked', { revocations: [{ ...forged, identityKey: laptop.identityKey }] })).rejects.toThrow(/not made by the person/)
    // Signed by Mallory for Mallory: it can only ever revoke Mallory's own devices.
    await session.rpc.call('deviceRevoked', { revocations: [forged] })
    expect(bob.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(false)
    expect((await connect(bob, pi)).remotePublicKey).toEqual(laptop.identityKey)
  })

  it('a stranger cannot tell anyone about revocations', async () => {
    const bob = await openNode()
    const stranger = createIdentity()
    const [a, b] = createMemoryTransportPair()
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(a, { identity: stranger, handlers: () => ({}) }),
      internals(bob).accept(b)
    ])
    const revocation = revokeDevice(stranger, generateSigningKeyPair().publicKey, Date.now())
    await expect(session.rpc.call('deviceRevoked', { revocations: [revocation], pairSecret: new Uint8Array(32) })).rejects.toThrow(STRANGER_REFUSED)
    expect(await bob.db.peerRevocations.count()).toBe(0)
  })

  it('the revoked device gets no more sync sessions: my other devices refuse it', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))
    const [a, b] = createMemoryTransportPair()
    const attempt = internals(pi).startSession(a, laptop.identityKey)
    await internals(laptop).accept(b)
    await expect(attempt).rejects.toThrow(/revoked by its owner/)
    expect(laptop.deviceSessions.size).toBe(0)
  })

  it('only a full device revokes, and never itself', async () => {
    const laptop = await openNode()
    const pi = await serverDeviceOf(laptop)
    await expect(pi.revokeDevice(toHex(laptop.credentials.device.publicKey))).rejects.toThrow(/Only a full device/)
    await expect(laptop.revokeDevice(toHex(laptop.credentials.device.publicKey))).rejects.toThrow(/cannot revoke itself/)
  })
})
