// Serves a built app folder like any static host would, plus a generated
// /config.json (trackers, ICE servers) so tests and `npm start` can point the
// app at local trackers without rebuilding it. `config` may be a function of
// the request (`npm start` on 0.0.0.0 names the tracker by the address the
// browser used). `headers` go on every
// response (the app's Content-Security-Policy, see csp.mjs). `handle` may
// answer a request before the files do (the headless runner's report
// endpoint); it returns true when it did. Requests naming another host
// than the server's own are refused (see allowed-hosts.mjs); `extraHosts`
// adds names it is also reached by. Source maps are built (dist/*.map) but
// not served unless asked (`sourceMaps`, or KITH_SOURCE_MAPS=1 for
// `npm start` and the runner): they hold the whole source with comments, and
// a host has no reason to hand that to every visitor.
import http from 'node:http'
import sirv from 'sirv'
import { allowedHosts, isAllowedHost } from './allowed-hosts.mjs'

/**
 * @param {{ root: string, port?: number, host?: string, config?: object | ((req: import('node:http').IncomingMessage) => object),
 *           mounts?: Record<string, string>, headers?: Record<string, string>, extraHosts?: string[], sourceMaps?: boolean,
 *           handle?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => boolean }} opts
 *   mounts: URL prefix -> folder, for extra files (e.g. the Bugout bundle in benchmarks)
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startStaticServer ({ root, port = 0, host = '127.0.0.1', config, mounts = {}, headers = {}, extraHosts = [], sourceMaps = process.env.KITH_SOURCE_MAPS === '1', handle }) {
  const hosts = allowedHosts({ listenHost: host, extra: extraHosts })
  // Read from disk at each request (a new build is served at once), sent
  // compressed when the build has .br/.gz copies (precompress.mjs), with an
  // ETag so a browser revalidates cheaply.
  const serveRoot = sirv(root, { dev: true, etag: true, brotli: true, gzip: true, setHeaders: caching })
  const serveMounts = Object.entries(mounts).map(([prefix, dir]) => [prefix, sirv(dir, { dev: true })])
  const server = http.createServer((req, res) => {
    if (!isAllowedHost(req.headers.host, hosts)) return misdirected(res)
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    const url = new URL(req.url ?? '/', 'http://x')
    if (handle?.(req, res, url)) return
    if (config && url.pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(typeof config === 'function' ? config(req) : config))
      return
    }
    if (!sourceMaps && SOURCE_MAP.test(url.pathname)) return notFound(res)
    for (const [prefix, serve] of serveMounts) {
      if (url.pathname.startsWith(prefix + '/')) {
        req.url = req.url.slice(prefix.length)
        return serve(req, res, () => notFound(res))
      }
    }
    serveRoot(req, res, () => notFound(res))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(undefined))
  })
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port
  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve(undefined)) })
  }
}

/** Content-hashed build files never change under their name: kept a year.
 *  Everything else (the page, the service worker, the manifest, icons) is
 *  asked again each time, so a new build is found, and answered 304 by ETag
 *  when unchanged. */
function caching (res, pathname) {
  res.setHeader('Cache-Control', HASHED.test(pathname) ? 'public, max-age=31536000, immutable' : 'no-cache')
}
/** A map, or a compressed copy of one, however the name is cased. */
const SOURCE_MAP = /\.map(\.(br|gz))?$/i
const HASHED = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+(\.map)?$/

/** Says nothing of which names would work: the page asking may be hostile. */
function misdirected (res) {
  res.writeHead(421, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
  res.end('This Kith server does not answer to that host name. To reach it by this name, add the name to KITH_ALLOWED_HOSTS where the server is started.')
}

function notFound (res) {
  res.writeHead(404, { 'content-type': 'text/plain' })
  res.end('not found')
}
