// Dialling my other devices (node-tab/devices/own-device-links.ts): every
// unrevoked device without a session, never this one or a revoked one, and
// less and less often while one stays away.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { OwnDeviceLinks } from '../../node-tab/devices/own-device-links'
import type { KnownDevice } from '../../node-tab/storage/devices-store'

const links: OwnDeviceLinks[] = []
afterEach(() => { for (const l of links.splice(0)) l.stop() })

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

function setUp (devices: Array<{ key: string, revoked?: boolean }>, me: Uint8Array) {
  const now = { t: 1_000_000 }
  const dialled: string[] = []
  const known = devices.map((d) => ({ key: d.key, revocation: d.revoked ? {} : null })) as unknown as KnownDevice[]
  const l = new OwnDeviceLinks({
    myDeviceKey: me,
    devices: async () => known,
    isOpen: () => false,
    connect: async (key) => { dialled.push(toHex(key)); throw new Error('not found') },
    checkEveryMs: 60_000_000, // kicked by hand below
    now: () => now.t
  })
  links.push(l)
  return { l, now, dialled }
}

describe('dialling my other devices', () => {
  it('dials each unrevoked other device, never this one or a revoked one', async () => {
    const me = generateSigningKeyPair().publicKey
    const other = toHex(generateSigningKeyPair().publicKey)
    const revoked = toHex(generateSigningKeyPair().publicKey)
    const { l, dialled } = setUp([{ key: toHex(me) }, { key: other }, { key: revoked, revoked: true }], me)
    l.start()
    await settle()
    expect(dialled).toEqual([other])
  })

  it('looks for a device that stays away less and less often, and at once after a session with it closed', async () => {
    const me = generateSigningKeyPair().publicKey
    const other = toHex(generateSigningKeyPair().publicKey)
    const { l, now, dialled } = setUp([{ key: other }], me)
    /** Moves the clock on, kicks, and says whom it has dialled so far. */
    const kickAfter = async (ms: number): Promise<string[]> => { now.t += ms; l.kick(); await settle(); return dialled }
    l.start()
    await settle()
    expect(dialled).toHaveLength(1)
    expect(await kickAfter(20_000)).toHaveLength(1) // within the first 30 s pause
    expect(await kickAfter(11_000)).toHaveLength(2)
    expect(await kickAfter(45_000)).toHaveLength(2) // the pause doubled to 60 s
    l.lost(other)
    await settle()
    expect(dialled).toHaveLength(3)
  })
})
