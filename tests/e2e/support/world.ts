// Test fixtures for browser tests: local trackers (and a local Nostr relay
// when a test asks for one), the built app and the
// harness served like any static host, one Chromium, and a browser context
// per person. Nothing here talks to anything beyond this machine.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../../../scripts/lib/chromium.mjs'
import { APP_HEADERS } from '../../../scripts/lib/csp.mjs'
import { startStaticServer } from '../../../scripts/lib/static-server.mjs'
import { startTracker, type TrackerOptions } from '../../../scripts/lib/tracker-server.mjs'
import { startRelay, type RunningRelay } from '../../../scripts/lib/relay-server.mjs'
import { startHostileRelay, type HostileRelay } from './hostile-relay'

const root = fileURLToPath(new URL('../../../', import.meta.url))
export const SCREENSHOT_DIR = `${root}test-results/screenshots`

export interface Tracker { url: string, port: number, violations: string[], close: () => Promise<void> }

export interface World {
  browser: Browser
  trackers: Tracker[]
  /** The strict test relay, when the test asked for one (else null, and
   *  the app is told of no relay). */
  relay: RunningRelay | null
  /** With `hostileRelay`: the hostile wrapper the app is told of, in front of `relay`. */
  hostile: HostileRelay | null
  appUrl: string
  harnessUrl: string
  person: (name: string) => Promise<Person>
  close: () => Promise<void>
}

export interface Person {
  name: string
  context: BrowserContext
  page: Page
  /** The address "Me & server" showed when openApp last opened it ('' before). */
  address: string
  /** The name friends see, once setName saved it ('' before). */
  shownName: string
}

type WorldOptions = Parameters<typeof createWorld>[0]

/** The world one test file shares: made before its first test, closed after
 *  its last (hooks a file adds later run inside it: started after, stopped
 *  before). Its fields are there from the first hook on. */
export function worldPerFile (opts?: WorldOptions): World {
  const world = {} as World
  beforeAll(async () => { Object.assign(world, await createWorld(opts)) })
  afterAll(async () => { await world.close?.() })
  return world
}

/** Trackers are strict (scripts/lib/tracker-server.mjs) unless a test says
 *  otherwise, so every browser test checks that Kith stays within what
 *  strict public trackers accept; close() fails the test on a violation. */
export async function createWorld (opts: { trackerCount?: number, trackers?: TrackerOptions[], relay?: boolean, hostileRelay?: boolean } = {}): Promise<World> {
  const trackers: Tracker[] = []
  const kinds = opts.trackers ?? Array.from({ length: opts.trackerCount ?? 1 }, () => ({}))
  for (const kind of kinds) trackers.push(await startTracker({ strict: true, ...kind }))
  // A relay only when the test asks; strict (public relays' rules) like the trackers.
  const relay = opts.relay === true || opts.hostileRelay === true ? await startRelay({ strict: true }) : null
  // The hostile relay (support/hostile-relay.ts) stands in front of the strict one.
  const hostile = relay && opts.hostileRelay === true ? await startHostileRelay(relay.url) : null
  const config = { trackers: trackers.map((t) => t.url), relays: hostile ? [hostile.url] : relay ? [relay.url] : [], iceServers: [] }
  // The app is served as `npm start` serves it: with its security headers.
  const app = await startStaticServer({ root: `${root}dist`, config, headers: APP_HEADERS })
  const harness = await startStaticServer({ root: `${root}dist-harness`, config })
  const browser = await launchChromium()
  const contexts: BrowserContext[] = []
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return {
    browser,
    trackers,
    relay,
    hostile,
    appUrl: `${app.url}/`,
    harnessUrl: `${harness.url}/`,
    async person (name) {
      const context = await browser.newContext({ viewport: { width: 900, height: 900 } })
      contexts.push(context)
      const page = await context.newPage()
      page.on('pageerror', (err) => console.error(`[${name} page error]`, err.message))
      return { name, context, page, address: '', shownName: '' }
    },
    async close () {
      for (const c of contexts) await c.close().catch(() => {})
      await browser.close()
      await app.close()
      await harness.close()
      for (const t of trackers) await t.close().catch(() => {})
      await hostile?.close().catch(() => {})
      await relay?.close().catch(() => {})
      const violations = trackers.flatMap((t) => t.violations)
      if (violations.length > 0) throw new Error(`Kith broke strict tracker rules:\n${violations.join('\n')}`)
      if (relay && relay.violations.length > 0) throw new Error(`Kith broke strict relay rules:\n${relay.violations.join('\n')}`)
    }
  }
}

/** Opens the app and waits until it is serving; returns the address shown. */
export async function openApp (person: Person, appUrl: string, hash = ''): Promise<string> {
  // The address is on "Me & server", which is not the first tab once one has friends.
  await person.page.goto(appUrl + (hash || '#/me'))
  if (hash) return ''
  const address = person.page.getByTestId('my-address')
  await address.waitFor().catch(async (err: Error) => {
    // Say what the page showed instead: a notice or an error, not only a timeout.
    const shown = await person.page.locator('body').innerText({ timeout: 2000 }).catch(() => '(unreadable)')
    throw new Error(`${person.name}'s Kith showed no address at ${person.page.url()}; it showed: ${shown.slice(0, 400).replace(/\s+/g, ' ')}\n${err.message}`)
  })
  person.address = (await address.textContent())!.trim()
  return person.address
}

/** Opens Kith again in a new tab of the same browser profile (what it
 *  stored stays), as a person coming back after closing it. */
export async function reopenApp (person: Person, appUrl: string): Promise<void> {
  person.page = await person.context.newPage()
  await openApp(person, appUrl)
}

export async function screenshot (person: Pick<Person, 'page'>, name: string): Promise<void> {
  await person.page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true })
}

/** Screenshots at desktop (1280 px) and phone (390 px) width, `${name}-1280`
 *  and `${name}-390` unless both names are given; then back to `after` (the
 *  tests' 900 × 900 unless said). */
export async function desktopAndPhone (person: Person, name: string | [desktop: string, phone: string],
  opts: { phoneHeight?: number, after?: { width: number, height: number } } = {}): Promise<void> {
  const [desktop, phone] = typeof name === 'string' ? [`${name}-1280`, `${name}-390`] : name
  await person.page.setViewportSize({ width: 1280, height: 900 })
  await screenshot(person, desktop)
  await person.page.setViewportSize({ width: 390, height: opts.phoneHeight ?? 900 })
  await screenshot(person, phone)
  await person.page.setViewportSize(opts.after ?? { width: 900, height: 900 })
}

/** A person on the test harness page (tests/harness/index.html), once its
 *  window.kithHarness is there. */
export async function harnessPerson (world: World, name: string): Promise<Person> {
  const person = await world.person(name)
  await person.page.goto(world.harnessUrl)
  await person.page.waitForFunction(() => window.kithHarness !== undefined)
  return person
}
