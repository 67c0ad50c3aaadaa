// One feed per friend: the page showing a friend and the background drain of
// their queue must share it, or a download the drain resumed after a reload
// never settles the page's wait for the same file.
import { afterEach, describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { KithClient } from '../../client/kith-client'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey } from '../../shared/identity'
import { person, uniqueName } from './friend-fixtures'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('KithClient.feed', () => {
  it('hands out the same open feed for a friend, and a new one once it was closed', async () => {
    const nodeName = uniqueName('kith-node')
    const clientName = uniqueName('kith-client')
    const node = await KithNode.open({ db: new NodeDatabase(nodeName), hostConfig: { trackers: [], iceServers: [] } })
    const client = new KithClient(node, new ClientDatabase(clientName))
    cleanups.push(() => Dexie.delete(clientName), () => Dexie.delete(nodeName), () => node.close())
    const alice = addressFromPublicKey(person().identity.publicKey)
    const first = client.feed(alice)
    expect(client.feed(alice)).toBe(first)
    expect(client.feed(addressFromPublicKey(person().identity.publicKey))).not.toBe(first)
    first.close()
    const second = client.feed(alice)
    expect(second).not.toBe(first)
    expect(second.isClosed).toBe(false)
    second.close()
  })
})
