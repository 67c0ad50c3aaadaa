// One server per browser profile: a second tab of the same profile does not
// start a second node (it says Kith runs in another tab and offers to move
// it), taking over stops the first tab's node (its tracker connections
// close), and the first tab can take it back.
import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import type { Page, WebSocket } from 'playwright-core'
import { APP_HEADERS } from '../../scripts/lib/csp.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { openApp, SCREENSHOT_DIR, worldPerFile, type Person } from './support/world'

const world = worldPerFile()

/** Every WebSocket a page opens (the node's tracker connections). */
function trackSockets (page: Page): WebSocket[] {
  const sockets: WebSocket[] = []
  page.on('websocket', (ws) => sockets.push(ws))
  return sockets
}

const open = (sockets: WebSocket[]): number => sockets.filter((ws) => !ws.isClosed()).length

async function shots (page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 700 })
    await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 900, height: 900 })
}

describe('one Kith per browser profile', () => {
  let person: Person
  let first: Page
  let second: Page
  let firstSockets: WebSocket[]
  let address = ''

  it('a second tab defers to the first and opens no node', async () => {
    person = await world.person('two-tabs')
    first = person.page
    firstSockets = trackSockets(first)
    address = await openApp(person, world.appUrl)
    await expect.poll(() => first.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')

    second = await person.context.newPage()
    const secondSockets = trackSockets(second)
    await second.goto(`${world.appUrl}#/me`) // where the address shows (#/ opens the guided start)
    await second.getByRole('heading', { name: 'Kith is already running in another tab' }).waitFor()
    const takeOver = second.getByRole('button', { name: 'Use this tab instead' })
    await expect(takeOver.evaluate((b) => b === document.activeElement)).resolves.toBe(true)
    await shots(second, 'tab-elsewhere')
    expect(await second.getByTestId('my-address').count()).toBe(0)
    expect(secondSockets).toEqual([]) // no tracker: no node
    // The first tab serves on.
    expect(await first.getByTestId('my-address').textContent()).toContain(address)
    expect(open(firstSockets)).toBe(1)
  })

  it('"Use this tab instead" moves the node: the second tab serves, the first stops and says so', async () => {
    const secondSockets = trackSockets(second)
    await second.getByRole('button', { name: 'Use this tab instead' }).click()
    await expect.poll(async () => (await second.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
    await expect.poll(() => second.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')
    expect(open(secondSockets)).toBe(1)
    // The keyboard starts at the app (the pressed button is gone): Tab reaches its first control.
    expect(await second.evaluate(() => document.activeElement?.id)).toBe('app')

    await first.getByRole('heading', { name: 'Kith is now running in another tab' }).waitFor()
    expect(await first.getByTestId('my-address').count()).toBe(0)
    // Its node closed: no tracker connection left, so friends meet only the second tab.
    await expect.poll(() => open(firstSockets), { timeout: 15_000 }).toBe(0)
    await shots(first, 'tab-moved')
  })

  it('the first tab can take it back', async () => {
    const again = trackSockets(first)
    await first.getByRole('button', { name: 'Use this tab instead' }).click()
    await expect.poll(async () => (await first.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
    await expect.poll(() => open(again), { timeout: 15_000 }).toBe(1)
    await second.getByRole('heading', { name: 'Kith is now running in another tab' }).waitFor()
    expect(await second.getByTestId('my-address').count()).toBe(0)
  })

  it('a reload of the serving tab serves again: the page going away is not "another tab"', async () => {
    for (let i = 0; i < 3; i++) {
      await first.reload()
      await expect.poll(async () => (await first.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
      expect(await first.getByRole('heading', { name: 'Kith is already running in another tab' }).count()).toBe(0)
    }
  })

  it('closing the serving tab asks first (friends would not reach me); a tab that stopped does not', async () => {
    const asked: string[] = []
    first.on('dialog', (d) => { asked.push(d.type()); void d.dismiss() })
    second.on('dialog', (d) => { asked.push(`second ${d.type()}`); void d.accept() })
    await second.close({ runBeforeUnload: true })
    await first.close({ runBeforeUnload: true })
    await expect.poll(() => asked).toEqual(['beforeunload'])
    // Dismissed: the serving tab stays open and serving.
    expect(first.isClosed()).toBe(false)
    expect(await first.getByTestId('my-address').textContent()).toContain(address)
  })
})

describe('a tab closed as another opens', () => {
  // On a busy device a closed tab lets go of the lock seconds late, and the
  // tab opened meanwhile found it held: it says another tab has Kith, then
  // serves once the closed one is gone, rather than saying so for good.
  it('the new tab says another tab has it, then serves when that tab is gone, with the keyboard at the app', async () => {
    const person = await world.person('closing-tab')
    const address = await openApp(person, world.appUrl)
    const reopened = await person.context.newPage()
    await reopened.goto(`${world.appUrl}#/me`)
    await reopened.getByRole('heading', { name: 'Kith is already running in another tab' }).waitFor()
    await person.page.close()
    await expect.poll(async () => (await reopened.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
    expect(await reopened.getByRole('heading', { name: 'Kith is already running in another tab' }).count()).toBe(0)
    expect(await reopened.evaluate(() => document.activeElement?.id)).toBe('app')
  })
})

describe('with an always-on device', () => {
  it('closing the serving tab does not ask: the linked server serves friends meanwhile', async () => {
    const laptop = await world.person('laptop')
    await openApp(laptop, world.appUrl)
    const pi = await world.person('pi')
    await pi.page.goto(`${world.appUrl}#/link?name=Pi`)
    const code = (await pi.page.getByTestId('link-code-text').textContent())!.trim()
    await laptop.page.goto(`${world.appUrl}#/devices`)
    await laptop.page.getByLabel('Link code').fill(code)
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    await laptop.page.getByTestId('verification-code').waitFor({ timeout: 45_000 })
    await laptop.page.getByLabel('Name of this device, the one you are using now').fill('Laptop')
    await laptop.page.getByRole('radio', { name: 'Server' }).check()
    await laptop.page.getByRole('button', { name: 'Approve' }).click()
    await pi.page.getByRole('button', { name: 'Link this browser' }).click({ timeout: 15_000 })
    await expect.poll(() => laptop.page.getByTestId('link-result').textContent(), { timeout: 15_000 }).toMatch(/Linked/)

    const asked: string[] = []
    laptop.page.on('dialog', (d) => { asked.push(d.type()); void d.dismiss() })
    // The device list is read again a moment after it changes: until then a
    // close asks (and is dismissed here); then one goes through without asking.
    let closedWithoutAsking = false
    await expect.poll(async () => {
      const before = asked.length
      await laptop.page.close({ runBeforeUnload: true })
      await laptop.page.waitForEvent('close', { timeout: 1000 }).catch(() => {})
      closedWithoutAsking = laptop.page.isClosed() && asked.length === before
      return laptop.page.isClosed()
    }, { timeout: 15_000 }).toBe(true)
    expect(closedWithoutAsking).toBe(true)
    await pi.context.close()
  })
})

describe('over plain http on a LAN address (no Web Locks)', () => {
  // Attack (or accident): `HOST=0.0.0.0 npm start`, opened at the LAN
  // address. The page is not a secure context, so the browser has no Web
  // Locks, and a second tab started a second node on the same database.
  it('a second tab still defers to the first, and can take over', async () => {
    // The private test network's own address (scripts/in-private-network.mjs).
    const lan = await startStaticServer({
      root: fileURLToPath(new URL('../../dist', import.meta.url)),
      host: '10.213.0.1',
      headers: APP_HEADERS,
      config: { trackers: world.trackers.map((t) => t.url), relays: [], iceServers: [] }
    })
    try {
      const person = await world.person('lan-tabs')
      const url = `${lan.url}/`
      const firstSockets = trackSockets(person.page)
      const address = await openApp(person, url)
      expect(await person.page.evaluate(() => [isSecureContext, 'locks' in navigator])).toEqual([false, false])
      await expect.poll(() => open(firstSockets), { timeout: 15_000 }).toBe(1)
      const second = await person.context.newPage()
      const secondSockets = trackSockets(second)
      await second.goto(`${url}#/me`)
      await second.getByRole('heading', { name: 'Kith is already running in another tab' }).waitFor()
      expect(await second.getByTestId('my-address').count()).toBe(0)
      expect(secondSockets).toEqual([])
      expect(await person.page.getByTestId('my-address').textContent()).toContain(address)

      await second.getByRole('button', { name: 'Use this tab instead' }).click()
      await expect.poll(async () => (await second.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
      await person.page.getByRole('heading', { name: 'Kith is now running in another tab' }).waitFor()
      await expect.poll(() => open(firstSockets), { timeout: 15_000 }).toBe(0)
    } finally {
      await lan.close()
    }
  })
})
