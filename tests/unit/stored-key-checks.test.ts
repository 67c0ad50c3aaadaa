// The open reads the identity without the cryptography code (the first
// screen does without it); KithNode.verify checks it before the node
// listens, dials or signs. A damaged or forged stored key stops the node.
import { afterEach, describe, expect, it } from 'vitest'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase, type IdentityRow, type OwnDeviceRow } from '../../node-tab/storage/db'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../shared/identity/device-certificate'

const hostConfig = { trackers: ['ws://127.0.0.1:9/never'], relays: [], iceServers: [] }
const opened: KithNode[] = []
afterEach(() => { for (const n of opened.splice(0)) n.close() })

async function damaged (change: (db: NodeDatabase) => Promise<void>): Promise<KithNode> {
  const name = `stored-keys-${Math.random()}`
  const first = await KithNode.open({ db: new NodeDatabase(name), hostConfig })
  first.close()
  const db = new NodeDatabase(name)
  await change(db)
  const node = await KithNode.open({ db, hostConfig })
  opened.push(node)
  return node
}

async function expectStopped (node: KithNode, words: RegExp): Promise<void> {
  node.startListening()
  await node.listening
  await expect(node.verify()).rejects.toThrow(words)
  expect(node.isListening).toBe(false)
  expect(node.failure?.message).toMatch(words)
  await expect(node.connect(generateSigningKeyPair().publicKey)).rejects.toThrow()
  await expect(node.makeConnectionCode('00'.repeat(32))).rejects.toThrow()
}

describe('stored keys are checked before the node serves', () => {
  it('a sound identity passes and the node listens', async () => {
    const node = await damaged(async () => {})
    node.startListening()
    await node.listening
    await node.verify()
    expect(node.failure).toBeNull()
    expect(node.isListening).toBe(true)
  })

  it('an identity secret key that does not match its public key stops the node', async () => {
    const node = await damaged(async (db) => {
      const self = await db.identity.get('self') as IdentityRow
      const secretKey = new Uint8Array(self.secretKey!)
      secretKey[0]! ^= 1
      await db.identity.put({ ...self, secretKey })
    })
    await expectStopped(node, /stored identity is damaged: its secret key does not match/)
  })

  it('a device certificate signed by someone else stops the node', async () => {
    const node = await damaged(async (db) => {
      const device = await db.identity.get('device') as OwnDeviceRow
      const forged = issueDeviceCertificate(generateSigningKeyPair(), { publicKey: device.publicKey, name: 'Forged', role: 'full' }, Date.now())
      const row: OwnDeviceRow = { ...device, certificate: forged }
      await db.identity.put(row)
    })
    await expectStopped(node, /certificate/)
  })

  it('a stored address that is not the key’s stops the node', async () => {
    const other = await KithNode.open({ db: new NodeDatabase(`stored-keys-other-${Math.random()}`), hostConfig })
    const address = other.address
    other.close()
    const node = await damaged(async (db) => {
      const self = await db.identity.get('self') as IdentityRow
      const row: IdentityRow = { ...self, address }
      await db.identity.put(row)
    })
    expect(node.address).toBe(address) // shown as stored until checked…
    await expectStopped(node, /address does not match its key/) // …and never served
  })
})
