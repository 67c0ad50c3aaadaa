// OwnDevices (node-tab/devices/own-devices.ts): the person's other devices
// from this one: how many, and how many connected; revoking one (only from
// a full device, never itself), which replaces every secret it knew; and
// following device records that sync brought. Real stores on
// fake-indexeddb; the network code and dialling are not needed here.
import { afterEach, describe, expect, it } from 'vitest'
import { bytesEqual, fromHex, toHex } from '../../../shared/util/bytes'
import { generateSigningKeyPair } from '../../../shared/crypto/crypto'
import { issueDeviceCertificate, revokeDevice, type DeviceRole } from '../../../shared/identity/device-certificate'
import { SessionRegistry, type NodeSession } from '../../../node-tab/connections/sessions'
import { OwnDevices } from '../../../node-tab/devices/own-devices'
import { DevicesStore } from '../../../node-tab/storage/devices-store'
import { FriendsStore } from '../../../node-tab/storage/friends-store'
import { DEVICES_SECRET_KEY } from '../../../node-tab/storage/identity-store'
import { connect, person as sessionPerson } from '../friend-fixtures'
import { befriend, kithError, person } from '../store-fixtures'
import { waitFor } from '../waiting'
import { fullDevice, serverDeviceOf, type Device, type FullDevice } from './identities'

const REVOKED = 'this device was revoked by its owner'
const sessions: NodeSession[] = []
afterEach(() => { for (const s of sessions.splice(0)) s.rpc.close('test over') })

async function ownDevicesOf (device: Device) {
  const devices = new DevicesStore(device.db, device.me.identityKey)
  const friends = new FriendsStore(device.db)
  const deviceSessions = new SessionRegistry({ maxSessions: Infinity, idleMs: Infinity, evictableAfterMs: Infinity })
  const calls = { revoked: [] as string[], changes: 0, friendSessionsClosed: [] as Array<[string, string, string]> }
  const unused = async (): Promise<never> => { throw new Error('not used in this test') }
  const own = new OwnDevices({
    db: device.db,
    identity: device.me,
    devices,
    friends,
    deviceSessions,
    friendSessions: { closeDevice: (key, deviceHex, reason) => { calls.friendSessionsClosed.push([key, deviceHex, reason]) } },
    load: unused,
    dial: unused,
    startSession: unused,
    displayName: () => 'Alice',
    trackers: () => [],
    rtcConfig: () => ({ iceServers: [] }),
    onSynced: () => {},
    onRevoked: (deviceHex) => { calls.revoked.push(deviceHex) },
    onChange: () => { calls.changes++ }
  })
  await own.load()
  await devices.load()
  await own.refreshCount()
  return { own, devices, friends, deviceSessions, calls, db: device.db }
}

/** Links another device of `full`'s person, as approving a link records it. */
async function linkDevice (full: FullDevice, devices: DevicesStore, role: DeviceRole = 'server'): Promise<string> {
  const keys = generateSigningKeyPair()
  await devices.add(issueDeviceCertificate(full.signing, { publicKey: keys.publicKey, name: role, role }, Date.now()))
  return toHex(keys.publicKey)
}

/** An open session, held in `registry` as if with that device. */
async function sessionWith (registry: SessionRegistry, deviceHex: string): Promise<NodeSession> {
  const { a, b } = await connect(sessionPerson(), sessionPerson(), () => ({}), () => ({}))
  sessions.push(a, b)
  registry.add(deviceHex, a)
  return a
}

describe('OwnDevices.phrase and refreshCount', () => {
  it('counts my other devices (not this one, not revoked ones) and how many are connected', async () => {
    const full = await fullDevice()
    const { own, devices, deviceSessions } = await ownDevicesOf(full)
    expect(own.phrase()).toBe('no other devices')
    const pi = await linkDevice(full, devices)
    await linkDevice(full, devices, 'full')
    // The count follows refreshCount(), so the status line never waits for the store.
    expect(own.phrase()).toBe('no other devices')
    await own.refreshCount()
    expect(own.phrase()).toBe('0 of 2 other devices connected')
    await sessionWith(deviceSessions, pi)
    expect(own.phrase()).toBe('1 of 2 other devices connected')
    await own.revoke(pi)
    expect(own.phrase()).toBe('0 of 1 other device connected')
  })
})

