// A removed friend is dialled only to deliver delete notices; once they have
// confirmed them all, the node closes the session so they cannot linger.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

async function nodeWithSessionTo (peer: ReturnType<typeof createIdentity>) {
  const node = await KithNode.open({ db: new NodeDatabase(`former-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  const [a, b] = createMemoryTransportPair()
  const [session] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { credentials: node.credentials, handlers: () => ({}) }),
    establishSession<NodeMethods, NodeMethods>(b, { identity: peer, handlers: () => ({}) })
  ])
  node.sessions.add(toHex(peer.publicKey), session)
  return { node, session }
}

const acknowledged = (node: KithNode, friendKey: string): void => {
  node.noticeSender.dispatchEvent(new CustomEvent('acknowledged', { detail: { friendKey, itemIds: ['x'] } }))
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50))

describe('sessions with former friends', () => {
  it('close once a removed friend has confirmed every notice', async () => {
    const bob = createIdentity()
    const { node, session } = await nodeWithSessionTo(bob)
    acknowledged(node, toHex(bob.publicKey))
    await settle()
    expect(session.rpc.closed).toBe(true)
    node.close()
  })

  it('stay open while notices are pending, and for friends', async () => {
    const bob = createIdentity()
    const { node, session } = await nodeWithSessionTo(bob)
    const bobKey = toHex(bob.publicKey)
    await node.db.notices.add({ itemId: 'y', friendKey: bobKey, createdAt: 1, attempts: 0 })
    acknowledged(node, bobKey)
    await settle()
    expect(session.rpc.closed).toBe(false)

    const carol = createIdentity()
    const second = await nodeWithSessionTo(carol)
    await second.node.friends.add({ key: toHex(carol.publicKey), address: addressFromPublicKey(carol.publicKey), displayName: 'Carol' })
    acknowledged(second.node, toHex(carol.publicKey))
    await settle()
    expect(second.session.rpc.closed).toBe(false)
    node.close()
    second.node.close()
  })
})
