// Naming this device (DESIGN §6a): a full device certifies itself again
// under the new name; friends still accept it as the person; a server
// device, which holds no identity key, cannot; an empty name is refused.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { checkDeviceCertificate, FIRST_DEVICE_NAME } from '../../shared/identity/device-certificate'
import { befriend, connectNodes, NodeSet } from './device-fixtures'

const set = new NodeSet()
afterEach(() => set.closeAll())

describe('renaming this device', () => {
  it('a full device is listed under its new name, with a certificate that chains to the identity, and friends accept it', async () => {
    const laptop = await set.open()
    const bob = await set.open()
    await befriend(laptop, bob)
    const me = toHex(laptop.credentials.device.publicKey)
    expect((await laptop.devices.list()).find((d) => d.key === me)!.certificate.name).toBe(FIRST_DEVICE_NAME)

    await laptop.renameThisDevice('  Sam’s\u202e laptop ')
    const listed = (await laptop.devices.list()).find((d) => d.key === me)!
    expect(listed.certificate.name).toBe('Sam’s laptop') // cleaned like any device name
    expect(checkDeviceCertificate(listed.certificate, { identityKey: laptop.identityKey, now: Date.now() }).role).toBe('full')
    expect(laptop.credentials.certificate!.name).toBe('Sam’s laptop')

    // The new certificate is what it proves in a handshake now.
    const session = await connectNodes(bob, laptop)
    expect(session.remotePublicKey).toEqual(laptop.identityKey)
    expect(session.remoteDevice.certificate!.name).toBe('Sam’s laptop')
  })

  it('refuses an empty name and leaves the old one', async () => {
    const laptop = await set.open()
    await expect(laptop.renameThisDevice(' \t ')).rejects.toThrow(/Give the device a name/)
    expect(laptop.credentials.certificate!.name).toBe(FIRST_DEVICE_NAME)
  })

  it('a server device cannot rename itself: it holds no identity key', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const before = pi.credentials.certificate!.name
    await expect(pi.renameThisDevice('Not a Pi')).rejects.toThrow(/Only a full device/)
    expect(pi.credentials.certificate!.name).toBe(before)
  })
})
