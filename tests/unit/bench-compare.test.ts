import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module of the bench, no types
import { describeRegressions, regressions } from '../../bench/lib/compare.mjs'

const fig = (system: string, figure: string, value: number | null, unit: string, ok = true) => ({ system, figure, value, unit, ok })

describe('bench comparison with the committed run', () => {
  it('judges a figure against raw in its own run: a machine twice as slow is no regression', () => {
    const before = [fig('raw', 'connect_s', 0.25, 's'), fig('kith', 'connect_s', 0.3, 's')]
    const after = [fig('raw', 'connect_s', 0.5, 's'), fig('kith', 'connect_s', 0.6, 's')]
    expect(regressions(before, after).worse).toEqual([])
  })

  it('lists a figure more than 15 % worse against its anchor, and not one 10 % worse', () => {
    const before = [fig('raw', 'connect_s', 0.25, 's'), fig('kith', 'connect_s', 0.3, 's'), fig('raw', 'rpc_p50_ms_10B', 1, 'ms'), fig('kith', 'rpc_p50_ms_10B', 1, 'ms')]
    const after = [fig('raw', 'connect_s', 0.25, 's'), fig('kith', 'connect_s', 0.4, 's'), fig('raw', 'rpc_p50_ms_10B', 1, 'ms'), fig('kith', 'rpc_p50_ms_10B', 1.1, 'ms')]
    const { worse } = regressions(before, after)
    expect(worse.map((c: { figure: string }) => c.figure)).toEqual(['connect_s'])
    expect(worse[0].anchored).toBe(true)
    expect(worse[0].worseBy).toBeCloseTo(1 / 3)
  })

  it('knows that for transfers and session counts more is better', () => {
    const before = [fig('raw', 'transfer_MBps_10MB', 10, 'MB/s'), fig('kith', 'transfer_MBps_10MB', 10, 'MB/s'), fig('kith-scale', 'node_sessions_max', 200, 'sessions')]
    const after = [fig('raw', 'transfer_MBps_10MB', 10, 'MB/s'), fig('kith', 'transfer_MBps_10MB', 8, 'MB/s'), fig('kith-scale', 'node_sessions_max', 250, 'sessions')]
    const { worse } = regressions(before, after)
    expect(worse.map((c: { figure: string }) => c.figure)).toEqual(['transfer_MBps_10MB'])
  })

  it('holds the 100 MB file transfer against raw\'s 10 MB stream', () => {
    const before = [fig('raw', 'transfer_MBps_10MB', 10, 'MB/s'), fig('kith', 'transfer_MBps_file_100MB', 8, 'MB/s')]
    const after = [fig('raw', 'transfer_MBps_10MB', 20, 'MB/s'), fig('kith', 'transfer_MBps_file_100MB', 12, 'MB/s')]
    const { worse } = regressions(before, after)
    expect(worse.map((c: { figure: string, anchored: boolean }) => [c.figure, c.anchored])).toEqual([['transfer_MBps_file_100MB', true]])
  })

  it('holds the storage figures against plain IndexedDB in the same run', () => {
    const run = (idbPage: number, query: number, idbPut: number, sync: number) => [
      fig('raw', 'idb_page_ms_page50_on_disk', idbPage, 'ms'), fig('kith', 'query_p50_ms_page50_of_100k', query, 'ms'),
      fig('raw', 'idb_put_ms_1000_rows', idbPut, 'ms'), fig('kith-device', 'device_sync_s_10k_items', sync, 's')
    ]
    // A machine whose IndexedDB is twice as slow: no regression.
    expect(regressions(run(1, 5, 50, 3), run(2, 10, 100, 6)).worse).toEqual([])
    // The same IndexedDB, Kith slower: both listed, against their anchors.
    const { worse } = regressions(run(1, 5, 50, 3), run(1, 7, 50, 4.5))
    expect(worse.map((c: { figure: string, anchored: boolean }) => [c.figure, c.anchored])).toEqual([['device_sync_s_10k_items', true], ['query_p50_ms_page50_of_100k', true]])
  })

  it('compares a figure as it is when only one of the runs measured its anchor', () => {
    const before = [fig('kith', 'query_p50_ms_page50_of_100k', 5, 'ms')]
    const after = [fig('raw', 'idb_page_ms_page50_on_disk', 0.5, 'ms'), fig('kith', 'query_p50_ms_page50_of_100k', 6, 'ms')]
    const { worse } = regressions(before, after)
    expect(worse.map((c: { figure: string, anchored: boolean, worseBy: number }) => [c.figure, c.anchored, c.worseBy])).toEqual([['query_p50_ms_page50_of_100k', false, expect.closeTo(0.2)]])
    expect(regressions(after, before).worse).toEqual([])
  })

  it('compares figures without an anchor as they are, and says a figure that failed now', () => {
    const before = [fig('kith-app', 'bundle_kB_gz', 100, 'kB'), fig('kith', 'query_p50_ms_page50_of_100k', 10, 'ms')]
    const after = [fig('kith-app', 'bundle_kB_gz', 120, 'kB'), fig('kith', 'query_p50_ms_page50_of_100k', null, 'ms', false)]
    const found = regressions(before, after)
    expect(found.worse.map((c: { figure: string, anchored: boolean }) => [c.figure, c.anchored])).toEqual([['bundle_kB_gz', false]])
    expect(found.failedNow.map((f: { figure: string }) => f.figure)).toEqual(['query_p50_ms_page50_of_100k'])
    const lines = describeRegressions(found)
    expect(lines.join('\n')).toMatch(/bundle_kB_gz: 100 → 120 kB, 20 % worse \(absolute\)/)
    expect(lines.join('\n')).toMatch(/query_p50_ms_page50_of_100k: failed now/)
  })

  it('leaves out the anchor itself, and figures only one run has', () => {
    const before = [fig('raw', 'connect_s', 0.25, 's')]
    const after = [fig('raw', 'connect_s', 1, 's'), fig('kith', 'connect_s', 0.3, 's')]
    expect(regressions(before, after)).toEqual({ worse: [], failedNow: [] })
    expect(describeRegressions(regressions(before, after))).toEqual(['no figure is more than 15 % worse than the committed run'])
  })
})
