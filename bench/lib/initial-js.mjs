// The app's initial JavaScript: what a start must fetch before any import()
// runs. That is every module script and modulepreload named in
// dist/index.html, plus, through the Vite manifest (dist/.vite/manifest.json,
// `build.manifest` in vite.config.ts), every chunk those import statically,
// transitively. Chunks reached only through import() are not counted.
import { readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { gzipSync } from 'node:zlib'

/** The JS files (paths relative to dist/) that index.html loads at once. */
export function initialScripts (distDir) {
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

/** bundle_kB_gz: the initial JavaScript of a built app, gzipped, in kB. */
export function initialJsKB (distDir) {
  return gzippedKB(distDir, initialScripts(distDir))
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
