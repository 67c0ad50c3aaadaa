// The node re-reads its friends whenever something changes (a session opens
// or closes, a friend is added) to choose its swarms. Each friendship's grant
// is a signature and each friend's key is checked to be a safe point: doing
// both for every friend every time cost 500 elliptic-curve operations per
// session event on a node with 250 friends (over a second of a busy page).
// Each is checked once; a row that changed (its grant replaced, by sync or by
// tampering) is checked again.
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as grants from '../../shared/identity/grants'
import * as crypto from '../../shared/crypto/crypto'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'

vi.mock('../../shared/identity/grants', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../shared/identity/grants')>()
  return { ...actual, isFriendGranted: vi.fn(actual.isFriendGranted) }
})

vi.mock('../../shared/crypto/crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../shared/crypto/crypto')>()
  return { ...actual, isValidSigningPublicKey: vi.fn(actual.isValidSigningPublicKey) }
})

const checks = vi.mocked(grants.isFriendGranted)
const keyChecks = vi.mocked(crypto.isValidSigningPublicKey)
const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function nodeWithFriends (n: number): Promise<{ node: KithNode, keys: string[] }> {
  const node = await KithNode.open({ db: new NodeDatabase(`grants-refresh-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  nodes.push(node)
  const keys: string[] = []
  for (let i = 0; i < n; i++) {
    const who = createIdentity()
    keys.push(toHex(who.publicKey))
    await node.friends.add({ key: keys[i]!, address: addressFromPublicKey(who.publicKey), displayName: `friend ${i}` })
  }
  return { node, keys }
}

describe('friends’ grants and keys when the swarms are refreshed', () => {
  it('an unchanged grant and a key are checked once, not at every refresh', async () => {
    const { node } = await nodeWithFriends(5)
    await node.listenTopics(1)
    checks.mockClear()
    keyChecks.mockClear()
    for (let i = 0; i < 4; i++) await node.listenTopics(1)
    expect(checks).not.toHaveBeenCalled()
    expect(keyChecks).not.toHaveBeenCalled()
    expect((await node.listenTopics(1)).filter((m) => m.kind === 'pair')).toHaveLength(5)
  })

  it('a grant that changed is checked again, and a bad one is signed anew', async () => {
    const { node, keys } = await nodeWithFriends(3)
    await node.listenTopics(1)
    checks.mockClear()
    await node.db.friends.update(keys[1]!, { grant: new Uint8Array(64).fill(7) })
    await node.listenTopics(1)
    expect(checks).toHaveBeenCalledTimes(1)
    const row = await node.db.friends.get(keys[1]!)
    expect(grants.isFriendGranted(node.identityKey, row!.key, row!.addedAt, row!.grant)).toBe(true)
  })
})

describe('a friend’s key that is not safe', () => {
  // Attack (or an old row): a friend stored with a small-order key, whose
  // pair swarm anyone could compute. It is never sat in, at the first
  // refresh or later ones.
  it('gets no pair swarm, however often the swarms are refreshed', async () => {
    const { node } = await nodeWithFriends(2)
    const smallOrder = '0000000000000000000000000000000000000000000000000000000000000000'
    await node.db.friends.add({ key: smallOrder, address: 'unused', displayName: 'weak', addedAt: Date.now() })
    for (let i = 0; i < 3; i++) expect((await node.listenTopics(1)).filter((m) => m.kind === 'pair')).toHaveLength(2)
  })
})
