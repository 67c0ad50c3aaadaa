// A device learns it was revoked (DESIGN §6a, devices/revoked-here.ts): the
// full device that revokes it tells it over their open session, with the
// revocation the identity signed; it stops serving, says by whom and when,
// and after a restart stays stopped with the same words. A revocation not
// signed by the identity, or one for another device, changes nothing.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { revokeDevice } from '../../shared/identity/device-certificate'
import { createIdentity } from '../../shared/identity/identity'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { toldRevokedBefore } from '../../node-tab/devices/revoked-here'
import { connectNodes, NodeSet, signingOf, until } from './device-fixtures'

const set = new NodeSet()
afterEach(() => set.closeAll())

const day = (): string => new Date().toISOString().slice(0, 10)

describe('a device told of its own revocation', () => {
  it('hears it from the laptop that revoked it, stops, and says by whom and when — also after a restart', async () => {
    const laptop = await set.open()
    await laptop.verify()
    await laptop.renameThisDevice('Laptop')
    const pi = await set.serverDeviceOf(laptop)
    await pi.verify()
    let told: unknown = null
    pi.revoked.catch((err: unknown) => { told = err })
    // The Pi dials the laptop, as its device links do.
    await connectNodes(pi, laptop)
    await until(() => laptop.deviceSessions.isOnline(toHex(pi.credentials.device.publicKey)))

    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))
    await until(() => told !== null)
    expect((told as Error).name).toBe('DeviceRevokedError')
    expect((told as Error).message).toBe(`This device was revoked by Laptop on ${day()}; it no longer serves your friends or syncs. To use it again, clear this browser’s data for Kith and link it anew.`)

    // A restart of the same device (the same database) stays stopped, in the
    // same words: the page reads them before it opens the node, and the node
    // itself refuses to start.
    const reopened = (): NodeDatabase => new NodeDatabase(pi.db.name)
    expect((await toldRevokedBefore(reopened()))?.message).toBe((told as Error).message)
    const again = await KithNode.open({ db: reopened(), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    await expect(again.verify()).rejects.toThrow(`This device was revoked by Laptop on ${day()}`)
    again.close()
    // The laptop still serves: only the revoked device stopped.
    expect(await toldRevokedBefore(laptop.db)).toBeNull()
  })

  it('refuses a revocation its identity did not sign, and ignores one for another device', async () => {
    const laptop = await set.open()
    await laptop.verify()
    const pi = await set.serverDeviceOf(laptop)
    await pi.verify()
    let told = false
    pi.revoked.catch(() => { told = true })
    const session = await connectNodes(laptop, pi)
    const forged = revokeDevice(createIdentity(), pi.credentials.device.publicKey, Date.now())
    await expect(session.rpc.call('deviceRevoked', { revocations: [forged] })).rejects.toThrow()
    const other = revokeDevice(await signingOf(laptop), generateSigningKeyPair().publicKey, Date.now())
    expect(await session.rpc.call('deviceRevoked', { revocations: [other] })).toEqual({ ok: true })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(told).toBe(false)
    expect((await pi.devices.list()).find((d) => d.key === toHex(pi.credentials.device.publicKey))!.revocation).toBeNull()
  })

  it('a friend cannot tell a node it was revoked: only my own devices’ sessions take it', async () => {
    const laptop = await set.open()
    await laptop.verify()
    const pi = await set.serverDeviceOf(laptop)
    await pi.verify()
    const bob = await set.open()
    await laptop.friends.add({ key: bob.keyHex, address: bob.address, displayName: 'B' })
    await pi.friends.add({ key: bob.keyHex, address: bob.address, displayName: 'B' })
    await bob.friends.add({ key: laptop.keyHex, address: laptop.address, displayName: 'A' })
    let told = false
    pi.revoked.catch(() => { told = true })
    // Even with a real revocation in hand (say Bob got it as a friend), it is
    // taken as news of Alice's devices for Bob's side, not as the Pi's own.
    const real = revokeDevice(await signingOf(laptop), pi.credentials.device.publicKey, Date.now())
    const session = await connectNodes(bob, pi)
    await session.rpc.call('deviceRevoked', { revocations: [real] }).catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(told).toBe(false)
  })

  // Attack: a thief holding the identity key (a stolen laptop) revokes the
  // person's phone first and tells it so. A full device must not silence
  // itself: it is where the person rotates from (docs/security.md).
  it('a full device told of its own revocation does not stop itself, now or after a restart', async () => {
    const laptop = await set.open()
    await laptop.verify()
    const phone = await set.fullDeviceOf(laptop)
    const identity = await signingOf(laptop)
    const device = phone.credentials.device
    await phone.verify()
    expect(phone.role).toBe('full')
    let told = false
    phone.revoked.catch(() => { told = true })
    const session = await connectNodes(laptop, phone)
    const revocation = revokeDevice(identity, device.publicKey, Date.now())
    expect(await session.rpc.call('deviceRevoked', { revocations: [revocation] })).toEqual({ ok: true })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(told).toBe(false)
    expect(await toldRevokedBefore(phone.db)).toBeNull()
    // Its revocation arrives by sync anyway: a restart still opens.
    await phone.devices.revoke(revocation)
    phone.close()
    const again = await KithNode.open({ db: new NodeDatabase(phone.db.name), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    await expect(again.verify()).resolves.toBeUndefined()
    again.close()
  })
})

