// The kith-app benchmark's sizes: entry_kB_gz counts what a start must fetch
// before any import() runs (the module scripts and modulepreloads index.html
// names, and what they import statically through the Vite manifest, never
// chunks reached only by import()); bundle_kB_gz counts the scripts a start
// really loaded, by URL, each once, and refuses URLs that are not this build's.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { distScripts, entryJsKB, entryScripts, gzippedKB, loadedScriptsKB } from '../../bench/lib/initial-js.mjs'

const dist = mkdtempSync(join(tmpdir(), 'kith-initial-js-'))
afterAll(() => rmSync(dist, { recursive: true, force: true }))

function write (path: string, text: string): void {
  mkdirSync(join(dist, path, '..'), { recursive: true })
  writeFileSync(join(dist, path), text)
}

// entry -> shared (static) -> runtime (static); entry -> lazy (import() only);
// preload is named by a modulepreload link; other.js by nothing.
const body = (name: string, n: number): string => `/* ${name} */ ` + Array.from({ length: n }, (_, i) => `var ${name}${i}=${i * 7919 % 1000};`).join('')
write('assets/entry.js', body('entry', 300))
write('assets/shared.js', body('shared', 200))
write('assets/runtime.js', body('runtime', 50))
write('assets/lazy.js', body('lazy', 5000))
write('assets/preload.js', body('preload', 20))
write('assets/other.js', body('other', 5000))
write('file-check.js', body('check', 10))
write('index.html', `<!doctype html><head>
  <script type="module" crossorigin src="./assets/entry.js"></script>
  <link rel="modulepreload" crossorigin href="./assets/preload.js">
  <link rel="stylesheet" href="./assets/x.css">
  <script src="./assets/other.js"></script>
</head>`)
write('.vite/manifest.json', JSON.stringify({
  'index.html': { file: 'assets/entry.js', isEntry: true, imports: ['_shared.js'], dynamicImports: ['lazy.ts'] },
  '_shared.js': { file: 'assets/shared.js', imports: ['_runtime.js'] },
  '_runtime.js': { file: 'assets/runtime.js' },
  'lazy.ts': { file: 'assets/lazy.js', isDynamicEntry: true, imports: ['_shared.js'] },
  '_preload.js': { file: 'assets/preload.js' }
}))

describe('the entry JavaScript of a build', () => {
  it('is the entry, its static imports (transitively) and modulepreloads, not dynamic imports or classic scripts', () => {
    expect(entryScripts(dist).sort()).toEqual(['assets/entry.js', 'assets/preload.js', 'assets/runtime.js', 'assets/shared.js'])
  })

  it('is measured gzipped, in kB of 1000 bytes', () => {
    const files = ['assets/entry.js', 'assets/preload.js', 'assets/runtime.js', 'assets/shared.js']
    const expected = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0) / 1000
    expect(entryJsKB(dist)).toBeCloseTo(expected, 6)
    expect(gzippedKB(dist, ['assets/lazy.js'])).toBeGreaterThan(entryJsKB(dist)) // the big one is left out
  })

  it('refuses a build without its manifest, rather than guessing', () => {
    const bare = mkdtempSync(join(tmpdir(), 'kith-initial-js-bare-'))
    try {
      writeFileSync(join(bare, 'index.html'), '<script type="module" src="./a.js"></script>')
      expect(() => entryScripts(bare)).toThrow(/manifest\.json is missing/)
    } finally {
      rmSync(bare, { recursive: true, force: true })
    }
  })
})

describe('the scripts a start loaded', () => {
  const app = 'http://127.0.0.1:5000/kith'
  const gz = (f: string): number => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length

  it('are every loaded URL as its dist/ file, each once, dynamic imports included', () => {
    const urls = [`${app}/assets/entry.js`, `${app}/assets/lazy.js`, `${app}/assets/shared.js`, `${app}/assets/lazy.js`]
    expect(distScripts(dist, app, urls)).toEqual(['assets/entry.js', 'assets/lazy.js', 'assets/shared.js'])
    const expected = (gz('assets/entry.js') + gz('assets/lazy.js') + gz('assets/shared.js')) / 1000
    expect(loadedScriptsKB(dist, app, urls)).toBeCloseTo(expected, 6)
    expect(loadedScriptsKB(dist, app, urls)).toBeGreaterThan(entryJsKB(dist)) // a lazy chunk loaded at start counts
  })

  it('refuses a script of another origin or folder, or one the build does not have', () => {
    expect(() => distScripts(dist, app, ['http://127.0.0.1:5001/kith/assets/entry.js'])).toThrow(/from elsewhere/)
    expect(() => distScripts(dist, app, ['http://127.0.0.1:5000/other/assets/entry.js'])).toThrow(/from elsewhere/)
    expect(() => distScripts(dist, app, [`${app}/assets/other.js`])).toThrow(/not a script of this build/)
    expect(() => distScripts(dist, app, [`${app}/assets/gone.js`])).toThrow(/not a script of this build/)
    expect(() => distScripts(dist, app, [`${app}/gone.js`])).toThrow(/not a script of this build/)
  })

  it('counts a classic script copied whole from public/ into the build (file-check.js)', () => {
    expect(distScripts(dist, app, [`${app}/assets/entry.js`, `${app}/file-check.js`])).toEqual(['assets/entry.js', 'file-check.js'])
  })
})
