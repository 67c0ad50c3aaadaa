// A backup of a node with a large file is written and restored in pieces:
// the page's script memory grows by a bounded amount, not by the file (the
// format is chunked so that a 1 GiB Kith can be backed up from a phone).
// Measured as in file-memory.e2e.test.ts: V8 heap plus ArrayBuffer backing
// stores, sampled after a forced garbage collection throughout.
import { beforeAll, describe, expect, it } from 'vitest'
import type { CDPSession } from 'playwright-core'
import { harnessPerson, worldPerFile, type Person } from './support/world'

const MiB = 1024 * 1024
const FILE_BYTES = 128 * MiB
const GROWTH_BOUND = 64 * MiB

const world = worldPerFile({ trackerCount: 1 })
let owner: Person

beforeAll(async () => {
  owner = await harnessPerson(world, 'owner')
})

interface HeapUsage { usedSize: number, backingStorageSize?: number, embedderHeapUsedSize?: number }

async function pageMemory (cdp: CDPSession): Promise<number> {
  const usage = await cdp.send('Runtime.getHeapUsage') as HeapUsage
  return usage.usedSize + (usage.backingStorageSize ?? 0) + (usage.embedderHeapUsedSize ?? 0)
}

/** The peak growth of page memory while `run` runs. */
async function peakGrowth (cdp: CDPSession, run: () => Promise<unknown>): Promise<{ growth: number, samples: number }> {
  await cdp.send('HeapProfiler.collectGarbage')
  const baseline = await pageMemory(cdp)
  let peak = baseline
  let samples = 0
  let running = true
  const sampler = (async () => {
    while (running) {
      await cdp.send('HeapProfiler.collectGarbage')
      peak = Math.max(peak, await pageMemory(cdp))
      samples++
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  await run().finally(() => { running = false })
  await sampler
  return { growth: peak - baseline, samples }
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

describe('backing up a large file', () => {
  it(`exports and restores a ${FILE_BYTES / MiB} MiB file with page memory growing by at most ${GROWTH_BOUND / MiB} MiB`, async () => {
    await owner.page.evaluate((size) => window.kithHarness.backupMemorySeed(size), FILE_BYTES)
    const cdp = await owner.context.newCDPSession(owner.page)

    let backupBytes = 0
    const exported = await peakGrowth(cdp, async () => { backupBytes = await owner.page.evaluate(() => window.kithHarness.backupMemoryExport()) })
    console.log(`export: ${mib(backupBytes)} file, page memory growth ${mib(exported.growth)} over ${exported.samples} samples`)
    expect(backupBytes).toBeGreaterThan(FILE_BYTES)

    let pieces = 0
    const restored = await peakGrowth(cdp, async () => { pieces = await owner.page.evaluate(() => window.kithHarness.backupMemoryImport()) })
    console.log(`restore: ${pieces} pieces, page memory growth ${mib(restored.growth)} over ${restored.samples} samples`)
    expect(pieces).toBe(FILE_BYTES / MiB)

    expect(exported.samples).toBeGreaterThan(5)
    expect(restored.samples).toBeGreaterThan(5)
    expect(exported.growth).toBeLessThanOrEqual(GROWTH_BOUND)
    expect(restored.growth).toBeLessThanOrEqual(GROWTH_BOUND)
  }, 600_000)
})
