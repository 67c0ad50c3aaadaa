// ListenerLifecycle (node-tab/rendezvous/listener-lifecycle.ts): whether
// the node sits in its swarms. A stand-in Listener class, handed over by
// `load` as the network code would, records what the lifecycle does to it.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdentity } from '../../../shared/identity/identity'
import type { Listener, ListenerOptions } from '../../../node-tab/discovery/listener'
import { ReplayGuard } from '../../../node-tab/discovery/replay-guard'
import { RelayBook } from '../../../node-tab/discovery/tracker-relays'
import type { TrackerStatus } from '../../../node-tab/discovery/tracker-types'
import { ListenerLifecycle, type ListenerLifecycleOptions } from '../../../node-tab/rendezvous/listener-lifecycle'

class FakeListener {
  static made: FakeListener[] = []
  started = 0
  stopped = 0
  refreshes = 0
  trackers: string[]
  joinedTopics = new Set(['swarm-a', 'swarm-b'])
  constructor (readonly opts: ListenerOptions) {
    this.trackers = opts.trackers
    FakeListener.made.push(this)
  }

  start (): void { this.started++ }
  stop (): void { this.stopped++ }
  async refreshTopics (): Promise<void> { this.refreshes++ }
  setTrackers (urls: string[]): void { this.trackers = urls }
  status (): TrackerStatus[] { return [{ url: this.trackers[0] ?? '', state: 'open', health: 'working' }] }
}

const asListenerClass = (c: typeof FakeListener): typeof Listener => c as unknown as typeof Listener

afterEach(() => {
  FakeListener.made = []
  vi.useRealTimers()
  vi.restoreAllMocks()
})

function lifecycle (over: Partial<ListenerLifecycleOptions> = {}) {
  const calls = { loads: 0, changes: 0, started: 0, stopped: 0, accepted: [] as string[], topics: [] as number[] }
  const signing = createIdentity()
  const replays = new ReplayGuard()
  const relays = new RelayBook()
  const life = new ListenerLifecycle({
    load: async () => { calls.loads++; return asListenerClass(FakeListener) },
    signing: () => signing,
    topics: async (epoch) => { calls.topics.push(epoch); return [] },
    trackers: () => ['ws://tracker.test'],
    rtcConfig: () => ({ iceServers: [] }),
    accept: async (_transport, via) => { calls.accepted.push(via) },
    replays,
    relays,
    onChange: () => { calls.changes++ },
    onStarted: () => { calls.started++ },
    onStopped: () => { calls.stopped++ },
    failure: () => null,
    ...over
  })
  return { life, calls, signing, replays, relays }
}

describe('ListenerLifecycle.start', () => {
  it('loads the code, then starts one listener with the node’s identity, swarms and network, once', async () => {
    const { life, calls, signing, replays, relays } = lifecycle()
    expect(life.isListening).toBe(false)
    life.start()
    life.start()
    await life.started
    expect(calls.loads).toBe(1)
    expect(FakeListener.made).toHaveLength(1)
    const [listener] = FakeListener.made
    expect(listener!.started).toBe(1)
    expect(calls.started).toBe(1)
    expect(life.isListening).toBe(true)
    expect(listener!.opts).toMatchObject({ identity: signing, trackers: ['ws://tracker.test'], rtcConfig: { iceServers: [] }, replays, relays })
    // What the listener reports goes where the node wants it.
    await listener!.opts.topics(42)
    expect(calls.topics).toEqual([42])
    await listener!.opts.onTransport({} as never, 'pair')
    expect(calls.accepted).toEqual(['pair'])
    listener!.opts.onStatus!([])
    expect(calls.changes).toBe(1)
    // Starting again while listening changes nothing.
    life.start()
    await life.started
    expect(FakeListener.made).toHaveLength(1)
  })

  it('a stop() before the code has loaded: no listener starts', async () => {
    const { life, calls } = lifecycle()
    life.start()
    life.stop()
    await life.started
    expect(FakeListener.made).toHaveLength(0)
    expect(life.isListening).toBe(false)
    expect(calls.started).toBe(0)
  })

  it('a load that fails logs, calls onChange, leaves it not listening, and a later start() tries again', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    let fail = true
    const { life, calls } = lifecycle({
      load: async () => {
        if (fail) throw new Error('chunk failed to load')
        return asListenerClass(FakeListener)
      }
    })
    life.start()
    await life.started
    expect(life.isListening).toBe(false)
    expect(calls.changes).toBe(1)
    expect(errors).toHaveBeenCalledTimes(1)
    expect(String(errors.mock.calls[0]![0])).toMatch(/could not load; not listening/)
    fail = false
    life.start()
    await life.started
    expect(life.isListening).toBe(true)
  })

  it('when the node stopped for a damaged identity, the log says why', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const damaged = new Error('The stored identity is damaged.')
    const { life } = lifecycle({ load: async () => { throw damaged }, failure: () => damaged })
    life.start()
    await life.started
    expect(errors.mock.calls[0]).toEqual(['[kith] not listening:', damaged.message])
  })
})

describe('ListenerLifecycle.stop and restart', () => {
  it('stop() stops the listener and what depends on it; nothing is joined or reported then', async () => {
    const { life, calls } = lifecycle()
    life.start()
    await life.started
    expect([...life.joinedTopics]).toEqual(['swarm-a', 'swarm-b'])
    expect(life.status()).toEqual([{ url: 'ws://tracker.test', state: 'open', health: 'working' }])
    life.stop()
    expect(FakeListener.made[0]!.stopped).toBe(1)
    expect(calls.stopped).toBe(1)
    expect(life.isListening).toBe(false)
    expect(life.joinedTopics.size).toBe(0)
    expect(life.status()).toEqual([])
  })

  it('restart() starts over with a new listener; before any start() it does nothing', async () => {
    const { life, calls } = lifecycle()
    life.restart()
    await life.started
    expect(calls.loads).toBe(0)
    expect(life.isListening).toBe(false)

    life.start()
    await life.started
    life.restart()
    await life.started
    expect(FakeListener.made).toHaveLength(2)
    expect(FakeListener.made[0]!.stopped).toBe(1)
    expect(FakeListener.made[1]!.started).toBe(1)
    expect(life.isListening).toBe(true)
  })

  it('setTrackers() goes to the running listener', async () => {
    const { life } = lifecycle()
    life.setTrackers(['ws://ignored.test']) // not listening: nothing to tell
    life.start()
    await life.started
    life.setTrackers(['ws://other.test'])
    expect(FakeListener.made[0]!.trackers).toEqual(['ws://other.test'])
  })
})

describe('ListenerLifecycle.refreshSoon', () => {
  it('a burst of changes refreshes the swarms once', async () => {
    const { life } = lifecycle()
    life.start()
    await life.started
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    for (let i = 0; i < 20; i++) life.refreshSoon()
    const [listener] = FakeListener.made
    expect(listener!.refreshes).toBe(0)
    vi.runAllTimers()
    expect(listener!.refreshes).toBe(1)
    // The next change after that refreshes again.
    life.refreshSoon()
    vi.runAllTimers()
    expect(listener!.refreshes).toBe(2)
  })

  it('does nothing while not listening, and a refresh pending at stop() never runs', async () => {
    const { life } = lifecycle()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    life.refreshSoon()
    expect(vi.getTimerCount()).toBe(0)
    vi.useRealTimers()
    life.start()
    await life.started
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    life.refreshSoon()
    life.stop()
    vi.runAllTimers()
    expect(FakeListener.made[0]!.refreshes).toBe(0)
  })
})
