// One server per browser profile over plain http on a LAN address, where
// Web Locks do not exist: tabs agree over a BroadcastChannel (Node has the
// same one), so a second tab does not start a second node.
import { afterEach, describe, expect, it } from 'vitest'
import { claimOverChannel, type ChannelLockOptions } from '../../client/boot/channel-lock'
import { claimNode, type NodeLock } from '../../client/boot/single-tab'

let name = ''
const held: NodeLock[] = []
/** One tab's claim, on this test's channel. */
async function tab (opts: Partial<ChannelLockOptions> = {}): Promise<NodeLock | null> {
  const lock = await claimOverChannel({ waitMs: 150, channel: new BroadcastChannel(name), ...opts })
  if (lock) held.push(lock)
  return lock
}
const settled = (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300))])

describe('one serving tab without Web Locks', () => {
  afterEach(() => {
    for (const lock of held.splice(0)) lock.release()
    name = ''
  })

  it('a second tab finds the first serving and does not serve', async () => {
    name = `kith-test-${Math.random()}`
    expect(await tab()).not.toBeNull()
    expect(await tab()).toBeNull()
    expect(await tab()).toBeNull()
  })

  it('two tabs opened at the same moment: exactly one serves', async () => {
    name = `kith-test-${Math.random()}`
    const claims = await Promise.all([tab(), tab(), tab()])
    expect(claims.filter((c) => c !== null)).toHaveLength(1)
  })

  it('"Use this tab instead" takes over: the first tab is told to stop', async () => {
    name = `kith-test-${Math.random()}`
    const first = (await tab())!
    const second = await tab({ steal: true })
    expect(second).not.toBeNull()
    expect(await settled(first.lost)).toBe(true)
    expect(await tab()).toBeNull() // the new one serves now
  })

  it('two serving tabs (one was frozen while the other started) end with one: the newest claim', async () => {
    name = `kith-test-${Math.random()}`
    let t = 1000
    const older = (await tab({ now: () => t }))!
    // A tab that could not hear the first (it was frozen) and so serves too.
    const apart = new BroadcastChannel(`${name}-elsewhere`)
    t = 2000
    const newer = (await claimOverChannel({ waitMs: 50, channel: apart, now: () => t }))!
    held.push(newer)
    // Unfrozen: they hear each other's "serving".
    const meeting = new BroadcastChannel(name)
    meeting.postMessage({ kind: 'serving', id: 'the-newer-tab', since: 2000 })
    meeting.close()
    expect(await settled(older.lost)).toBe(true)
    expect(await settled(newer.lost)).toBe(false)
  })

  it('a tab that closed lets the next one serve', async () => {
    name = `kith-test-${Math.random()}`
    const first = (await tab())!
    first.release()
    held.splice(held.indexOf(first), 1)
    expect(await tab()).not.toBeNull()
  })

  it('messages that are not the protocol are ignored', async () => {
    name = `kith-test-${Math.random()}`
    const first = (await tab())!
    const junk = new BroadcastChannel(name)
    for (const m of [null, 'serving', { kind: 'steal' }, { kind: 'serving', id: 'x' }, { kind: 'steal', id: 5, since: 1 }]) junk.postMessage(m)
    junk.close()
    expect(await settled(first.lost)).toBe(false)
  })

  it('claimNode uses it where there are no Web Locks', async () => {
    const first = await claimNode({ locks: undefined, waitMs: 150 })
    expect(first).not.toBeNull()
    try {
      expect(await claimNode({ locks: undefined, waitMs: 150 })).toBeNull()
    } finally {
      first!.release()
    }
  })
})
