// Comparing what a host serves with a build made here (`npm run verify`):
// the files a browser runs are the service worker, the Workbox runtime it
// imports, and everything the worker precaches (the app shell: every
// script, style, page and icon; see vite.config.ts). Each must be, byte for
// byte, the file of the same name in the local build. Source maps and the
// .br/.gz copies are not compared: a browser does not run them.
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/** The worker's precache entries: [{ url, revision }] (revision null for content-hashed names). */
export function precacheEntries (swText) {
  const entries = []
  for (const m of swText.matchAll(/\{url:"([^"]+)",revision:(null|"([0-9a-f]+)")\}/g)) entries.push({ url: m[1], revision: m[3] ?? null })
  return entries
}

/** The Workbox runtime the worker imports ("./workbox-<hash>"). */
export function workboxRuntime (swText) {
  const m = swText.match(/define\(\["\.\/(workbox-[0-9a-f]+)"/)
  return m ? `${m[1]}.js` : null
}

/** The build id a host states in its build-id.json (build-id-plugin.mjs),
 *  or null. Only a claim: it holds because every file, that one included,
 *  is compared byte for byte. */
function statedId (bytes) {
  try {
    const { id } = JSON.parse(new TextDecoder().decode(bytes))
    return typeof id === 'string' && /^[0-9a-f]{12}$/.test(id) ? id : null
  } catch {
    return null
  }
}

/** A relative path of the build, or null when the name would leave it. */
function inside (dist, name) {
  const file = path.resolve(dist, name)
  return file.startsWith(path.resolve(dist) + path.sep) ? file : null
}

/**
 * @param {{ base: string, dist: string, fetchFile?: (url: string) => Promise<Uint8Array | null> }} opts
 *   base: the app's URL (its folder); dist: a local build to compare with
 * @returns {Promise<{ buildId: string | null, files: Array<{ name: string, result: 'same' | 'different' | 'not served' | 'not in the local build' }> }>}
 */
export async function compareHostWithBuild ({ base, dist, fetchFile = fetchBytes }) {
  const root = new URL(base.endsWith('/') ? base : `${base}/`)
  const served = await fetchFile(new URL('sw.js', root).href)
  if (!served) throw new Error(`${root.href} serves no sw.js: is this a Kith app?`)
  const swText = new TextDecoder().decode(served)
  const entries = precacheEntries(swText)
  if (entries.length === 0) throw new Error('the host\'s sw.js lists no precached files')
  const runtime = workboxRuntime(swText)
  const names = ['sw.js', ...(runtime ? [runtime] : []), ...entries.map((e) => e.url)]
  const files = []
  for (const name of [...new Set(names)]) {
    const local = inside(dist, name)
    const mine = local ? await readFile(local).catch(() => null) : null
    const theirs = name === 'sw.js' ? served : await fetchFile(new URL(name, root).href)
    const result = mine === null ? 'not in the local build' : theirs === null ? 'not served' : Buffer.compare(Buffer.from(theirs), mine) === 0 ? 'same' : 'different'
    files.push({ name, result })
  }
  const stated = await fetchFile(new URL('build-id.json', root).href)
  return { buildId: stated ? statedId(stated) : null, files }
}

/** The bytes as sent, uncompressed; null for anything but 200. */
async function fetchBytes (url) {
  const res = await fetch(url, { headers: { 'accept-encoding': 'identity' }, redirect: 'error' })
  if (res.status !== 200) return null
  return new Uint8Array(await res.arrayBuffer())
}
