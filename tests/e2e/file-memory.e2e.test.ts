// Memory stays flat under concurrent large requests: a
// friend asks 16 times at once for a 25 MiB file. The owner's node reads and
// sends it range by range, so its page memory grows by a bounded amount,
// not by 16 whole files (~800 MiB when each answer was the file, encoded whole).
// Measured in real Chromium: V8 heap plus ArrayBuffer backing stores, sampled
// throughout the transfer; the peak counts, not what is left afterwards.
// Each sample follows a forced garbage collection, so it is what the page
// holds at that moment: without it, a sample also counts answers already
// sent whose buffers V8 has not collected yet (V8 lets up to 64 MB of such
// external memory build up before it collects), which says more about the
// collector's pace than about what the node keeps.
import { beforeAll, describe, expect, it } from 'vitest'
import type { CDPSession } from 'playwright-core'
import { harnessPerson, worldPerFile, type Person } from './support/world'

const MiB = 1024 * 1024
const FILE_BYTES = 25 * MiB
const COPIES = 16
/** The bound the issue asks for; the figure measured is printed. */
const GROWTH_BOUND = 64 * MiB

const world = worldPerFile({ trackerCount: 1 })
let owner: Person
let friend: Person

beforeAll(async () => {
  owner = await harnessPerson(world, 'owner')
  friend = await harnessPerson(world, 'friend')
})

interface HeapUsage { usedSize: number, totalSize: number, embedderHeapUsedSize?: number, backingStorageSize?: number }

/** Script memory of the page: the V8 heap and, where this Chromium reports
 *  them, ArrayBuffer backing stores (where file bytes live) and embedder memory. */
async function pageMemory (cdp: CDPSession): Promise<number> {
  const usage = await cdp.send('Runtime.getHeapUsage') as HeapUsage
  return usage.usedSize + (usage.backingStorageSize ?? 0) + (usage.embedderHeapUsedSize ?? 0)
}

describe('a friend fetching a large file many times at once', () => {
  it(`grows the owner's page memory by at most ${GROWTH_BOUND / MiB} MiB for ${COPIES} concurrent fetches of ${FILE_BYTES / MiB} MiB`, async () => {
    const trackers = world.trackers.map((t) => t.url)
    const setup = await owner.page.evaluate(([t, size]) => window.kithHarness.fileOwner(t, size), [trackers, FILE_BYTES] as const)
    const listed = await friend.page.evaluate(([t, a, token]) => window.kithHarness.fileFriend(t, a, token), [trackers, setup.address, setup.token] as const)
    expect(listed).toBe(1)

    const cdp = await owner.context.newCDPSession(owner.page)
    const fields = await cdp.send('Runtime.getHeapUsage')
    console.log('Runtime.getHeapUsage reports', Object.keys(fields).join(', '))
    await cdp.send('HeapProfiler.collectGarbage')
    const baseline = await pageMemory(cdp)

    let peak = baseline
    let peakUncollected = baseline
    let samples = 0
    let running = true
    const sampler = (async () => {
      while (running) {
        peakUncollected = Math.max(peakUncollected, await pageMemory(cdp))
        await cdp.send('HeapProfiler.collectGarbage')
        peak = Math.max(peak, await pageMemory(cdp))
        samples++
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const received = await friend.page.evaluate(([a, id, size, copies]) => window.kithHarness.fileFetchConcurrently(a, id, size, copies),
      [setup.address, setup.itemId, FILE_BYTES, COPIES] as const).finally(() => { running = false })
    await sampler

    const growth = peak - baseline
    const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`
    console.log(`owner page memory: baseline ${mib(baseline)}, peak held ${mib(peak)} (growth ${mib(growth)}), ` +
      `peak before collection ${mib(peakUncollected)}, over ${samples} samples while ${mib(received)} were sent`)
    expect(received).toBe(FILE_BYTES * COPIES)
    expect(samples).toBeGreaterThan(5)
    expect(growth).toBeLessThanOrEqual(GROWTH_BOUND)
  }, 300_000)
})
