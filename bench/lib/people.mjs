// One person = one browser context (own storage, own WebRTC stack), one page.
// Also keeps every page local: HTTP to anything but loopback is refused and a
// WebSocket to a non-local host is reported (the network namespace is the
// real guarantee; this makes a misconfigured system visible in the log).

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** @param {string} url */
export function isLocalUrl (url) {
  try {
    const u = new URL(url)
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true
    return LOCAL_HOSTS.has(u.hostname)
  } catch {
    return false
  }
}

/** Response headers that make a page cross-origin isolated. */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp'
}

/**
 * Opens a page for one person in a fresh browser context and waits for it to
 * load. Page errors and console errors/warnings go to `log`.
 *
 * `isolate` (default true) serves the pages with COOP/COEP headers so they are
 * cross-origin isolated: performance.now() then ticks in 5 µs steps instead of
 * 100 µs, which matters for sub-millisecond round trips. Pass false if a page
 * cannot live with it (e.g. it loads cross-origin resources).
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{ name: string, log: (...args: unknown[]) => void, consoleLevels?: string[],
 *   isolate?: boolean, context?: import('playwright-core').BrowserContext | null }} opts
 *   context: a context to use (and close) instead of a fresh one
 * @returns {Promise<{ context: import('playwright-core').BrowserContext,
 *   page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
export async function openPerson (browser, url, { name, log, consoleLevels = ['error', 'warning'], isolate = true, context: given = null }) {
  const context = given ?? await browser.newContext()
  const close = async () => { await context.close().catch(() => {}) }
  try {
    // Pages served through route.fulfill lose their loopback address space, so
    // Chromium's Local Network Access checks would block the local tracker.
    if (isolate) await context.grantPermissions(['local-network-access'])
    await context.route('**/*', async (route) => {
      const reqUrl = route.request().url()
      if (!isLocalUrl(reqUrl)) {
        log(`[${name}] blocked non-local request ${reqUrl}`)
        return route.abort('blockedbyclient')
      }
      if (!isolate) return route.continue()
      // A throw here is unhandled and ends the whole run: a fetch that fails
      // (a keep-alive socket the local server closed just as it was reused:
      // ECONNRESET) is tried once more, then fails that request alone.
      try {
        const response = await route.fetch().catch(() => route.fetch())
        await route.fulfill({ response, headers: { ...response.headers(), ...ISOLATION_HEADERS } })
      } catch (err) {
        log(`[${name}] request failed: ${reqUrl}: ${String(err?.message ?? err).split('\n')[0]}`)
        await route.abort('failed').catch(() => {})
      }
    })
    const page = await context.newPage()
    page.on('pageerror', (err) => log(`[${name}] page error: ${err.message}`))
    page.on('console', (msg) => {
      if (consoleLevels.includes(msg.type())) log(`[${name}] console.${msg.type()}: ${msg.text()}`)
    })
    page.on('websocket', (ws) => {
      if (!isLocalUrl(ws.url())) log(`[${name}] WARNING: non-local WebSocket ${ws.url()}`)
    })
    await page.goto(url, { waitUntil: 'load', timeout: 15_000 })
    if (isolate && !(await page.evaluate(() => globalThis.crossOriginIsolated))) {
      log(`[${name}] note: page is not cross-origin isolated; timer resolution is 100 µs`)
    }
    return { context, page, close }
  } catch (err) {
    await close()
    throw err
  }
}

/**
 * Runs `fn` with a "server" person and a "client" person on the same page
 * URL, closing both contexts afterwards whatever happens.
 * @template T
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {(...args: unknown[]) => void} log
 * @param {(pair: { server: import('playwright-core').Page,
 *   client: import('playwright-core').Page }) => Promise<T>} fn
 * @param {{ isolate?: boolean }} [opts] see openPerson
 * @returns {Promise<T>}
 */
export async function withPair (browser, url, log, fn, { isolate = true } = {}) {
  const server = await openPerson(browser, url, { name: 'server', log, isolate })
  let client
  try {
    client = await openPerson(browser, url, { name: 'client', log, isolate })
    return await fn({ server: server.page, client: client.page })
  } finally {
    await client?.close()
    await server.close()
  }
}

/**
 * Reads what pages/rtc-guard.js recorded on each page and logs it: how many
 * RTCPeerConnections were made and whether any was given ICE servers (none
 * may be). Pages without the guard are skipped.
 * @param {Record<string, import('playwright-core').Page>} pages name -> page
 * @param {(...args: unknown[]) => void} log
 * @returns {Promise<boolean>} true when no page used ICE servers
 */
export async function checkNoIceServers (pages, log) {
  let clean = true
  for (const [name, page] of Object.entries(pages)) {
    const seen = await page.evaluate(() => globalThis.rtcGuard ?? null).catch(() => null)
    if (!seen) continue
    if (seen.withIceServers > 0) {
      clean = false
      log(`[${name}] WARNING: ${seen.withIceServers} of ${seen.connections} RTCPeerConnections had ICE servers`)
    } else {
      log(`[${name}] ${seen.connections} RTCPeerConnection(s), all with iceServers: []`)
    }
  }
  return clean
}
