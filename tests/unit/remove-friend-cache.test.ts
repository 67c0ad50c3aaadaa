// Removing a friend ends it on my side too: my cached copies of their items
// go, because their later deletions could no longer reach me (we stop meeting
// in our pair swarm, and a stranger's delete notices are refused).
import { afterEach, describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { KithClient } from '../../client/kith-client'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey } from '../../shared/identity'
import { note, person, uniqueName } from './friend-fixtures'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('removing a friend', () => {
  it('forgets what I had cached from them, and nobody else’s', async () => {
    const nodeName = uniqueName('kith-node')
    const clientName = uniqueName('kith-client')
    const node = await KithNode.open({ db: new NodeDatabase(nodeName), hostConfig: { trackers: [], iceServers: [] } })
    const client = new KithClient(node, new ClientDatabase(clientName))
    cleanups.push(() => Dexie.delete(clientName), () => Dexie.delete(nodeName), () => node.close())
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
