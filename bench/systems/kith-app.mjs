// The app itself, not a channel: how fast a warm start is usable and how much
// JavaScript a start fetches. Only figures of its own (no connect/RPC/transfer).
//
// - app_ready_ms: a warm profile (a context that already has an identity and
//   the installed service worker, caches warm) navigates to the app again;
//   from the navigation's start (the page's time origin) to the app's
//   `kith-ready` performance mark, set once the node is open and listening
//   and the home screen (the app and every element on it) has rendered; the
//   address must then be on screen. Median of RUNS navigations.
// - app_ready_js_kB_gz: the JavaScript files the page loaded before that
//   mark in one of those starts (the entry and the chunks it imports with
//   import()), their gzipped sizes summed, as built in dist/.
// - bundle_kB_gz: the initial JavaScript of dist/ (bench/lib/initial-js.mjs):
//   index.html's module scripts and modulepreloads and their static imports.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { failed, figure, isLocalUrl, percentile, withTimeout } from '../lib/index.mjs'
import { gzippedKB, initialJsKB } from '../lib/initial-js.mjs'

const SYSTEM = 'kith-app'
const RUNS = 15
const dist = fileURLToPath(new URL('../../dist/', import.meta.url))

export const STANDARD_FIGURES = false
export const EXPECTED_FIGURES = { app_ready_ms: 'ms', app_ready_js_kB_gz: 'kB', bundle_kB_gz: 'kB' }

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, appUrl, log, emit = () => {} }) {
  const out = []
  const report = (f) => { out.push(f); emit(f) }
  if (!appUrl || !existsSync(`${dist}index.html`)) {
    log('dist/ is not built: run `npx vite build` first')
    return out
  }
  try {
    report(figure(SYSTEM, 'bundle_kB_gz', initialJsKB(dist), 'kB'))
  } catch (err) {
    log(`bundle size: ${err.message}`)
    report(failed(SYSTEM, 'bundle_kB_gz', 'kB'))
  }

  // No route handler (it would bypass the service worker): the run is in the
  // private network namespace, and any non-local request is logged and fails
  // the figures.
  const context = await browser.newContext()
  let strayRequest = null
  context.on('request', (req) => { if (!isLocalUrl(req.url())) strayRequest ??= req.url() })
  try {
    const page = await context.newPage()
    page.on('pageerror', (err) => log(`page error: ${err.message}`))
    const url = `${appUrl}/`
    // First visit: makes the identity, installs the service worker; the
    // second load is the first one the worker controls.
    await page.goto(url)
    await page.getByTestId('my-address').waitFor({ timeout: 30_000 })
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
    await page.getByTestId('my-address').waitFor({ timeout: 30_000 })

    const samples = []
    const phases = { 'kith-code-loaded': [], 'kith-node-open': [] }
    let scripts = []
    for (let i = 0; i < RUNS; i++) {
      const loaded = []
      const onResponse = (res) => {
        const u = new URL(res.url())
        if (res.request().resourceType() === 'script' && u.origin === appUrl) loaded.push(u.pathname.replace(/^\//, ''))
      }
      page.on('response', onResponse)
      await page.goto(url)
      const ms = await withTimeout(page.evaluate(() => new Promise((resolve) => {
        const seen = () => performance.getEntriesByName('kith-ready')[0]?.startTime
        const check = () => { const t = seen(); if (t !== undefined) resolve(t); else setTimeout(check, 5) }
        check()
      })), 30_000, 'kith-ready')
      page.off('response', onResponse)
      await page.getByTestId('my-address').waitFor({ timeout: 5000 }) // usable: the address is on screen
      samples.push(ms)
      scripts = loaded
      const marks = await page.evaluate((names) => names.map((n) => performance.getEntriesByName(n)[0]?.startTime ?? null), Object.keys(phases))
      Object.values(phases).forEach((list, j) => { if (marks[j] !== null) list.push(marks[j]) })
    }
    if (strayRequest) throw new Error(`the app asked for a non-local URL: ${strayRequest}`)
    log(`app_ready_ms samples: ${samples.map((s) => s.toFixed(0)).join(' ')}`)
    // Where the time goes (medians, ms from navigation start): the node's
    // code loaded and parsed, the node open (IndexedDB read), then ready.
    log(`phases (median ms): ${Object.entries(phases).map(([n, l]) => `${n} ${percentile(l, 50)?.toFixed(0)}`).join(', ')}, kith-ready ${percentile(samples, 50)?.toFixed(0)}`)
    log(`scripts of one start: ${scripts.join(' ')}`)
    report(figure(SYSTEM, 'app_ready_ms', percentile(samples, 50), 'ms'))
    report(figure(SYSTEM, 'app_ready_js_kB_gz', gzippedKB(dist, [...new Set(scripts)]), 'kB'))
  } catch (err) {
    log(`app ready: ${err.message}`)
  } finally {
    await context.close().catch(() => {})
  }
  return out
}
