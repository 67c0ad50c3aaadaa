// Real nodes that are devices of one person, for tests over the memory
// transport: a full node, a server device linked to it (as a link leaves
// it), friendships, and sessions between any two nodes built as for any
// incoming connection (handshake, handlers, limits).
import 'fake-indexeddb/auto'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../shared/identity/device-certificate'
import type { Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Transport } from '../../shared/wire/transport'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { waitFor } from './waiting'

export class NodeSet {
  private readonly nodes: KithNode[] = []

  async open (db = new NodeDatabase(`device-${Math.random()}`)): Promise<KithNode> {
    const node = await KithNode.open({ db, hostConfig: { trackers: [], relays: [], iceServers: [] } })
    this.nodes.push(node)
    return node
  }

  /** A server device of the same person as `full`, as a link would leave it. */
  serverDeviceOf (full: KithNode, name = 'Pi'): Promise<KithNode> {
    return this.linkedTo(full, name, 'server')
  }

  /** Another full device (it holds the identity key) of the same person as `full`. */
  fullDeviceOf (full: KithNode, name = 'Phone'): Promise<KithNode> {
    return this.linkedTo(full, name, 'full')
  }

  /** Another device of `full`'s person, as a link from before any rotation
   *  leaves it, its stored identity checked (KithNode.verify) as at a start. */
  async checkedDeviceOf (full: KithNode, role: 'full' | 'server', name: string): Promise<KithNode> {
    const node = await this.linkedTo(full, name, role)
    await node.verify()
    return node
  }

  private async linkedTo (full: KithNode, name: string, role: 'full' | 'server'): Promise<KithNode> {
    const identity = await signingOf(full)
    const device = generateSigningKeyPair()
    const certificate = issueDeviceCertificate(identity, { publicKey: device.publicKey, name, role }, Date.now())
    const db = new NodeDatabase(`device-${role}-${Math.random()}`)
    await storeLinkedIdentity(db, {
      identityKey: identity.publicKey, identitySecretKey: role === 'full' ? identity.secretKey : null, device, certificate,
      approver: full.credentials.certificate!, devicesSecret: new Uint8Array(32).fill(1), displayName: full.profile.displayName
    })
    await full.devices.add(certificate)
    return this.open(db)
  }

  closeAll (): void {
    for (const n of this.nodes.splice(0)) n.close()
  }
}

/** The identity key pair of a full node, read from its store (tests only). */
export async function signingOf (node: KithNode): Promise<Identity> {
  const row = await node.db.identity.get('self') as { publicKey: Uint8Array, secretKey: Uint8Array }
  return { publicKey: row.publicKey, secretKey: row.secretKey }
}

export async function befriend (a: KithNode, b: KithNode): Promise<void> {
  await a.friends.add({ key: b.keyHex, address: b.address, displayName: 'B' })
  await b.friends.add({ key: a.keyHex, address: a.address, displayName: 'A' })
}

type Internals = { startSession: (t: Transport, key?: Uint8Array) => Promise<NodeSession>, accept: (t: Transport) => Promise<void> }
export const internals = (node: KithNode): Internals => node.connections

/** `from` dials `to` (as if through a swarm); resolves with from's session. */
export async function connectNodes (from: KithNode, to: KithNode): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const [session] = await Promise.all([internals(from).startSession(a, to.identityKey), internals(to).accept(b)])
  return session
}

/** `from` dials `to`; the session opens (or the promise rejects), then closes. */
export async function reaches (from: KithNode, to: KithNode): Promise<void> {
  const session = await connectNodes(from, to)
  session.rpc.close('done')
  await until(() => from.sessions.size + from.deviceSessions.size === 0 && to.sessions.size + to.deviceSessions.size === 0)
}

/** `to` pulls from `from` over a device session (as when they meet) until
 *  `done` holds; then the session closes again. */
export async function pullUntil (to: KithNode, from: KithNode, done: () => boolean | Promise<boolean>): Promise<void> {
  const session = await connectNodes(from, to)
  await until(done)
  session.rpc.close('pulled')
  await until(() => to.deviceSessions.size === 0 && from.deviceSessions.size === 0)
}

/** Waits until a condition holds (see waiting.ts). */
export const until = (condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => waitFor(condition, ms, 10)
