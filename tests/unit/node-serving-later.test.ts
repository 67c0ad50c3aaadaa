// The app's first screen opens the node with its storage half only
// (KithNode.open({ servingLater })): the serving half (connections, my other
// devices, notices, the listener, codes) loads with import() on the first
// verify, listen or dial. Nothing may serve sooner for it: damaged stored
// keys still stop the node before it listens, and a node closed while the
// half loads never starts it.
import { afterEach, describe, expect, it } from 'vitest'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase, type IdentityRow } from '../../node-tab/storage/db'
import { generateSigningKeyPair, loadCrypto } from '../../shared/crypto/crypto'

const hostConfig = { trackers: ['ws://127.0.0.1:9/never'], relays: [], iceServers: [] }
const opened: KithNode[] = []
afterEach(() => { for (const n of opened.splice(0)) n.close() })

/** A node made and closed once (so it has an identity), opened again as the app opens it. */
async function openForFirstScreen (change: (db: NodeDatabase) => Promise<void> = async () => {}): Promise<KithNode> {
  const name = `serving-later-${Math.random()}`
  const first = await KithNode.open({ db: new NodeDatabase(name), hostConfig })
  first.close()
  const db = new NodeDatabase(name)
  await change(db)
  const node = await KithNode.open({ db, hostConfig, servingLater: true })
  opened.push(node)
  return node
}

describe('a node opened for the first screen', () => {
  it('reads its data without the serving half: nothing listens, and its status says so', async () => {
    const node = await openForFirstScreen()
    expect(node.connections).toBeUndefined()
    expect(node.listener).toBeUndefined()
    expect(node.isListening).toBe(false)
    expect(node.status()).toEqual({ trackers: [], relays: [], peers: 0, devices: 'no other devices' })
    expect(await node.friends.list()).toEqual([])
    expect(node.sessions.size).toBe(0)
  })

  it('serves once asked: the half loads, its parts are set, and the node listens', async () => {
    const node = await openForFirstScreen()
    let changes = 0
    node.addEventListener('change', () => { changes++ })
    node.startListening()
    await node.listening
    expect(node.connections).toBeDefined()
    expect(node.isListening).toBe(true)
    expect(changes).toBeGreaterThan(0) // the page re-reads the status
    // Loaded once: a second ask gets the same parts.
    expect((await node.serving()).connections).toBe(node.connections)
  })

  it('with damaged stored keys, never listens, dials or answers a code', async () => {
    const node = await openForFirstScreen(async (db) => {
      await loadCrypto()
      const self = await db.identity.get('self') as IdentityRow
      const secretKey = new Uint8Array(self.secretKey!)
      secretKey[0]! ^= 1
      await db.identity.put({ ...self, secretKey })
    })
    node.startListening()
    await node.listening
    expect(node.isListening).toBe(false)
    await expect(node.verify()).rejects.toThrow(/secret key does not match/)
    await expect(node.connect(generateSigningKeyPair().publicKey)).rejects.toThrow()
    await expect(node.makeConnectionCode('00'.repeat(32))).rejects.toThrow()
    expect(node.isListening).toBe(false)
  })

  it('closed while the half loads, never starts it', async () => {
    const node = await openForFirstScreen()
    node.startListening()
    const serving = node.serving()
    node.close()
    await expect(serving).rejects.toThrow(/stopped/)
    expect(node.isListening).toBe(false)
    expect(node.listener).toBeUndefined()
  })
})
