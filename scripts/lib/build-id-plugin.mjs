// A build step (a Vite plugin): dist/build-id.json, {"id": "<12 hex>"}, a
// short name for this exact build: SHA-256 over every file the service
// worker precaches (the app shell: the same patterns as vite.config.ts's
// workbox.globPatterns), each by its path and its own SHA-256, sorted. The
// file is precached too, so a page reads the id of the build it runs
// (client/boot/build-id.ts); Settings shows it, the update prompt shows the
// new one, the headless runner logs it, and `npm run verify` prints the
// host's. Runs after the bundle is written and before the worker is made.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const BUILD_ID_FILE = 'build-id.json'
/** The extensions workbox precaches (keep equal to vite.config.ts). */
export const SHELL_FILES = /\.(js|css|html|svg|png|webmanifest)$/

/** Every shell file under dir (not in dot folders), as paths with '/'. */
function shellFiles (dir, sub = '') {
  return readdirSync(join(dir, sub)).flatMap((name) => {
    if (name.startsWith('.')) return []
    const rel = sub ? `${sub}/${name}` : name
    return statSync(join(dir, rel)).isDirectory() ? shellFiles(dir, rel) : SHELL_FILES.test(name) ? [rel] : []
  })
}

/** The id of the build in `dir` (see above). */
export function buildIdOfFolder (dir) {
  const lines = shellFiles(dir).sort().map((rel) => `${rel} ${createHash('sha256').update(readFileSync(join(dir, ...rel.split('/')))).digest('hex')}`)
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12)
}

/** @returns {import('vite').Plugin} */
export function buildIdFile () {
  let outDir = 'dist'
  return {
    name: 'kith-build-id',
    apply: 'build',
    configResolved (config) { outDir = config.build.outDir },
    closeBundle: {
      order: 'pre',
      sequential: true,
      handler () { writeFileSync(join(outDir, BUILD_ID_FILE), JSON.stringify({ id: buildIdOfFolder(outDir) }) + '\n') }
    }
  }
}

