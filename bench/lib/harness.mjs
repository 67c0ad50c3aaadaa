// The test harness (dist-harness/, built by `npm run bench`) that the Kith
// systems drive: served with the run's config, and people on its page.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { openPerson } from './people.mjs'
import { figureLog } from './report.mjs'

const harnessRoot = fileURLToPath(new URL('../../dist-harness', import.meta.url))

/**
 * The harness served with `config`; null (and said in the log) when it was not built.
 * @param {{ trackers: string[], iceServers: [] }} config
 * @param {(...args: unknown[]) => void} log
 * @returns {Promise<{ url: string, close: () => Promise<void> } | null>}
 */
async function serveHarness (config, log) {
  if (!existsSync(`${harnessRoot}/index.html`)) {
    log('dist-harness/ missing: run `npm run bench` (it builds it)')
    return null
  }
  return startStaticServer({ root: harnessRoot, config })
}

/**
 * A person on the harness page, once its window.kithHarness is there. The
 * person joins `people` first, so the caller closes them even if the page
 * never gets that far.
 * @param {import('playwright-core').Browser} browser
 * @param {string} harnessUrl
 * @param {{ name: string, log: (...args: unknown[]) => void, people: Array<{ close: () => Promise<void> }> }} opts
 */
export async function openHarnessPerson (browser, harnessUrl, { name, log, people }) {
  const person = await openPerson(browser, `${harnessUrl}/`, { name, log })
  people.push(person)
  await person.page.waitForFunction(() => window.kithHarness !== undefined, null, { timeout: 10_000 })
  return person
}

/**
 * A person on the harness page whose storage is on disk, as a node's is (the
 * app in a browser profile, the headless runner with its --user-data-dir),
 * not in memory like a fresh context's: its own Chromium with a profile in a
 * temporary folder, removed on close. Chromium's in-memory IndexedDB
 * slows every transaction in the browser once it holds much: after 100,000
 * items, 50–90 ms for a read of one row in a small database of its own,
 * against 0.3 ms before and 0.3 ms on disk (see bench/README.md).
 * @param {string} harnessUrl
 * @param {{ name: string, log: (...args: unknown[]) => void, people: Array<{ close: () => Promise<void> }> }} opts
 */
export async function openHarnessPersonOnDisk (harnessUrl, { name, log, people }) {
  const person = await openPersonOnDisk(`${harnessUrl}/`, { name, log, people })
  await person.page.waitForFunction(() => window.kithHarness !== undefined, null, { timeout: 10_000 })
  return person
}

/**
 * A person on any page `url`, with storage on disk in a Chromium of its own
 * (see openHarnessPersonOnDisk); closed with `people`.
 * @param {string} url
 * @param {{ name: string, log: (...args: unknown[]) => void, people: Array<{ close: () => Promise<void> }> }} opts
 */
export async function openPersonOnDisk (url, { name, log, people }) {
  const profile = await mkdtemp(path.join(tmpdir(), 'kith-bench-profile-'))
  const removeProfile = () => rm(profile, { recursive: true, force: true }).catch(() => {})
  let context
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  } catch (err) {
    await removeProfile()
    throw err
  }
  // Before openPerson, so the profile goes even if the page never loads.
  people.push({ close: async () => { await context.close().catch(() => {}); await removeProfile() } })
  return openPerson(null, url, { name, log, context })
}

/** Closes everyone in `people`, and empties the list. */
export async function closeAll (people) {
  for (const p of people.splice(0)) await p.close()
}

/**
 * A Kith system's measure() on the harness: `body` gets `open(name)`, which
 * puts a person on the harness page, and `report`; everyone opened is closed
 * and the harness stopped afterwards. Resolves to the figures reported (none
 * when dist-harness/ is not built).
 * @param {import('./contract.mjs').MeasureContext} ctx
 * @param {(h: { url: string, people: Array<{ close: () => Promise<void> }>,
 *   open: (name: string) => ReturnType<typeof openPerson>,
 *   report: (...f: import('./figures.mjs').Figure[]) => void, out: import('./figures.mjs').Figure[],
 *   log: (...args: unknown[]) => void }) => Promise<void>} body
 */
export async function withHarness ({ browser, config, log, emit }, body) {
  const { out, report } = figureLog(emit)
  const harness = await serveHarness(config, log)
  if (!harness) return out
  const people = []
  const open = (name) => openHarnessPerson(browser, harness.url, { name, log, people })
  try {
    await body({ url: harness.url, people, open, report, out, log })
  } finally {
    await closeAll(people)
    await harness.close()
  }
  return out
}
