// The devices secrets a device left (node-tab/devices/left-device-meetings.ts):
// listened in a while after a revocation replaced them, kept on the device,
// bounded, and dialled only by a device that rotated, only towards devices
// it has not met since.
import { describe, expect, it } from 'vitest'
import { firstDialled, leftDevicesSecrets, LEFT_DEVICES_SECRETS_KEY, rememberLeftDevicesSecret, secretsToDial } from '../../node-tab/devices/left-device-meetings'
import { LEFT_MEETING_MS } from '../../node-tab/person/left-meetings'
import { NodeDatabase } from '../../node-tab/storage/db'
import { isPersonSetting } from '../../node-tab/sync/tables'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Transport } from '../../shared/wire/transport'

const secret = (n: number): Uint8Array => new Uint8Array(32).fill(n)

describe('left devices secrets', () => {
  it('are kept for LEFT_MEETING_MS, at most four, the oldest (a thief revoking again and again cannot push out the one honest devices know), and never synced', async () => {
    const db = new NodeDatabase(`left-${Math.random()}`)
    const now = 1_000_000
    await rememberLeftDevicesSecret(db, null, secret(1), now) // the first secret left nothing
    await rememberLeftDevicesSecret(db, secret(1), secret(1), now) // nor did one that stayed
    expect(await leftDevicesSecrets(db, now)).toHaveLength(0)
    for (let n = 1; n <= 6; n++) await rememberLeftDevicesSecret(db, secret(n), secret(n + 1), now + n)
    const left = await leftDevicesSecrets(db, now + 10)
    expect(left.map((e) => e.secret[0])).toEqual([1, 2, 3, 4])
    expect(await leftDevicesSecrets(db, now + 4 + LEFT_MEETING_MS)).toHaveLength(0)
    // Once the oldest expired, there is room again.
    await rememberLeftDevicesSecret(db, secret(9), secret(10), now + 2 + LEFT_MEETING_MS)
    expect((await leftDevicesSecrets(db, now + 2 + LEFT_MEETING_MS)).map((e) => e.secret[0])).toEqual([3, 4, 9])
    expect(isPersonSetting(LEFT_DEVICES_SECRETS_KEY)).toBe(false)
    // A stored row of the wrong shape (restored from elsewhere) decides nothing.
    await db.putSetting(LEFT_DEVICES_SECRETS_KEY, [{ secret: new Uint8Array(3), since: 0, until: Number.MAX_SAFE_INTEGER }])
    expect(await leftDevicesSecrets(db)).toHaveLength(0)
  })

  it('are dialled only after a rotation, and only towards a device not met since', () => {
    const left = [{ secret: secret(2), since: 100, until: 1e12 }]
    expect(secretsToDial(secret(3), left, 50, false)).toEqual([secret(3)])
    expect(secretsToDial(secret(3), left, 50, true)).toEqual([secret(3), secret(2)])
    expect(secretsToDial(secret(3), left, null, true)).toEqual([secret(3), secret(2)])
    expect(secretsToDial(secret(3), left, 150, true)).toEqual([secret(3)])
  })

  it('the first dial to find the device wins; the others are given up, and closed if they arrive late', async () => {
    const signals: AbortSignal[] = []
    let late: (t: Transport) => void = () => {}
    const [first] = createMemoryTransportPair()
    const [second] = createMemoryTransportPair()
    const won = await firstDialled([
      async (signal) => { signals.push(signal); return await new Promise<Transport>((resolve) => { late = resolve }) },
      async (signal) => { signals.push(signal); return first }
    ], new AbortController().signal)
    expect(won).toBe(first)
    expect(signals[0]!.aborted).toBe(true)
    expect(signals[1]!.aborted).toBe(false)
    late(second)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(second.closed).toBe(true)
    expect(first.closed).toBe(false)
  })
})
