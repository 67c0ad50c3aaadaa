// The client facade over a real node (fake-indexeddb): one feed per friend,
// and what removing a friend does to my cache.
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { KithClient } from '../../client/api/kith-client'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { cleanupsAfterEach } from './cleanups'
import { note, person, uniqueName } from './friend-fixtures'

const cleanups = cleanupsAfterEach()

async function openClient (): Promise<{ node: KithNode, client: KithClient }> {
  const nodeName = uniqueName('kith-node')
  const clientName = uniqueName('kith-client')
  const node = await KithNode.open({ db: new NodeDatabase(nodeName), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  const client = new KithClient(node, new ClientDatabase(clientName))
  cleanups.push(() => Dexie.delete(clientName), () => Dexie.delete(nodeName), () => node.close())
  return { node, client }
}

describe('KithClient.feed', () => {
  // The page showing a friend and the background drain of their queue must
  // share one feed, or a download the drain resumed after a reload never
  // settles the page's wait for the same file.
  it('hands out the same open feed for a friend, and a new one once it was closed', async () => {
    const { client } = await openClient()
    const alice = addressFromPublicKey(person().identity.publicKey)
    const first = await client.feed(alice)
    expect(await client.feed(alice)).toBe(first)
    expect(await client.feed(addressFromPublicKey(person().identity.publicKey))).not.toBe(first)
    first.close()
    const second = await client.feed(alice)
    expect(second).not.toBe(first)
    expect(second.isClosed).toBe(false)
    second.close()
  })
})

describe('removing a friend', () => {
  // Their later deletions could no longer reach me (we stop meeting in our
  // pair swarm, and a stranger's delete notices are refused).
  it('forgets what I had cached from them, and nobody else’s', async () => {
    const { node, client } = await openClient()
    const alice = person()
    const carol = person()
    for (const friend of [alice, carol]) {
      await node.friends.add({ key: friend.keyHex, address: addressFromPublicKey(friend.identity.publicKey), displayName: 'x' })
    }
    await client.cache.storePage(alice.keyHex, [note('a1', 1)], '1:a1')
    await client.cache.storePage(carol.keyHex, [note('c1', 1)], '1:c1')

    await client.removeFriend(alice.keyHex)

    expect(await client.cache.items(alice.keyHex)).toEqual([])
    expect(await client.cache.cursor(alice.keyHex)).toBeNull()
    expect((await client.cache.items(carol.keyHex)).map((i) => i.id)).toEqual(['c1'])
  })
})
