// The first second as a phone sees it (issue "fast on a phone"): a warm
// start of the app with Chromium's CPU slowed 4× through the DevTools
// protocol, judged from outside the page as Lighthouse's mobile preset
// would, not by marks the app sets for itself:
//
// - app_cls: the page's layout shifts (PerformanceObserver 'layout-shift',
//   buffered, shifts right after input left out), summed over the first
//   SETTLE_MS after navigation: everything that moves after it first shows.
// - app_usable_ms_4x: navigation start until the first screen is on screen
//   (the guided start, or the owner's address) and the main thread then
//   stays free of long tasks for QUIET_MS: the moment a tap is answered.
//   "On screen" is the first animation frame in which the bench's own
//   watcher (an init script, like the observers below; not a mark the app
//   sets) finds the element laid out with a size. Playwright's wait for it,
//   which polls at growing intervals (up to 500 ms), only says when to look:
//   taken as the moment, it counted scripts the app fetched after its screen
//   was up as fetched before.
// - app_blocking_ms_4x: for every long task (> 50 ms) that started before
//   then, its time over 50 ms, summed (Lighthouse's total blocking time, cut
//   at usable).
// - initial_js_kB_gz_outside: every script the network log shows requested
//   before usable (the entry, its imports, anything lazily loaded meanwhile),
//   gzipped as built in dist/. A request's time is the browser's own
//   (Playwright's request timing), not when the event reached this process.
import { percentile } from './stats.mjs'
import { withTimeout } from './timeout.mjs'
import { loadedScriptsKB } from './initial-js.mjs'

const RATE = 4
const SETTLE_MS = 5000
const QUIET_MS = 1000
const LONG_TASK_MS = 50
/** The first screen: the guided start (a profile without a friend yet), or
 *  the owner's address on Me & server. */
export const FIRST_SCREEN = '[data-testid=start-guide], [data-testid=my-address]'

/** Watches shifts and long tasks from the first byte of the page on, and
 *  the first frame in which the first screen (`selector`, looked for through
 *  shadow roots as Playwright does) is laid out with a size. */
function observeFirstSecond (selector) {
  const seen = { shifts: [], longTasks: [], shownAt: null }
  Object.defineProperty(window, '__kithFirstSecond', { value: seen })
  const find = (root) => {
    const hit = root.querySelector(selector)
    if (hit) return hit
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot)
      if (inner) return inner
    }
    return null
  }
  const watch = () => {
    const hit = find(document)
    const box = hit?.getBoundingClientRect()
    if (box && box.width > 0 && box.height > 0 && getComputedStyle(hit).visibility !== 'hidden') seen.shownAt = performance.now()
    else requestAnimationFrame(watch)
  }
  requestAnimationFrame(watch)
  new PerformanceObserver((list) => {
    const named = (node) => {
      if (!node) return null
      const host = node.getRootNode?.()?.host
      return `${host ? `${host.localName} > ` : ''}${node.localName ?? node.nodeName}${node.id ? `#${node.id}` : ''}`
    }
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) seen.shifts.push({ at: e.startTime, value: e.value, what: (e.sources ?? []).map((s) => named(s.node) ?? `y ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)} h ${Math.round(s.previousRect.height)}→${Math.round(s.currentRect.height)}`).join(', ') })
    }
  }).observe({ type: 'layout-shift', buffered: true })
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.longTasks.push({ at: e.startTime, duration: e.duration })
  }).observe({ type: 'longtask', buffered: true })
}

/**
 * @param {{ context: import('playwright-core').BrowserContext, appUrl: string, dist: string, runs: number, log: (...a: unknown[]) => void }} opts
 *   a context whose profile already has an identity (a warm start)
 */
