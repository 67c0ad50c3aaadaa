// Revoking a device (DESIGN §6a), between real nodes over the memory
// transport: the friend is told (queued like delete notices), refuses the
// revoked device as its owner from then on, and both sides move to a new
// meeting secret the revoked device never saw. A revocation that is not
// signed by the friend's own identity changes nothing.
import { afterEach, describe, expect, it } from 'vitest'
import 'fake-indexeddb/auto'
import { bytesEqual, toHex } from '../../shared/bytes'
import { generateSigningKeyPair, pairSecret } from '../../shared/crypto'
import { issueDeviceCertificate, revokeDevice } from '../../shared/device-certificate'
import { createIdentity, type Identity } from '../../shared/identity'
import { createMemoryTransportPair } from '../../shared/memory-transport'
import { pairMeeting } from '../../shared/meetings'
import type { NodeMethods } from '../../shared/protocol'
import { establishSession } from '../../shared/session'
import type { Transport } from '../../shared/transport'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { STRANGER_REFUSED } from '../../node-tab/stranger-policy'

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function openNode (db = new NodeDatabase(`revoke-${Math.random()}`)): Promise<KithNode> {
  const node = await KithNode.open({ db, hostConfig: { trackers: [], iceServers: [] } })
  nodes.push(node)
  return node
}

/** The identity key pair of a full node, read from its store (tests only). */
async function signingOf (node: KithNode): Promise<Identity> {
  const row = await node.db.identity.get('self') as { publicKey: Uint8Array, secretKey: Uint8Array }
  return { publicKey: row.publicKey, secretKey: row.secretKey }
}

/** A server device of the same person as `full`, as a link would leave it. */
async function serverDeviceOf (full: KithNode): Promise<KithNode> {
  const alice = await signingOf(full)
  const device = generateSigningKeyPair()
  const certificate = issueDeviceCertificate(alice, { publicKey: device.publicKey, name: 'Pi', role: 'server' }, Date.now())
  const db = new NodeDatabase(`revoke-pi-${Math.random()}`)
  await storeLinkedIdentity(db, {
    identityKey: alice.publicKey, identitySecretKey: null, device, certificate,
    approver: full.credentials.certificate!, devicesSecret: new Uint8Array(32).fill(1), displayName: 'Alice'
  })
  await full.devices.add(certificate)
  return openNode(db)
}

async function befriend (a: KithNode, b: KithNode): Promise<void> {
  await a.friends.add({ key: b.keyHex, address: b.address, displayName: 'B' })
  await b.friends.add({ key: a.keyHex, address: a.address, displayName: 'A' })
}

type Internals = { startSession: (t: Transport, key?: Uint8Array) => Promise<NodeSession>, accept: (t: Transport) => Promise<void> }
const internals = (node: KithNode): Internals => node as unknown as Internals

/** `from` dials `to` (as if through the pair swarm); resolves with from's session. */
async function connect (from: KithNode, to: KithNode): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const [session] = await Promise.all([internals(from).startSession(a, to.identityKey), internals(to).accept(b)])
  return session
}

async function until (condition: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!await condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

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
