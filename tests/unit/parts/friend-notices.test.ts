// friendNotices (node-tab/notices/friend-notices.ts): what goes out to
// friends unasked. Delete notices go after any device revocations owed,
// over a session sessionForDelivery gives; a server device passes on a new
// meeting secret only with a revocation; live hints go over sessions already
// open, to friends who may see what changed. Real stores; the friend is a
// real session over the memory transport whose handlers record calls.
import { afterEach, describe, expect, it } from 'vitest'
import { generateSigningKeyPair } from '../../../shared/crypto/crypto'
import { issueDeviceCertificate, revokeDevice } from '../../../shared/identity/device-certificate'
import type { DeviceRevokedParams } from '../../../shared/protocol/protocol'
import { SessionRegistry, type NodeSession } from '../../../node-tab/connections/sessions'
import type { HintSender } from '../../../node-tab/notices/hint-sender'
import type { NoticeSender } from '../../../node-tab/notices/notice-sender'
import { friendNotices } from '../../../node-tab/notices/friend-notices'
import { NoticesStore } from '../../../node-tab/notices/notices-store'
import { DevicesStore } from '../../../node-tab/storage/devices-store'
import { FriendsStore } from '../../../node-tab/storage/friends-store'
import { ItemsStore } from '../../../node-tab/storage/items-store'
import { connect, person as sessionPerson } from '../friend-fixtures'
import { befriend, person, type Person } from '../store-fixtures'
import { waitFor } from '../waiting'
import { fullDevice, serverDeviceOf, type Device, type FullDevice } from './identities'

const running: Array<{ noticeSender: NoticeSender, hints: HintSender }> = []
const open: NodeSession[] = []
afterEach(() => {
  for (const { noticeSender, hints } of running.splice(0)) { noticeSender.stop(); hints.stop() }
  for (const s of open.splice(0)) s.rpc.close('test over')
})

function noticesOf (device: Device) {
  const friends = new FriendsStore(device.db)
  const devices = new DevicesStore(device.db, device.me.identityKey)
  const sessions = new SessionRegistry()
  const dialled: string[] = []
  /** The session each friend is reached over when a delivery dials. */
  const reachable = new Map<string, NodeSession>()
  const parts = friendNotices({
    db: device.db,
    identity: device.me,
    notices: new NoticesStore(device.db),
    friends,
    devices,
    connections: {
      sessions,
      sessionForDelivery: async (friendKey) => {
        dialled.push(friendKey)
        const session = reachable.get(friendKey)
        if (!session) throw new Error('not reachable')
        return session
      }
    }
  })
  running.push(parts)
  return { ...parts, friends, devices, sessions, dialled, reachable, db: device.db }
}

/** `friend`'s node, recording what it is told, reachable over a fresh session. */
async function friendNode (friend: Person) {
  const told = { revoked: [] as DeviceRevokedParams[], notices: [] as string[][], hints: 0 }
  const { a } = await connect(sessionPerson(), { identity: friend.identity, keyHex: friend.key }, () => ({}), () => ({
    deviceRevoked: (params) => { told.revoked.push(params as DeviceRevokedParams); return { ok: true } },
    deleteNotices: (params) => {
      const { itemIds } = params as { itemIds: string[] }
      told.notices.push(itemIds)
      return { acknowledged: itemIds }
    },
    itemsChanged: () => { told.hints++; return { ok: true } }
  }))
  open.push(a)
  return { session: a, told }
}

/** A device of the person's, revoked (as the full device signs it). */
async function revokedDevice (full: FullDevice, devices: DevicesStore): Promise<void> {
  const keys = generateSigningKeyPair()
  await devices.add(issueDeviceCertificate(full.signing, { publicKey: keys.publicKey, name: 'Old phone', role: 'full' }, Date.now()))
  await devices.revoke(revokeDevice(full.signing, keys.publicKey, Date.now()))
}

describe('friendNotices: notices and revocations', () => {
  it('a full device sends a friend their next meeting secret, and both then meet with it', async () => {
    const full = await fullDevice()
    const { noticeSender, friends, reachable } = noticesOf(full)
    const bob = person('Bob')
    await befriend(friends, bob)
    await friends.replaceAllPairSecrets(() => new Uint8Array(32).fill(8))
    const { session, told } = await friendNode(bob)
    reachable.set(bob.key, session)
    noticeSender.start()
    await waitFor(() => told.revoked.length === 1)
    expect(told.revoked[0]!.pairSecret).toEqual(new Uint8Array(32).fill(8))
    await waitFor(async () => (await friends.get(bob.key))?.nextPairSecret === undefined)
    expect((await friends.get(bob.key))?.pairSecret).toEqual(new Uint8Array(32).fill(8))
  })

  it('a server device sends a new meeting secret only with a revocation, and revocations before delete notices', async () => {
    const full = await fullDevice()
    const server = await serverDeviceOf(full)
    const { noticeSender, friends, devices, reachable, db } = noticesOf(server)
    const bob = person('Bob')
    await befriend(friends, bob)
    await friends.replaceAllPairSecrets(() => new Uint8Array(32).fill(8))
    await db.notices.put({ itemId: 'gone-1', friendKey: bob.key, createdAt: Date.now(), attempts: 0 })
    const { session, told } = await friendNode(bob)
    reachable.set(bob.key, session)
    noticeSender.start()
    // Whatever is owed goes before the notices in one delivery: by now it would have.
    await waitFor(() => told.notices.length === 1)
    expect(told.notices).toEqual([['gone-1']])
    expect(told.revoked).toEqual([])

    await revokedDevice(full, devices)
    noticeSender.kick()
    await waitFor(() => told.revoked.length === 1)
    expect(told.revoked[0]!.revocations).toHaveLength(1)
    expect(told.revoked[0]!.pairSecret).toEqual(new Uint8Array(32).fill(8))
  })
})

describe('friendNotices: hints', () => {
  it('go over open sessions, to friends who may see the item; nobody is dialled for one', async () => {
    const full = await fullDevice()
    const { hints, friends, sessions, dialled, db } = noticesOf(full)
    const bob = person('Bob'); const carol = person('Carol'); const mallory = person('Mallory')
    await befriend(friends, bob, carol)
    const note = await new ItemsStore(db).create({ type: 'note', text: 'hi', audience: { kind: 'friends' } })
    const atBob = await friendNode(bob)
    const atMallory = await friendNode(mallory)
    sessions.add(bob.key, atBob.session)
    sessions.add(mallory.key, atMallory.session) // online, but no friend
    hints.itemsChanged([note.id])
    await hints.flushNow()
    expect(hints.sent).toBe(1)
    await waitFor(() => atBob.told.hints === 1)
    expect(atMallory.told.hints).toBe(0)
    expect(dialled).toEqual([]) // Carol is offline: she syncs when she comes back
  })

  it('an item only for me is hinted to nobody', async () => {
    const full = await fullDevice()
    const { hints, friends, sessions, db } = noticesOf(full)
    const bob = person('Bob')
    await befriend(friends, bob)
    const mine = await new ItemsStore(db).create({ type: 'note', text: 'diary', audience: { kind: 'me' } })
    const atBob = await friendNode(bob)
    sessions.add(bob.key, atBob.session)
    hints.itemsChanged([mine.id])
    await hints.flushNow()
    expect(hints.sent).toBe(0)
    expect(atBob.told.hints).toBe(0)
  })
})
