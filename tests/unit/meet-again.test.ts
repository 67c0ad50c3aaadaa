// After a rotation the rotating device meets everyone again, so they hear of
// it in a hello (node-tab/devices/meet-again.ts): friends online now are
// closed and dialled again; each of my devices is closed only once it has
// pulled everything up to the rotation (else it would miss the new devices
// secret and never find me again).
import { describe, expect, it } from 'vitest'
import { MEET_AGAIN, MeetAgain } from '../../node-tab/devices/meet-again'

function fakes (opts: { friends?: string[], devices?: string[], last?: number } = {}) {
  const closed: string[] = []
  const dialled: string[] = []
  const closedDevices: string[] = []
  const meetAgain = new MeetAgain({
    lastPosition: async () => opts.last ?? 40,
    friendSessions: { onlineKeys: () => opts.friends ?? [], closeEverything: (reason) => closed.push(reason) },
    deviceSessions: { onlineKeys: () => opts.devices ?? [], closeAll: (hex, reason) => closedDevices.push(`${hex}: ${reason}`) },
    dial: async (hex) => { dialled.push(hex) }
  })
  return { meetAgain, closed, dialled, closedDevices }
}

describe('meeting again after a rotation', () => {
  it('closes the friends’ sessions and dials the friends who were online', async () => {
    const f = fakes({ friends: ['b0b', 'ca401'] })
    f.meetAgain.beforeRevoking()
    await f.meetAgain.afterRevoking()
    expect(f.closed).toEqual([MEET_AGAIN])
    expect(f.dialled).toEqual(['b0b', 'ca401'])
    // Once: the next rotation dials whoever is online then.
    await f.meetAgain.afterRevoking()
    expect(f.dialled).toHaveLength(2)
  })

  it('closes a device’s session only once it pulls from the rotation on, and only once', async () => {
    const f = fakes({ devices: ['p1', 'p2'], last: 40 })
    f.meetAgain.beforeRevoking()
    await f.meetAgain.afterRevoking()
    expect(f.meetAgain.pulled('p1', 39)).toBe(false)
    expect(f.closedDevices).toEqual([])
    expect(f.meetAgain.pulled('p1', 40)).toBe(true)
    expect(f.closedDevices).toEqual([`p1: ${MEET_AGAIN}`])
    // Its next session, after the new hello, is left alone.
    expect(f.meetAgain.pulled('p1', 41)).toBe(false)
    expect(f.closedDevices).toHaveLength(1)
  })

  it('leaves alone devices that were not connected at the rotation, and everything before a rotation', async () => {
    const before = fakes({ devices: ['p1'] })
    expect(before.meetAgain.pulled('p1', 1_000)).toBe(false)
    before.meetAgain.beforeRevoking()
    await before.meetAgain.afterRevoking()
    expect(before.meetAgain.pulled('p9', 1_000)).toBe(false)
    expect(before.closedDevices).toEqual([])
  })
})
