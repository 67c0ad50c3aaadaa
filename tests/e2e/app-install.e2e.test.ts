// Kith as an installed app, in real Chromium on the built dist/: Chromium
// finds nothing against installing it, the service worker's precached shell
// opens the app with no network (and the app says it is offline), and a new
// build deployed to the host is offered with a Reload button, never taken
// silently.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium.mjs'
import { APP_HEADERS } from '../../scripts/lib/csp.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { precompressFolder } from '../../scripts/lib/precompress.mjs'
import { createWorld, SCREENSHOT_DIR, type World } from './support/world'

const dist = fileURLToPath(new URL('../../dist/', import.meta.url))
const OFFLINE = 'You are offline.'
const UPDATE = 'A new version of Kith is ready.'

let world: World

beforeAll(async () => {
  world = await createWorld()
})

afterAll(async () => {
  await world?.close()
})

/** Waits until a service worker controls the page (the second load after install);
 *  the page is on #/me, where the address shows (#/ opens the guided start). */
async function controlledBySW (page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready)
  if (!await page.evaluate(() => navigator.serviceWorker.controller !== null)) await page.reload()
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
  await page.getByTestId('my-address').waitFor()
}

/** Reloads a page of an offline context; returns how to bring it back
 *  online. Some Chromium builds (Debian's 150) start the reloaded document
 *  with `navigator.onLine` true although the network stays cut; telling the
 *  new document again, through a DevTools session of its own, makes it
 *  report what a really offline browser reports. That session's emulation
 *  lasts while it is attached, so going back online ends it too. */
async function reloadOffline (page: Page): Promise<() => Promise<void>> {
  await page.reload()
  await page.locator('#app-offline').waitFor({ state: 'attached' })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  return async () => {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await cdp.detach()
    await page.context().setOffline(false)
  }
}

async function shots (page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 })
    await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 900, height: 900 })
}

/** Chromium's own verdict on installing the app, over the DevTools protocol. */
async function checkInstallable (context: BrowserContext): Promise<void> {
  const page = context.pages()[0] ?? await context.newPage()
  await page.goto(`${world.appUrl}#/me`)
  await controlledBySW(page)
  const cdp = await context.newCDPSession(page)
  const manifest = await cdp.send('Page.getAppManifest') as { url: string, errors: unknown[], data: string }
  expect(manifest.url).toBe(`${world.appUrl}manifest.webmanifest`)
  expect(manifest.errors).toEqual([])
  const data = JSON.parse(manifest.data)
  expect(data).toMatchObject({ name: 'Kith', short_name: 'Kith', display: 'standalone', start_url: './', scope: './' })
  expect(data.icons.map((i: { sizes: string, purpose: string }) => `${i.sizes} ${i.purpose}`))
    .toEqual(['192x192 any', '512x512 any', '512x512 maskable'])
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
  expect(installabilityErrors).toEqual([])
  // The icons and the favicon are there, as PNG / SVG.
  for (const path of ['icon-192.png', 'icon-512.png', 'icon-maskable-512.png', 'favicon-32.png']) {
    const res = await page.request.get(world.appUrl + path)
    expect(res.headers()['content-type'], path).toBe('image/png')
  }
  expect((await page.request.get(`${world.appUrl}favicon.svg`)).headers()['content-type']).toBe('image/svg+xml')
}

