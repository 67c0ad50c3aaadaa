// Attack: keys that need no secret entering the friends list. For a
// small-order key the X25519 pair secret is a constant anyone can compute,
// so the pair swarm and its offer key would be public: anyone could get an
// answer (the node's address, that it is online) in a "friend's" swarm.
// And names that spoof their direction or hide text, from a stranger
// redeeming an invite, shown in the owner's friends list.
import { afterEach, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function openNode (): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(`attack-keys-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  nodes.push(node)
  return node
}

const WEAK = [
  '0100000000000000000000000000000000000000000000000000000000000000', // the identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  '0100000000000000000000000000000000000000000000000000000000000080' // non-canonical
]

describe('attack: a key that needs no secret as a friend', () => {
  it('is refused by the friends store, with its matching address', async () => {
    const node = await openNode()
    for (const hex of WEAK) {
      const err = await node.friends.add({ key: hex, address: addressFromPublicKey(fromHex(hex)), displayName: 'weak' }).then(() => null, (e: unknown) => e)
      expect(err, hex).toBeInstanceOf(KithError)
      expect((err as KithError).code).toBe('BAD_REQUEST')
    }
    expect(await node.friends.list()).toEqual([])
  })

  it('already stored (from before keys were checked), it gets no pair swarm', async () => {
    const node = await openNode()
    const bob = createIdentity()
    await node.friends.add({ key: toHex(bob.publicKey), address: addressFromPublicKey(bob.publicKey), displayName: 'Bob' })
    for (const hex of WEAK) await node.db.friends.add({ key: hex, address: addressFromPublicKey(fromHex(hex)), displayName: 'weak', addedAt: 1 })
    expect(await node.listenTopics(20_000)).toHaveLength(1)
  })
})

describe('attack: a name that spoofs its direction or hides text', () => {
  it('is cleaned before it enters the friends list', async () => {
    const node = await openNode()
    const mallory = createIdentity()
    const row = await node.friends.add({ key: toHex(mallory.publicKey), address: addressFromPublicKey(mallory.publicKey), displayName: 'Bob\u202Egnp.exe\u0000\u200F\nAdmin' })
    expect(row.displayName).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u200e\u200f]/)
    expect(row.displayName).toBe('Bob gnp.exe Admin')
  })
})
