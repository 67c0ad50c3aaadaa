// Which addresses other devices can use to reach this machine, for `npm start`
// with HOST=0.0.0.0: the URLs to print, and the tracker address handed to each
// browser in config.json. A browser must never be told ws://0.0.0.0:… — that
// means "this device" to a phone, so it would find no tracker and no friend.
import os from 'node:os'

/** Listening on every interface: the address itself reaches nothing. */
export function isWildcardHost (host) {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === ''
}

/**
 * The machine's IPv4 LAN addresses (not loopback, not link-local 169.254.x),
 * in interface order, without duplicates.
 * @param {ReturnType<typeof os.networkInterfaces>} [interfaces]
 * @returns {string[]}
 */
export function lanAddresses (interfaces = os.networkInterfaces()) {
  const found = []
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      const v4 = a.family === 'IPv4' || a.family === 4
      if (!v4 || a.internal || a.address.startsWith('169.254.') || a.address.startsWith('127.')) continue
      if (!found.includes(a.address)) found.push(a.address)
    }
  }
  return found
}

/**
 * The URLs to print: each LAN address (for other devices), then 127.0.0.1
 * (for this machine). For a specific HOST, just that one.
 * @param {string} host what the server listens on
 * @param {number} port
 * @param {string[]} [lan]
 * @returns {{ url: string, lan: boolean }[]}
 */
export function urlsToOpen (host, port, lan = lanAddresses()) {
  if (!isWildcardHost(host)) return [{ url: `http://${hostForUrl(host)}:${port}/`, lan: !isLoopback(host) }]
  return [
    ...lan.map((a) => ({ url: `http://${a}:${port}/`, lan: true })),
    { url: `http://127.0.0.1:${port}/`, lan: false }
  ]
}

/**
 * The host name the browser used to reach the app, from its Host header, if
 * it is a plain name or address (a header is the sender's to write: anything
 * else is ignored). Without the port; IPv6 keeps its brackets.
 * @param {string | undefined} hostHeader
 * @returns {string | null}
 */
export function hostFromHeader (hostHeader) {
  if (typeof hostHeader !== 'string' || hostHeader.length > 255) return null
  const m = hostHeader.match(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/)
  if (!m) return null
  const host = m[1]
  return isWildcardHost(host) ? null : host
}

/**
 * The tracker URLs for one browser: a tracker listening on every interface is
 * named by the host the browser reached the app at (a phone that opened
 * http://192.168.1.5:5173 gets ws://192.168.1.5:8000); without a usable Host
 * header, by `fallbackHost` (the first LAN address). Other URLs are unchanged.
 * @param {string[]} trackers
 * @param {string | undefined} hostHeader
 * @param {string} fallbackHost
 * @returns {string[]}
 */
export function trackersForBrowser (trackers, hostHeader, fallbackHost) {
  const host = hostFromHeader(hostHeader) ?? fallbackHost
  return trackers.map((t) => {
    let url
    try { url = new URL(t) } catch { return t }
    if (!isWildcardHost(url.hostname)) return t
    url.hostname = host
    return url.href.replace(/\/$/, '')
  })
}

function isLoopback (host) {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]'
}

function hostForUrl (host) {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}