describe('installable app', () => {
  it('Chromium finds the manifest and reports no installability errors', async () => {
    // A profile on disk, as people use: Chromium never offers to install
    // from an incognito-like context (playwright's newContext).
    const profile = mkdtempSync(join(tmpdir(), 'kith-profile-'))
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
    try {
      await checkInstallable(context)
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })

  it('with no network a reload opens the app from the cache, says it is offline, and the node starts', async () => {
    const { context, page } = await world.person('offline')
    await page.goto(`${world.appUrl}#/me`)
    await controlledBySW(page)
    const address = (await page.getByTestId('my-address').textContent())!.trim()
    await expect.poll(() => page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')
    await expect(page.getByText(OFFLINE).isVisible()).resolves.toBe(false)

    await context.setOffline(true)
    const backOnline = await reloadOffline(page)
    // The same node, from the precached shell: same address, and the host's
    // trackers from the last config.json (not the public defaults).
    await expect.poll(async () => (await page.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
    await page.getByRole('status').filter({ hasText: OFFLINE }).waitFor()
    await expect(page.locator('#trackers').inputValue()).resolves.toBe(world.trackers[0]!.url)
    await shots(page, 'app-offline')

    await backOnline()
    await expect.poll(() => page.getByText(OFFLINE).isVisible()).toBe(false)
  })
  it('a page loaded once online and reloaded offline keeps the host’s trackers, then and once back online', async () => {
    // Attack (or accident): the first visit's config.json is fetched before
    // the service worker controls the page, so nothing had kept it; offline,
    // the node started with the public trackers and kept them.
    const { context, page } = await world.person('offline-first-visit')
    await page.goto(`${world.appUrl}#/me`)
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.getByTestId('my-address').waitFor()
    await expect.poll(() => page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')

    await context.setOffline(true)
    const backOnline = await reloadOffline(page)
    await page.getByRole('status').filter({ hasText: OFFLINE }).waitFor()
    await expect(page.locator('#trackers').inputValue()).resolves.toBe(world.trackers[0]!.url)
    await backOnline()
    await expect.poll(() => page.getByText(OFFLINE).isVisible()).toBe(false)
    await expect.poll(() => page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')
    await expect(page.locator('#trackers').inputValue()).resolves.toBe(world.trackers[0]!.url)
  })
})

describe('hosted from a sub-folder', () => {
  it('the manifest, its start_url and scope, and the service worker all stay inside the folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kith-sub-'))
    cpSync(dist, join(parent, 'apps/kith'), { recursive: true })
    // A plain static host: config.json is a file next to index.html.
    writeFileSync(join(parent, 'apps/kith/config.json'), JSON.stringify({ trackers: world.trackers.map((t) => t.url), relays: [], iceServers: [] }))
    const host = await startStaticServer({ root: parent, headers: APP_HEADERS })
    const context = await world.browser.newContext()
    try {
      const page = await context.newPage()
      const base = `${host.url}/apps/kith/`
      await page.goto(`${base}#/me`)
      await controlledBySW(page)
      const cdp = await context.newCDPSession(page)
      const manifest = await cdp.send('Page.getAppManifest') as { url: string, errors: unknown[] }
      expect(manifest.url).toBe(`${base}manifest.webmanifest`)
      expect(manifest.errors).toEqual([])
      const parsed = await page.evaluate(async (url) => {
        const m = await (await fetch(url)).json() as { start_url: string, scope: string, id: string }
        return { start: new URL(m.start_url, url).href, scope: new URL(m.scope, url).href }
      }, manifest.url)
      expect(parsed).toEqual({ start: base, scope: base })
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.scope)).toBe(base)
      await expect.poll(() => page.getByTestId('trackers-connected').textContent(), { timeout: 15_000 }).toBe('1 of 1')
    } finally {
      await context.close()
      await host.close()
      rmSync(parent, { recursive: true, force: true })
    }
  })
})

describe('a new build deployed to the host', () => {
  let folder = ''
  let context: BrowserContext
  let close = async (): Promise<void> => {}

  afterAll(async () => {
    await context?.close()
    await close()
    if (folder) rmSync(folder, { recursive: true, force: true })
  })

  /** A new build: index.html changed, and sw.js's precache revision with it
   *  (and, as a build makes them, their compressed copies). */
  function deployBuild (label: string): void {
    const indexPath = join(folder, 'index.html')
    const old = readFileSync(indexPath, 'utf8')
    const marker = `<meta name="kith-build" content="${label}">`
    const html = /<meta name="kith-build"[^>]*>/.test(old) ? old.replace(/<meta name="kith-build"[^>]*>/, marker) : old.replace('<head>', `<head>\n  ${marker}`)
    writeFileSync(indexPath, html)
    const swPath = join(folder, 'sw.js')
    const sw = readFileSync(swPath, 'utf8')
    const entry = /\{url:"index\.html",revision:"([0-9a-f]+)"\}/.exec(sw)
    expect(entry, 'sw.js precaches index.html with a revision').not.toBeNull()
    const revision = createHash('md5').update(html).digest('hex')
    let patched = sw.replace(entry![0], `{url:"index.html",revision:"${revision}"}`)
    // A new build has a new id (build-id.json, precached like the rest).
    const idFile = `${JSON.stringify({ id: idOf(label) })}\n`
    writeFileSync(join(folder, 'build-id.json'), idFile)
    const idEntry = /\{url:"build-id\.json",revision:"([0-9a-f]+)"\}/.exec(patched)
    expect(idEntry, 'sw.js precaches build-id.json with a revision').not.toBeNull()
    patched = patched.replace(idEntry![0], `{url:"build-id.json",revision:"${createHash('md5').update(idFile).digest('hex')}"}`)
    writeFileSync(swPath, patched)
    precompressFolder(folder)
  }
  const idOf = (label: string): string => createHash('sha256').update(label).digest('hex').slice(0, 12)

  it('is offered as "a new version is ready — Reload", and Reload runs it', async () => {
    folder = mkdtempSync(join(tmpdir(), 'kith-deploy-'))
    cpSync(dist, folder, { recursive: true })
    const host = await startStaticServer({ root: folder, config: { trackers: world.trackers.map((t) => t.url), relays: [], iceServers: [] }, headers: APP_HEADERS })
    close = host.close
    context = await world.browser.newContext({ viewport: { width: 900, height: 900 } })
    const page = await context.newPage()
    await page.goto(`${host.url}/#/me`)
    await controlledBySW(page)
    const dialogs: string[] = []
    page.on('dialog', (d) => { dialogs.push(d.type()); void d.accept() })
    const address = (await page.getByTestId('my-address').textContent())!.trim()
    expect(await page.locator('meta[name=kith-build]').count()).toBe(0)
    const firstId = JSON.parse(readFileSync(join(folder, 'build-id.json'), 'utf8')).id as string
    await expect.poll(() => page.getByTestId('build-id').textContent()).toContain(`build ${firstId}`)

    deployBuild('second')
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())!.update() })
    const prompt = page.getByRole('status').filter({ hasText: UPDATE })
    await prompt.waitFor({ timeout: 30_000 })
    // It names the new build beside the running one, so it can be checked first.
    await expect.poll(() => prompt.textContent()).toContain(`Build ${idOf('second')} (this tab runs ${firstId}).`)
    // Never silent: the old version keeps running until the owner says so.
    expect(await page.locator('meta[name=kith-build]').count()).toBe(0)
    await shots(page, 'app-update-ready')

    await prompt.getByRole('button', { name: 'Reload to use the new version of Kith' }).click()
    await page.locator('meta[name=kith-build][content=second]').waitFor({ state: 'attached', timeout: 30_000 })
    await expect.poll(async () => (await page.getByTestId('my-address').textContent())?.trim(), { timeout: 15_000 }).toBe(address)
    await expect(prompt.isVisible()).resolves.toBe(false)
    await expect.poll(() => page.getByTestId('build-id').textContent()).toContain(`build ${idOf('second')}`)
    // Reloading for the update is the owner's choice: no "leave site?" prompt.
    expect(dialogs).toEqual([])
  })

  it('the headless runner\'s page, with nobody to press Reload, takes the new version by itself', async () => {
    // The owner's tab goes; the runner's page is the one tab of the profile.
    const origin = new URL(context.pages()[0]!.url()).origin
    await context.pages()[0]!.close()
    const page = await context.newPage()
    // What scripts/headless.mjs opens; this profile already has an identity.
    await page.goto(`${origin}/?runner=${'ab'.repeat(16)}&device=Pi#/me`)
    await page.locator('meta[name=kith-build][content=second]').waitFor({ state: 'attached' })
    await page.getByTestId('my-address').waitFor()
    deployBuild('third')
    await page.evaluate(async () => { await (await navigator.serviceWorker.getRegistration())!.update() })
    await page.locator('meta[name=kith-build][content=third]').waitFor({ state: 'attached', timeout: 30_000 })
    await page.getByTestId('my-address').waitFor()
  })
})
