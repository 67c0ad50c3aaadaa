// Who can find whom: a person's swarms are named after secrets, so knowing an
// address (or two) is not enough to find them unless they opted in.
import { describe, expect, it } from 'vitest'
import { pairSecret } from '../../shared/crypto/crypto'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { inviteTopic, pairTopic, personTopic } from '../../shared/rendezvous/rendezvous'
import { inviteMeeting, pairMeeting } from '../../shared/rendezvous/meetings'
import { toHex } from '../../shared/util/bytes'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

describe('pair and invite topics', () => {
  it('two friends compute the same pair topic; a third person cannot', () => {
    const alice = createIdentity(); const bob = createIdentity(); const mallory = createIdentity()
    const atAlice = pairTopic(pairSecret(alice.secretKey, bob.publicKey), 100)
    const atBob = pairTopic(pairSecret(bob.secretKey, alice.publicKey), 100)
    expect(atBob).toBe(atAlice)
    expect(atAlice).toHaveLength(20)
    // Mallory knows both public keys but can only pair them with her own secret.
    expect(pairTopic(pairSecret(mallory.secretKey, alice.publicKey), 100)).not.toBe(atAlice)
    expect(pairTopic(pairSecret(mallory.secretKey, bob.publicKey), 100)).not.toBe(atAlice)
    // Nothing derived from the public addresses alone names it.
    expect([personTopic(alice.publicKey, 100), personTopic(bob.publicKey, 100)]).not.toContain(atAlice)
  })

  it('topics change every epoch and differ per invite token', () => {
    const alice = createIdentity(); const bob = createIdentity()
    const secret = pairSecret(alice.secretKey, bob.publicKey)
    expect(pairTopic(secret, 101)).not.toBe(pairTopic(secret, 100))
    expect(inviteTopic('tokenA1234567', 100)).not.toBe(inviteTopic('tokenB1234567', 100))
    expect(inviteTopic('tokenA1234567', 100)).not.toBe(inviteTopic('tokenA1234567', 101))
  })
})

describe('the swarms a node sits in', () => {
  async function openNode (): Promise<KithNode> {
    return KithNode.open({ db: new NodeDatabase(`topics-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  }

  it('not its address swarm unless the owner opts in; one per friend and per invite', async () => {
    const node = await openNode()
    const epoch = 20_000
    const addressSwarm = personTopic(node.identityKey, epoch)
    expect(node.discoverable).toBe(false)
    const topicsAt = async (): Promise<string[]> => (await node.listenTopics(epoch)).map((m) => m.topic)
    expect(await topicsAt()).toEqual([])

    const bob = createIdentity()
    await node.friends.add({ key: toHex(bob.publicKey), address: addressFromPublicKey(bob.publicKey), displayName: 'Bob' })
    const invite = await node.invites.create({ label: 'for Carol', expiresInMs: null })
    const topics = await topicsAt()
    expect(topics).toHaveLength(2)
    expect(topics).toContain(pairTopic(pairSecret(bob.secretKey, node.identityKey), epoch))
    expect(topics).toContain(inviteTopic(invite.token, epoch))
    expect(topics).not.toContain(addressSwarm)

    // Each swarm comes with what an offer into it must prove: the friend's
    // and invite's swarms a key only the friend or invite holder can derive.
    const byTopic = new Map((await node.listenTopics(epoch)).map((m) => [m.topic, m]))
    const fromBob = pairMeeting(pairSecret(bob.secretKey, node.identityKey), epoch, node.identityKey)
    expect(byTopic.get(fromBob.topic)).toEqual(fromBob)
    const fromCarol = inviteMeeting(invite.token, epoch, node.identityKey)
    expect(byTopic.get(fromCarol.topic)).toEqual(fromCarol)

    await node.setDiscoverable(true)
    expect(await topicsAt()).toContain(addressSwarm)
    expect((await node.listenTopics(epoch)).find((m) => m.topic === addressSwarm)?.kind).toBe('address')
    await node.setDiscoverable(false)
    expect(await topicsAt()).not.toContain(addressSwarm)
    node.close()
  })

  it('the opt-in survives a reload', async () => {
    const name = `topics-${Math.random()}`
    const first = await KithNode.open({ db: new NodeDatabase(name), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    await first.setDiscoverable(true)
    first.close()
    const again = await KithNode.open({ db: new NodeDatabase(name), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    expect(again.discoverable).toBe(true)
    again.close()
  })
})
