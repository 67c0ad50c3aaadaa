// Pulls from several of my devices take turns (DeviceSyncSessions): a newly
// linked device would otherwise pull everything from each of them at once,
// both pulls fighting over the same tables.
import { describe, expect, it, vi } from 'vitest'
import type { NodeSession } from '../../node-tab/connections/sessions'
import { DeviceSyncSessions } from '../../node-tab/devices/device-sync-sessions'
import { connectDevices, device, dump, syncFrom, type Device } from './sync-fixtures'

/** A session of `to` with `from` whose sync calls are written to `events`. */
function sessionWith (to: Device, from: Device, events: string[]): { session: NodeSession, close: () => void } {
  const { peer, close } = connectDevices(to, from)
  const closers: Array<() => void> = []
  const rpc = {
    get closed () { return peer.closed },
    call: async (...args: Parameters<typeof peer.call>) => {
      events.push(`${from.name} asks`)
      try {
        return await peer.call(...args)
      } finally {
        events.push(`${from.name} answered`)
      }
    }
  }
  const session = { rpc, transport: { onClose: (f: () => void) => closers.push(f) } } as unknown as NodeSession
  return { session, close: () => { close(); for (const f of closers) f() } }
}

describe('device sync sessions', () => {
  it('pulls from one device at a time: the second pull starts once the first is done, and finds everything here', async () => {
    const [a, b, c] = [device('A'), device('B'), device('C')]
    for (let i = 0; i < 20; i++) await a.items.create({ type: 'note', text: `note ${i}`, audience: { kind: 'friends' } })
    await syncFrom(b, a)
    const events: string[] = []
    const changed: number[] = []
    const sessions = new DeviceSyncSessions(c.db, c.key, (changes) => changed.push(changes.itemIds.size), { accept: () => true, pullEveryMs: 60_000 })
    const withA = sessionWith(c, a, events)
    const withB = sessionWith(c, b, events)
    sessions.attach(a.key, withA.session)
    sessions.attach(b.key, withB.session)
    try {
      await vi.waitFor(() => expect(events.length).toBe(4), { timeout: 10_000 })
      await vi.waitFor(() => expect(sessions.summary()).toBe('up to date'), { timeout: 10_000 })
      const first = events[0]!.split(' ')[0]!
      const second = first === 'A' ? 'B' : 'A'
      expect(events).toEqual([`${first} asks`, `${first} answered`, `${second} asks`, `${second} answered`])
      // Only the first pull changed anything: the second found it all here.
      expect(changed).toEqual([20])
      expect((await dump(c.db)).items).toEqual((await dump(a.db)).items)
    } finally {
      sessions.stopAll()
      withA.close()
      withB.close()
    }
  })
})
