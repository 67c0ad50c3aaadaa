// The soak run's arithmetic (bench/soak/growth.mjs, results.mjs): what
// counts as growth, and that merging its figures leaves every other one alone.
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module of the bench, no types
import { growth, median, windows } from '../../bench/soak/growth.mjs'
// @ts-expect-error: a plain ES module of the bench, no types
import { mergeFigures } from '../../bench/soak/results.mjs'

const every30s = (minutes: number, heapAt: (t: number) => number) =>
  Array.from({ length: minutes * 2 + 1 }, (_, i) => ({ t: i * 30, heapMB: heapAt(i * 30) }))

describe('soak growth', () => {
  it('takes the last five minutes against the end of the warm-up in a 30-minute run', () => {
    expect(windows(1800, 300)).toEqual({ base: [180, 300], last: [1500, 1800] })
  })

  it('keeps the two windows apart in a short trial run', () => {
    const w = windows(360, 120)
    expect(w.last[0]).toBeGreaterThan(w.base[1])
  })

  it('is nothing for a runner that holds steady from the end of the warm-up on, however much it grew before', () => {
    const samples = every30s(30, (t) => (t < 180 ? t / 10 : 30))
    expect(growth(samples, 'heapMB', windows(1800, 300)).growth).toBe(0)
  })

  it('is what a steady leak adds between the two windows (1 MB a minute: about 25 MB)', () => {
    const samples = every30s(30, (t) => 10 + t / 60)
    const g = growth(samples, 'heapMB', windows(1800, 300))
    expect(g.base).toBe(14)
    expect(g.last).toBe(37.5)
    expect(g.growth).toBe(23.5)
  })

  it('is not moved by one sample that caught a download in flight', () => {
    const samples = every30s(30, (t) => (t === 1650 ? 500 : 10))
    expect(growth(samples, 'heapMB', windows(1800, 300)).growth).toBe(0)
  })

  it('is unknown when a window has no sample (a runner that stopped answering)', () => {
    const samples = every30s(10, () => 10)
    expect(growth(samples, 'heapMB', windows(1800, 300)).growth).toBeNull()
    expect(median([])).toBeNull()
  })
})

describe('merging the soak figures into bench/results.json', () => {
  const fig = (system: string, figure: string, value: number) => ({ system, figure, value, unit: 'MB', ok: true })
  it('replaces the two soak figures of an earlier run and leaves every other figure as it was', () => {
    const existing = [fig('kith', 'connect_s', 0.3), fig('kith-soak', 'runner_heap_growth_MB_30min', 9), fig('kith-scale', 'node_memory_MB_at_100_sessions', 40)]
    const merged = mergeFigures(existing, [fig('kith-soak', 'runner_heap_growth_MB_30min', 0.5), fig('kith-soak', 'runner_rss_growth_MB_30min', 3)])
    expect(merged).toEqual([existing[0], existing[2], fig('kith-soak', 'runner_heap_growth_MB_30min', 0.5), fig('kith-soak', 'runner_rss_growth_MB_30min', 3)])
  })
})
