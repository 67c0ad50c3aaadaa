// Hints that the network may have changed: a timer that fires far too late
// means the machine slept; hints fan out to every subscriber, a burst of
// them (many sessions breaking at once) as one.
import { afterEach, describe, expect, it } from 'vitest'
import { networkMayHaveChanged, onNetworkChange, startWakeDetector } from '../../node-tab/discovery/network-watch'
import { sleep, waitFor } from './waiting'

const cleanups: (() => void)[] = []
afterEach(() => { while (cleanups.length > 0) cleanups.pop()!() })

describe('startWakeDetector', () => {
  it('reports a tick that came far later than asked, with how late, and not the ones on time', async () => {
    let skew = 0
    const wakes: number[] = []
    cleanups.push(startWakeDetector({ intervalMs: 20, lateByMs: 10_000, now: () => Date.now() + skew, onWake: (ms) => wakes.push(ms) }))
    await sleep(150) // several ticks on time
    expect(wakes).toEqual([])
    skew = 30_000 // the clock jumps, as after a sleep with every timer stopped
    await waitFor(() => wakes.length === 1, 1_000)
    expect(wakes[0]).toBeGreaterThan(25_000)
    await sleep(150)
    expect(wakes).toHaveLength(1) // once per sleep, not at every later tick
  })
})

describe('network change hints', () => {
  it('reach every subscriber, a burst as one, and none after unsubscribing', async () => {
    const a: string[] = []
    const b: string[] = []
    const stopA = onNetworkChange((reason) => a.push(reason))
    cleanups.push(onNetworkChange((reason) => b.push(reason)))
    await sleep(1_100) // past any hint an earlier test gave
    for (let i = 0; i < 50; i++) networkMayHaveChanged('a peer connection lost its path')
    expect(a).toEqual(['a peer connection lost its path'])
    expect(b).toEqual(['a peer connection lost its path'])
    stopA()
    await sleep(1_100)
    networkMayHaveChanged('the browser is online again')
    expect(a).toHaveLength(1)
    expect(b).toEqual(['a peer connection lost its path', 'the browser is online again'])
  })

  it('a subscriber that throws does not keep the hint from the others', async () => {
    const got: string[] = []
    const thrown: unknown[] = []
    const onError = (err: unknown): void => { thrown.push(err) }
    process.on('uncaughtException', onError)
    cleanups.push(() => process.off('uncaughtException', onError))
    cleanups.push(onNetworkChange(() => { throw new Error('faulty subscriber') }))
    cleanups.push(onNetworkChange((reason) => got.push(reason)))
    await sleep(1_100)
    networkMayHaveChanged('woke after about 40 s asleep')
    expect(got).toEqual(['woke after about 40 s asleep'])
    await waitFor(() => thrown.length === 1, 1_000)
  })
})
