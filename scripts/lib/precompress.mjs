// A build step (a Vite plugin): every text file of the build gets a Brotli
// (.br) and a gzip (.gz) copy beside it, so a static server can send it
// compressed without compressing at each request (sirv does, with its
// `brotli` and `gzip` options: scripts/lib/static-server.mjs). Other hosts
// ignore the copies. Runs after every other plugin, the service worker's
// included. A file changed by hand after the build needs its copies made
// again (precompressFolder) or deleted: the copies are what browsers get.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const TEXT = /\.(js|mjs|css|html|svg|webmanifest|json|txt)$/
/** Below this, compressing saves less than the request's headers cost. */
const MIN_BYTES = 1024

/** @param {string} dir */
export function precompressFolder (dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) { precompressFolder(path); continue }
    if (!TEXT.test(name)) continue
    const bytes = readFileSync(path)
    if (bytes.length < MIN_BYTES) continue
    writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }))
    writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }))
  }
}

/** @returns {import('vite').Plugin} */
export function precompress () {
  let outDir = 'dist'
  return {
    name: 'kith-precompress',
    apply: 'build',
    enforce: 'post',
    configResolved (config) { outDir = config.build.outDir },
    closeBundle: { order: 'post', sequential: true, handler () { precompressFolder(outDir) } }
  }
}
