// A large file fetched in pieces survives a reload: Bob
// starts downloading Alice's 64 MiB file, reloads his tab halfway, and the
// download carries on from the pieces already in his IndexedDB, through the
// real UI, ending with every byte right.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { befriend, newPeople, share } from './support/people'
import { screenshot, worldPerFile, type Person } from './support/world'

const MiB = 1024 * 1024
const FILE_BYTES = 64 * MiB
const CAPTION = 'Holiday video, uncut'

// Playwright hands over at most 50 MB as a buffer: the file goes by path.
const dir = mkdtempSync(join(tmpdir(), 'kith-resume-'))
const filePath = join(dir, 'holiday.mp4')
beforeAll(() => { writeFileSync(filePath, fileBytes()) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const world = worldPerFile({ trackerCount: 1 })
let alice: Person
let bob: Person

/** The file's bytes: not all alike, so a piece in the wrong place shows. */
function fileBytes (): Buffer {
  const bytes = Buffer.alloc(FILE_BYTES)
  for (let i = 0; i < FILE_BYTES; i += 1024) bytes.writeUInt32LE(i, i)
  return bytes
}

/** Pieces of files in Bob's cache, straight from his IndexedDB. */
function storedPieces (page: Page): Promise<number> {
  return page.evaluate(() => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open('kith-client')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const count = db.transaction('cachedFileChunks').objectStore('cachedFileChunks').count()
      count.onsuccess = () => { db.close(); resolve(count.result) }
      count.onerror = () => reject(count.error)
    }
  }))
}

async function percent (page: Page): Promise<number> {
  const text = await page.getByTestId('file-percent').textContent().catch(() => null)
  return text ? Number.parseInt(text, 10) : -1
}

describe('downloading a large file', () => {
  it('Alice shares a 64 MiB file with Bob', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')
    await befriend(alice, bob)
    await share(alice, CAPTION, { file: filePath })
  })

  it('Bob reloads halfway through; the download resumes from what he has and completes intact', async () => {
    const page = bob.page
    await page.getByRole('button', { name: 'Refresh' }).click()
    const item = page.getByTestId('feed-item').filter({ hasText: CAPTION })
    await item.waitFor({ timeout: 30_000 })
    await item.getByRole('button', { name: 'Save to device' }).click()
    await expect.poll(() => percent(page), { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(5)
    const before = await percent(page)
    await screenshot(bob, 'resume-1-bob-downloading')
    await page.reload()
    const kept = await storedPieces(page)
    expect(before).toBeLessThan(100)
    expect(kept).toBeGreaterThan(0) // the pieces fetched before the reload are still there
    expect(kept).toBeLessThan(FILE_BYTES / MiB)

    // The queued request goes out again once Bob's tab meets Alice's; asking
    // to download shows progress from where it stopped, not from zero.
    const again = page.getByTestId('feed-item').filter({ hasText: CAPTION })
    await again.waitFor({ timeout: 30_000 })
    const download = again.getByRole('button', { name: 'Save to device' })
    await download.click()
    const link = again.getByTestId('file-link')
    // Every percent shown from here on: the first above zero starts near where
    // it stopped (had it started over, it would be about 0%).
    // The pieces in his IndexedDB only ever grow from what was kept.
    const shown: number[] = []
    const pieces: number[] = []
    await expect.poll(async () => {
      const p = await percent(page)
      if (p > 0) shown.push(p)
      pieces.push(await storedPieces(page))
      return await link.isVisible()
    }, { timeout: 90_000, interval: 20 }).toBe(true).catch(async (err) => {
      await screenshot(bob, 'resume-failed')
      throw err
    })
    expect(Math.min(...pieces)).toBeGreaterThanOrEqual(kept)
    if (shown.length > 0) expect(shown[0]).toBeGreaterThanOrEqual(Math.floor(before * 0.9))
    await screenshot(bob, 'resume-2-bob-downloaded')
    expect(await storedPieces(page)).toBe(FILE_BYTES / MiB)

    // Saved as a person saves it: the link downloads the file (the app's
    // CSP rightly forbids the page to fetch it back).
    const [saved] = await Promise.all([page.waitForEvent('download'), link.click()])
    const got = readFileSync((await saved.path())!)
    expect(got.length).toBe(FILE_BYTES)
    expect(got.equals(fileBytes())).toBe(true)
  })
})
