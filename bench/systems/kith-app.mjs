// The app itself, not a channel: how fast a warm start is usable and how much
// JavaScript it needs for that. Only figures of its own (no connect/RPC/transfer).
//
// "Usable" is the app's `kith-ready` performance mark (client/boot/start-node.ts):
// the node is open (identity, settings and devices read from IndexedDB and
// checked) and the first screen has rendered with the owner's data: the app
// and every element on it, including a view whose code loads on demand. The
// node opened with its storage half only; its serving half and network code
// (trackers, WebRTC, handshake, RPC: node-tab/node-serving.ts, network.ts)
// load once that screen is drawn and the browser idle (after-paint.ts); the
// `kith-listening` mark is when the listener has started.
//
// - app_ready_ms: a warm profile (a context that already has an identity and
//   the installed service worker, caches warm) navigates to the app again;
//   from the navigation's start (the page's time origin) to `kith-ready`;
//   the address must then be on screen. Median of RUNS navigations.
// - bundle_kB_gz: the app's initial JavaScript: every script the page had
//   started loading before `kith-ready` in those starts (the entry and every
//   chunk it imported, statically or with import(); from the page's resource
//   timing), their gzipped sizes as built in dist/ summed; the largest of the
//   RUNS starts (they normally agree).
// - app_listening_ms: navigation start to `kith-listening` (median): the
//   node serving, tracker sockets being opened (not their connection time).
// - entry_kB_gz: the entry alone, what a start fetches before any import()
//   (index.html's module scripts and modulepreloads and their static
//   imports; bench/lib/initial-js.mjs).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { failed, figure, figureLog, isLocalUrl, percentile, withTimeout } from '../lib/index.mjs'
import { entryJsKB, loadedScriptsKB } from '../lib/initial-js.mjs'
import { FIRST_SCREEN, measurePhoneStart } from '../lib/phone-start.mjs'

const SYSTEM = 'kith-app'
const RUNS = 15
const dist = fileURLToPath(new URL('../../dist/', import.meta.url))

export const EXPECTED_FIGURES = {
  app_ready_ms: 'ms', bundle_kB_gz: 'kB', app_listening_ms: 'ms', entry_kB_gz: 'kB',
  app_cls: 'score', app_usable_ms_4x: 'ms', app_blocking_ms_4x: 'ms', initial_js_kB_gz_outside: 'kB'
}
const PHONE_RUNS = 5

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, appUrl, log, emit }) {
  const { out, report } = figureLog(emit)
  if (!appUrl || !existsSync(`${dist}index.html`)) {
    log('dist/ is not built: run `npx vite build` first')
    return out
  }
  try {
    report(figure(SYSTEM, 'entry_kB_gz', entryJsKB(dist), 'kB'))
  } catch (err) {
    log(`entry size: ${err.message}`)
    report(failed(SYSTEM, 'entry_kB_gz', 'kB'))
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
    await page.locator(FIRST_SCREEN).first().waitFor({ timeout: 30_000 })
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
    await page.locator(FIRST_SCREEN).first().waitFor({ timeout: 30_000 })

    const samples = []
    const listening = []
    const phases = { 'kith-code-loaded': [], 'kith-node-open': [] }
    const sizes = []
    let scripts = []
    for (let i = 0; i < RUNS; i++) {
      await page.goto(url)
      // The scripts whose fetch started before the mark: from the page's own
      // resource timing, so the cut is exactly at `kith-ready`.
      const start = await withTimeout(page.evaluate(() => new Promise((resolve) => {
        const check = () => {
          const ready = performance.getEntriesByName('kith-ready')[0]?.startTime
          if (ready === undefined) { setTimeout(check, 5); return }
          const js = performance.getEntriesByType('resource')
            .filter((e) => e.startTime < ready && new URL(e.name).pathname.endsWith('.js'))
            .map((e) => e.name)
          resolve({ ready, js })
        }
        check()
      })), 30_000, 'kith-ready')
      await page.locator(FIRST_SCREEN).first().waitFor({ timeout: 5000 }) // usable: the first screen is up
      // The entry script itself is the page's first resource: always counted.
      const entry = await page.evaluate(() => [...document.querySelectorAll('script[type=module][src]')].map((s) => s.src))
      scripts = [...new Set([...entry, ...start.js])]
      samples.push(start.ready)
      sizes.push(loadedScriptsKB(dist, appUrl, scripts))
      const listened = await withTimeout(page.evaluate(() => new Promise((resolve) => {
        const check = () => { const t = performance.getEntriesByName('kith-listening')[0]?.startTime; if (t !== undefined) resolve(t); else setTimeout(check, 5) }
        check()
      })), 30_000, 'kith-listening')
      listening.push(listened)
      const marks = await page.evaluate((names) => names.map((n) => performance.getEntriesByName(n)[0]?.startTime ?? null), Object.keys(phases))
      Object.values(phases).forEach((list, j) => { if (marks[j] !== null) list.push(marks[j]) })
    }
    if (strayRequest) throw new Error(`the app asked for a non-local URL: ${strayRequest}`)
    log(`app_ready_ms samples: ${samples.map((s) => s.toFixed(0)).join(' ')}`)
    // Where the time goes (medians, ms from navigation start): the node's
    // code loaded and parsed, the node open (IndexedDB read), then ready.
    log(`phases (median ms): ${Object.entries(phases).map(([n, l]) => `${n} ${percentile(l, 50)?.toFixed(0)}`).join(', ')}, kith-ready ${percentile(samples, 50)?.toFixed(0)}, kith-listening ${percentile(listening, 50)?.toFixed(0)}`)
    log(`scripts before kith-ready (last start): ${scripts.map((u) => new URL(u).pathname.split('/').pop()).join(' ')}`)
    if (new Set(sizes.map((s) => s.toFixed(3))).size > 1) log(`bundle_kB_gz varied between starts: ${sizes.map((s) => s.toFixed(1)).join(' ')}`)
    report(figure(SYSTEM, 'app_ready_ms', percentile(samples, 50), 'ms'))
    report(figure(SYSTEM, 'bundle_kB_gz', Math.max(...sizes), 'kB'))
    report(figure(SYSTEM, 'app_listening_ms', percentile(listening, 50), 'ms'))

    // The same profile with a name, as a phone sees its start (lib/phone-start.mjs).
    await nameTheOwner(page, log)
    await page.close()
    const phone = await measurePhoneStart({ context, appUrl, dist, runs: PHONE_RUNS, log })
    if (strayRequest) throw new Error(`the app asked for a non-local URL: ${strayRequest}`)
    report(figure(SYSTEM, 'app_cls', phone.app_cls, 'score'))
    report(figure(SYSTEM, 'app_usable_ms_4x', phone.app_usable_ms_4x, 'ms'))
    report(figure(SYSTEM, 'app_blocking_ms_4x', phone.app_blocking_ms_4x, 'ms'))
    report(figure(SYSTEM, 'initial_js_kB_gz_outside', phone.initial_js_kB_gz_outside, 'kB'))
  } catch (err) {
    log(`app start: ${err.message}`)
  } finally {
    await context.close().catch(() => {})
  }
  return out
}

/** A profile with a name set, as a person has after their first minute. */
async function nameTheOwner (page, log) {
  const field = page.getByLabel('Name shown to friends')
  try {
    await field.fill('Alice', { timeout: 10_000 })
    await page.getByRole('button', { name: 'Save name' }).click({ timeout: 5000 })
    await page.getByText('Saved. Friends see this name.').waitFor({ timeout: 10_000 })
  } catch (err) {
    log(`could not set a name (measured without one): ${err.message.split('\n')[0]}`)
  }
}