describe('OwnDevices.revoke', () => {
  it('only a full device revokes', async () => {
    const full = await fullDevice()
    const { own } = await ownDevicesOf(await serverDeviceOf(full))
    await kithError(own.revoke(full.me.deviceHex), 'UNAUTHORIZED', 'Only a full device can revoke a device.')
  })

  it('never itself, and never a device it does not know', async () => {
    const full = await fullDevice()
    const { own, calls } = await ownDevicesOf(full)
    await kithError(own.revoke(full.me.deviceHex), 'BAD_REQUEST', /cannot revoke itself/)
    await kithError(own.revoke('ab'.repeat(32)), 'NOT_FOUND', 'No such device.')
    expect(calls.revoked).toEqual([])
  })

  it('revokes it, closes its session, replaces the devices’ secret and every friend’s meeting secret, and tells onRevoked', async () => {
    const full = await fullDevice()
    const { own, devices, friends, deviceSessions, calls, db } = await ownDevicesOf(full)
    const pi = await linkDevice(full, devices)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob, carol)
    await db.putSetting(DEVICES_SECRET_KEY, new Uint8Array(32).fill(1))
    await own.reloadSecret()
    const oldSecret = own.secret!
    const session = await sessionWith(deviceSessions, pi)

    await own.revoke(pi)
    expect(devices.isRevoked(full.me.identityKey, fromHex(pi))).toBe(true)
    expect((await devices.list()).find((d) => d.key === pi)?.revocation).not.toBeNull()
    await waitFor(() => session.rpc.closed)
    // The swarm my devices meet in: one the revoked device cannot name, kept across a reload.
    expect(bytesEqual(own.secret!, oldSecret)).toBe(false)
    expect(await db.getSetting(DEVICES_SECRET_KEY, (v): v is Uint8Array => v instanceof Uint8Array)).toEqual(own.secret)
    // Each friend gets a next meeting secret of their own, told with the revocation.
    const next = (await friends.list()).map((f) => f.nextPairSecret)
    expect(next.every((s) => s instanceof Uint8Array && s.length === 32)).toBe(true)
    expect(bytesEqual(next[0]!, next[1]!)).toBe(false)
    expect(calls.revoked).toEqual([pi])

    // Revoking it again changes nothing more.
    const secretAfter = own.secret
    await own.revoke(pi)
    expect(own.secret).toBe(secretAfter)
    expect(calls.revoked).toEqual([pi])
  })
})

describe('OwnDevices.followDeviceChanges', () => {
  it('a revocation that came by sync closes that device’s session here too; a friend’s revoked devices lose theirs', async () => {
    const full = await fullDevice()
    const { own, devices, deviceSessions, calls, db } = await ownDevicesOf(full)
    const pi = await linkDevice(full, devices)
    await own.refreshCount()
    const session = await sessionWith(deviceSessions, pi)
    // What a pull from another of my devices writes.
    await db.devices.update(pi, { revocation: revokeDevice(full.signing, fromHex(pi), Date.now()) })
    const bob = person('Bob')
    const bobsPhone = generateSigningKeyPair().publicKey
    await db.peerRevocations.put({ identityKey: bob.key, deviceKey: toHex(bobsPhone), revocation: revokeDevice(bob.identity, bobsPhone, Date.now()) })

    await own.followDeviceChanges()
    await waitFor(() => session.rpc.closed)
    expect(own.phrase()).toBe('no other devices')
    expect(devices.isRevoked(full.me.identityKey, fromHex(pi))).toBe(true)
    expect(calls.friendSessionsClosed).toEqual([[bob.key, toHex(bobsPhone), REVOKED]])
  })
})