export async function measurePhoneStart ({ context, appUrl, dist, runs, log }) {
  await context.addInitScript(observeFirstSecond, FIRST_SCREEN)
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  const samples = { cls: [], usable: [], blocking: [], js: [] }
  let lastShifts = []
  let lastStart = ''
  try {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE })
    for (let i = 0; i < runs; i++) {
      const scripts = []
      const onRequest = (req) => { if (req.resourceType() === 'script') scripts.push({ req, url: req.url(), seen: Date.now() }) }
      page.on('request', onRequest)
      await page.goto(`${appUrl}/`, { waitUntil: 'commit' })
      // From outside: the first screen is on screen (the guided start for a
      // profile with a name but no friend yet, else the owner's address).
      await page.locator(FIRST_SCREEN).first().waitFor({ timeout: 60_000 })
      const shownWall = Date.now()
      const origin = await page.evaluate(() => performance.timeOrigin)
      await page.waitForTimeout(Math.max(SETTLE_MS - (shownWall - origin), QUIET_MS))
      const seen = await withTimeout(page.evaluate(() => window.__kithFirstSecond), 10_000, 'first-second entries')
      page.off('request', onRequest)
      // Usable: shown, then QUIET_MS without a long task (page time, ms).
      if (seen.shownAt === null) log(`the watcher did not see the first screen; taken when Playwright saw it (${(shownWall - origin).toFixed(0)} ms)`)
      let usable = seen.shownAt ?? shownWall - origin
      for (const t of [...seen.longTasks].sort((a, b) => a.at - b.at)) {
        if (t.at + t.duration < usable) continue
        if (t.at > usable + QUIET_MS) break
        usable = t.at + t.duration
      }
      const blocking = seen.longTasks.filter((t) => t.at < usable).reduce((sum, t) => sum + Math.max(0, t.duration - LONG_TASK_MS), 0)
      lastShifts = seen.shifts.filter((s) => s.at < SETTLE_MS)
      const cls = lastShifts.reduce((sum, s) => sum + s.value, 0)
      // Scripts whose request left before usable, by the browser's clock
      // (wall time, as the page's time origin is).
      for (const s of scripts) { const t = s.req.timing().startTime; s.at = t > 0 ? t : s.seen }
      const before = [...new Set(scripts.filter((s) => s.at <= origin + usable).map((s) => s.url))]
      samples.cls.push(cls)
      samples.usable.push(usable)
      samples.blocking.push(blocking)
      samples.js.push(loadedScriptsKB(dist, appUrl, before))
      // Which script left when, beside the screen and the long tasks: what
      // the figure counts and why (ms from navigation start).
      const name = (u) => new URL(u).pathname.split('/').pop()
      if (process.env.KITH_BENCH_EACH_START) log(`start: usable ${usable.toFixed(0)} before: ${before.map((u) => new URL(u).pathname.split("/").pop()).join(" ")}`)
      lastStart = `shown ${seen.shownAt?.toFixed(0)} (Playwright saw it at ${(shownWall - origin).toFixed(0)}), usable ${usable.toFixed(0)}; ` +
        `long tasks ${seen.longTasks.map((t) => `${t.at.toFixed(0)}+${t.duration.toFixed(0)}`).join(' ') || 'none'}; ` +
        `scripts ${scripts.map((s) => `${name(s.url)} ${(s.at - origin).toFixed(0)}`).join(', ')}`
    }
  } finally {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 }).catch(() => {})
    await page.close().catch(() => {})
  }
  log(`what moved (last start): ${lastShifts.map((x) => `${x.at.toFixed(0)} ms ${x.value.toFixed(3)} ${x.what}`).join('; ') || 'nothing'}`)
  log(`last start (ms from navigation start): ${lastStart}`)
  log(`4× slower CPU, ${runs} warm starts: usable ${samples.usable.map((v) => v.toFixed(0)).join(' ')} ms; blocking ${samples.blocking.map((v) => v.toFixed(0)).join(' ')} ms; CLS ${samples.cls.map((v) => v.toFixed(3)).join(' ')}; scripts ${samples.js.map((v) => v.toFixed(1)).join(' ')} kB`)
  return {
    app_cls: percentile(samples.cls, 50),
    app_usable_ms_4x: percentile(samples.usable, 50),
    app_blocking_ms_4x: percentile(samples.blocking, 50),
    initial_js_kB_gz_outside: Math.max(...samples.js)
  }
}
