// The sync queue's rules, in fake time: a friend's syncs start at least a
// second apart (the last request still leads to one), a friend asking again
// goes behind those waiting, and a turn that runs out of time gives its
// slot up and is queued again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SyncCoalescer } from '../../client/friends/sync-coalescer'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('SyncCoalescer in time', () => {
  it('starts one friend’s syncs at least a second apart, and one more after the last request', async () => {
    const starts: number[] = []
    const c = new SyncCoalescer(async () => { starts.push(Date.now()); await wait(100) })
    const t0 = Date.now()
    // A burst: one now, one a second later.
    for (let i = 0; i < 10_000; i++) c.request('bea')
    await vi.advanceTimersByTimeAsync(5_000)
    expect(starts.map((at) => at - t0)).toEqual([0, 1_000])

    // Requests every millisecond for three seconds, the last at t1 + 2999.
    starts.length = 0
    const t1 = Date.now()
    for (let ms = 0; ms < 3_000; ms++) {
      c.request('bea')
      await vi.advanceTimersByTimeAsync(1)
    }
    await vi.advanceTimersByTimeAsync(5_000)
    expect(starts.length).toBeLessThanOrEqual(4)
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(1_000)
    expect(starts.at(-1)! - t1).toBeGreaterThanOrEqual(2_999) // the last request led to a sync after it
    expect(c.isBusy('bea')).toBe(false)
  })

  it('a request during a sync is not lost: one more follows, a second after the first began', async () => {
    const starts: number[] = []
    const c = new SyncCoalescer(async () => { starts.push(Date.now()); await wait(1_500) })
    const t0 = Date.now()
    c.request('bea')
    await vi.advanceTimersByTimeAsync(1_400)
    c.request('bea')
    await vi.advanceTimersByTimeAsync(5_000)
    expect(starts.map((at) => at - t0)).toEqual([0, 1_500])
  })

  it('a friend asking again gives up the slot to friends already waiting', async () => {
    const runs: string[] = []
    const gates = new Map<string, () => void>()
    const c = new SyncCoalescer(async (key) => {
      runs.push(key)
      await new Promise<void>((resolve) => gates.set(key, resolve))
    }, { maxConcurrent: 1, minIntervalMs: 0 })
    c.request('ann')
    c.request('ann') // pending behind her own
    c.request('bea')
    c.request('cat')
    expect(runs).toEqual(['ann'])
    for (const next of ['ann', 'bea', 'cat', 'ann']) {
      gates.get(next)!()
      await vi.advanceTimersByTimeAsync(1)
    }
    expect(runs).toEqual(['ann', 'bea', 'cat', 'ann'])
  })

  it('a turn that runs out of time gives up its slot (its signal aborts) and is queued behind the others', async () => {
    const runs: string[] = []
    const signals: AbortSignal[] = []
    const c = new SyncCoalescer(async (key, signal) => {
      runs.push(key)
      if (key === 'slow') {
        signals.push(signal)
        await new Promise(() => {}) // holds on, even past its signal
      }
    }, { maxConcurrent: 1, turnMs: 15_000 })
    c.request('slow')
    c.request('quick')
    await vi.advanceTimersByTimeAsync(14_999)
    expect(runs).toEqual(['slow'])
    expect(signals[0]!.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(signals[0]!.aborted).toBe(true)
    expect(runs).toEqual(['slow', 'quick', 'slow'])
    expect(c.cutShort).toBe(1)
    expect(c.isBusy('quick')).toBe(false)
  })
})
