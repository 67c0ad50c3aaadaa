// A node tells a stranger nothing but that the handshake succeeded (a tiny
// ping) and, only when discoverable, its name; an invite can be redeemed.
// Everything else, the speed test included, is for friends only.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { KithError, type ErrorCode } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { dialNode } from './node-fixtures'
import { STRANGER_REFUSED } from '../../node-tab/handlers/stranger-policy'

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function openNode (): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(`stranger-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  await node.setDisplayName('Alice')
  // Handlers other parts of the app add (the client's delete notices) are guarded too.
  node.registerHandlers(() => ({ deleteNotices: () => ({ acknowledged: [] }) }))
  nodes.push(node)
  return node
}

async function failure (promise: Promise<unknown>): Promise<{ code: ErrorCode | 'resolved', message: string }> {
  try {
    await promise
    return { code: 'resolved', message: '' }
  } catch (err) {
    expect(err).toBeInstanceOf(KithError)
    return { code: (err as KithError).code, message: (err as KithError).message }
  }
}

const refused = { code: 'UNAUTHORIZED', message: STRANGER_REFUSED }

describe('a stranger', () => {
  it('gets a tiny ping echoed and nothing else, all refused in the same words', async () => {
    const node = await openNode()
    const item = await node.items.create({ type: 'note', text: 'for friends', audience: { kind: 'friends' } })
    const { rpc } = await dialNode(node, createIdentity())
    expect(await rpc.call('ping', { data: Uint8Array.of(1, 2, 3) })).toEqual({ data: Uint8Array.of(1, 2, 3) })
    expect(await failure(rpc.call('ping', { data: new Uint8Array(0), replyBytes: 16 * 1024 * 1024 }))).toEqual(refused)
    expect(await failure(rpc.call('ping', { data: new Uint8Array(0), replyBytes: 1 }))).toEqual(refused)
    expect(await failure(rpc.call('ping', { data: new Uint8Array(65) }))).toEqual(refused)
    expect(await failure(rpc.call('profile', {}))).toEqual(refused)
    expect(await failure(rpc.call('listItems', { limit: 10 }))).toEqual(refused)
    expect(await failure(rpc.call('fetchFile', { id: item.id, offset: 0, length: 1 }))).toEqual(refused)
    expect(await failure(rpc.call('deleteNotices', { itemIds: [] }))).toEqual(refused)
    // Unknown methods still fail as before (BAD_REQUEST), telling nothing about the node.
    expect((await failure(rpc.call('nosuch' as 'ping', { data: new Uint8Array(0) }))).code).toBe('BAD_REQUEST')
  })

  it('gets the owner’s name only while the owner is discoverable', async () => {
    const node = await openNode()
    const { rpc } = await dialNode(node, createIdentity())
    expect(await failure(rpc.call('profile', {}))).toEqual(refused)
    await node.setDiscoverable(true)
    expect(await rpc.call('profile', {})).toEqual({ displayName: 'Alice', address: node.address })
    await node.setDiscoverable(false)
    expect(await failure(rpc.call('profile', {}))).toEqual(refused)
  })

  it('may redeem an invite, and is then served as a friend in the same session', async () => {
    const node = await openNode()
    const bob = createIdentity()
    const { rpc } = await dialNode(node, bob)
    const { token } = await node.invites.create({ label: 'Bob', expiresInMs: null })
    expect(await failure(rpc.call('redeemInvite', { token: '1111111111', profile: { displayName: 'Bob', address: addressFromPublicKey(bob.publicKey) } }))).not.toEqual({ code: 'resolved', message: '' })
    const { owner } = await rpc.call('redeemInvite', { token, profile: { displayName: 'Bob', address: addressFromPublicKey(bob.publicKey) } })
    expect(owner.displayName).toBe('Alice')
    const { data } = await rpc.call('ping', { data: new Uint8Array(0), replyBytes: 1000 })
    expect(data).toEqual(new Uint8Array(1000))
  })
})

describe('a friend', () => {
  it('gets the speed test, the profile and listings; removed mid-session, the next call is refused', async () => {
    const node = await openNode()
    const carol = createIdentity()
    const carolKey = toHex(carol.publicKey)
    await node.friends.add({ key: carolKey, address: addressFromPublicKey(carol.publicKey), displayName: 'Carol' })
    await node.items.create({ type: 'note', text: 'hello friends', audience: { kind: 'friends' } })
    const { rpc } = await dialNode(node, carol)
    const { data } = await rpc.call('ping', { data: new Uint8Array(0), replyBytes: 3 * 1024 * 1024 }, { timeoutMs: 10_000 })
    expect(data.length).toBe(3 * 1024 * 1024)
    expect(data.every((b) => b === 0)).toBe(true)
    expect(await rpc.call('ping', { data: new Uint8Array(1000) })).toEqual({ data: new Uint8Array(1000) })
    expect(await rpc.call('profile', {})).toEqual({ displayName: 'Alice', address: node.address })
    expect((await rpc.call('listItems', { limit: 10 })).items).toHaveLength(1)
    await node.friends.remove(carolKey)
    expect(await failure(rpc.call('listItems', { limit: 10 }))).toEqual(refused)
    expect(await failure(rpc.call('ping', { data: new Uint8Array(0), replyBytes: 10 }))).toEqual(refused)
  })
})

describe('requests', () => {
  it('over 1 MiB are refused with TOO_LARGE before the node assembles them, even from a friend', async () => {
    const node = await openNode()
    const carol = createIdentity()
    await node.friends.add({ key: toHex(carol.publicKey), address: addressFromPublicKey(carol.publicKey), displayName: 'Carol' })
    const { rpc } = await dialNode(node, carol)
    expect((await failure(rpc.call('ping', { data: new Uint8Array(2 * 1024 * 1024) }, { timeoutMs: 5_000 }))).code).toBe('TOO_LARGE')
    expect((await rpc.call('ping', { data: new Uint8Array(500_000) }, { timeoutMs: 5_000 })).data.length).toBe(500_000)
  })
})

