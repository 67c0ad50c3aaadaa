// Sizes of the built app's JavaScript (dist/), gzipped.
//
// - loadedScriptsKB: the scripts a start actually loaded, named by URL (the
//   kith-app benchmark collects them in the page up to the moment the app is
//   usable): bundle_kB_gz, the app's initial JavaScript.
// - entryJsKB: what a start must fetch before any import() runs: every module
//   script and modulepreload named in dist/index.html plus, through the Vite
//   manifest (dist/.vite/manifest.json, `build.manifest` in vite.config.ts),
//   every chunk those import statically, transitively (entry_kB_gz). The
//   entry is deliberately tiny and imports the rest, so this alone is not
//   the JavaScript a start needs; it is the part fetched before anything.
import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { gzipSync } from 'node:zlib'

/** The JS files (paths relative to dist/) that index.html loads at once. */
export function entryScripts (distDir) {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8')
  const named = []
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    if (!/\btype=["']?module/i.test(tag)) continue
    const src = /\bsrc=["']([^"']+)["']/i.exec(tag)?.[1]
    if (src) named.push(src)
  }
  for (const tag of html.match(/<link\b[^>]*>/gi) ?? []) {
    if (!/\brel=["']?modulepreload/i.test(tag)) continue
    const href = /\bhref=["']([^"']+)["']/i.exec(tag)?.[1]
    if (href) named.push(href)
  }
  const manifest = readManifest(distDir)
  const byFile = new Map(Object.values(manifest).map((chunk) => [chunk.file, chunk]))
  const files = new Set()
  const visit = (file) => {
    if (files.has(file)) return
    files.add(file)
    for (const key of byFile.get(file)?.imports ?? []) {
      const chunk = manifest[key]
      if (!chunk) throw new Error(`the Vite manifest names an import "${key}" it does not list`)
      visit(chunk.file)
    }
  }
  for (const url of named) visit(distPath(url))
  return [...files]
}

/** Sum of each file's gzip (level 9) size, in kB (1 kB = 1000 B). */
export function gzippedKB (distDir, files) {
  let bytes = 0
  for (const file of files) bytes += gzipSync(readFileSync(join(distDir, file)), { level: 9 }).length
  return bytes / 1000
}

/** entry_kB_gz: the entry and its static imports, gzipped, in kB. */
export function entryJsKB (distDir) {
  return gzippedKB(distDir, entryScripts(distDir))
}

/** The dist/ files behind script URLs the app loaded (each once), in
 *  load order. A URL outside the app's folder or naming a file that is not
 *  a script of this build is refused: the figure would not be this build's. */
export function distScripts (distDir, appUrl, urls) {
  const base = new URL(appUrl.endsWith('/') ? appUrl : `${appUrl}/`)
  const byFile = new Set(Object.values(readManifest(distDir)).map((chunk) => chunk.file))
  const files = []
  for (const url of urls) {
    const u = new URL(url, base)
    if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) throw new Error(`the app loaded a script from elsewhere: ${url}`)
    const file = posix.normalize(decodeURIComponent(u.pathname.slice(base.pathname.length)))
    // A classic script copied from public/ (file-check.js) is in dist/ but not in the manifest.
    if (!byFile.has(file) && !(file.endsWith('.js') && !file.includes('/') && existsSync(join(distDir, file)))) throw new Error(`the app loaded ${url}, which is not a script of this build (run \`npx vite build\` again?)`)
    if (!files.includes(file)) files.push(file)
  }
  return files
}

/** bundle_kB_gz: the scripts a start loaded (by URL), gzipped, in kB. */
export function loadedScriptsKB (distDir, appUrl, urls) {
  return gzippedKB(distDir, distScripts(distDir, appUrl, urls))
}

function readManifest (distDir) {
  try {
    return JSON.parse(readFileSync(join(distDir, '.vite/manifest.json'), 'utf8'))
  } catch (err) {
    throw new Error(`${distDir}/.vite/manifest.json is missing or broken (build with build.manifest on): ${err.message}`)
  }
}

/** "./assets/x.js" or "/assets/x.js" (relative to index.html) -> "assets/x.js". */
function distPath (url) {
  if (/^[a-z]+:/i.test(url)) throw new Error(`index.html loads a script from elsewhere: ${url}`)
  return posix.normalize(url.replace(/^\.?\//, ''))
}
