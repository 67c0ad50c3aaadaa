#!/usr/bin/env node
// Benchmark harness (DESIGN §8): one tracker, one static server, one Chromium;
// each system in SYSTEMS measures itself through bench/systems/<name>.mjs.
// stdout: one JSON line per figure, as soon as it is known.
// stderr: progress and diagnostics.
// bench/results.json: every figure of the run, as an array.
//
// Usage (inside the private network namespace, see `npm run bench`):
//   node scripts/in-private-network.mjs node bench/run.mjs [system…]
import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { launchChromium } from '../scripts/lib/chromium.mjs'
import { startStaticServer } from '../scripts/lib/static-server.mjs'
import { startTracker } from '../scripts/lib/tracker-server.mjs'
import { startRelay } from '../scripts/lib/relay-server.mjs'
import { STANDARD_FIGURES, failed, withTimeout } from './lib/index.mjs'

// The contract for bench/systems/<name>.mjs is in lib/contract.mjs.

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')
const SYSTEMS = ['raw', 'bugout', 'kith', 'kith-device', 'kith-app', 'kith-backup', 'kith-scale', 'kith-relay']
const SYSTEM_BUDGET_MS = Number(process.env.BENCH_SYSTEM_BUDGET_MS ?? 400_000)
const RUN_BUDGET_MS = Number(process.env.BENCH_RUN_BUDGET_MS ?? 1_800_000)
const RESULTS = path.join(HERE, 'results.json')

const err = (...args) => console.error('[bench]', ...args)

if (process.env.KITH_PRIVATE_NETWORK !== '1') {
  err('note: not inside the private network namespace (use `npm run bench`); relying on local-only configuration')
}

// Last resort: a hung browser or server must not keep the process alive.
const watchdog = setTimeout(() => {
  err(`run exceeded ${RUN_BUDGET_MS} ms, exiting`)
  process.exit(3)
}, RUN_BUDGET_MS)
watchdog.unref()

const wanted = process.argv.slice(2)
const systems = wanted.length > 0 ? SYSTEMS.filter((s) => wanted.includes(s)) : SYSTEMS
for (const w of wanted) if (!SYSTEMS.includes(w)) err(`unknown system "${w}" ignored (known: ${SYSTEMS.join(', ')})`)

/** @type {import('./lib/figures.mjs').Figure[]} */
const results = []
const printed = new Set()

function isFigure (f) {
  return f && typeof f === 'object' && typeof f.figure === 'string' &&
    (f.value === null || typeof f.value === 'number') && typeof f.unit === 'string' && typeof f.ok === 'boolean'
}

/** Prints and stores a figure once per (system, figure) name. */
function record (system, f) {
  if (!isFigure(f)) { err(`${system}: ignoring malformed figure ${JSON.stringify(f)}`); return }
  const fig = { system, figure: f.figure, value: f.ok ? f.value : null, unit: f.unit, ok: f.ok && f.value !== null }
  const key = `${system}/${fig.figure}`
  if (printed.has(key)) return
  printed.add(key)
  results.push(fig)
  process.stdout.write(JSON.stringify(fig) + '\n')
}

/** The figure names a system module must report (see the loop below): its
 *  own EXPECTED_FIGURES if it declares them, else the standard ones. */
function expectedFigures (mod) {
  if (mod?.EXPECTED_FIGURES) return mod.EXPECTED_FIGURES
  if (mod?.STANDARD_FIGURES === false) return {}
  return STANDARD_FIGURES
}

let tracker, relay, pages, app, browser
let exitCode = 0
try {
  // Strict, like Aquatic: a system that breaks its rules loses its socket,
  // and every violation is printed (and listed at the end).
  tracker = await startTracker({ strict: true })
  // The embedded relay, strict as public relays are, like the tracker: only
  // systems that ask for it use it (the config pages get names none).
  relay = await startRelay({ strict: true })
  const config = { trackers: [tracker.url], relays: [], iceServers: [] }
  pages = await startStaticServer({
    root: path.join(HERE, 'pages'),
    config,
    mounts: { '/vendor/bugout': path.join(ROOT, 'node_modules/bugout/docs') }
  })
  const dist = path.join(ROOT, 'dist')
  if (existsSync(path.join(dist, 'index.html'))) app = await startStaticServer({ root: dist, config })
  browser = await launchChromium()
  err(`tracker ${tracker.url}, relay ${relay.url}, pages ${pages.url}, app ${app?.url ?? '(dist/ not built)'}, chromium ${browser.version()}`)

  for (const system of systems) {
    const file = path.join(HERE, 'systems', `${system}.mjs`)
    if (!existsSync(file)) {
      err(`${system}: bench/systems/${system}.mjs does not exist yet, skipped`)
      continue
    }
    const started = performance.now()
    err(`${system}: measuring…`)
    const abort = new AbortController()
    let loaded = null
    const log = (...args) => console.error(`[bench:${system}]`, ...args)
    try {
      const mod = await import(pathToFileURL(file).href)
      loaded = mod
      if (typeof mod.measure !== 'function') throw new Error(`bench/systems/${system}.mjs exports no measure()`)
      const figures = await withTimeout(mod.measure({
        browser,
        trackerUrl: tracker.url,
        relay,
        pagesUrl: pages.url,
        appUrl: app?.url ?? null,
        config,
        log,
        emit: (f) => record(system, f),
        signal: abort.signal
      }), Math.max(SYSTEM_BUDGET_MS, Number(mod.BUDGET_MS) || 0), `${system} measure()`)
      for (const f of Array.isArray(figures) ? figures : []) record(system, f)
    } catch (e) {
      abort.abort(e)
      err(`${system}: failed: ${e?.stack ?? e}`)
    }
    // Whatever a system did not report counts as failed. A system that only
    // measures figures of its own (e.g. the app's start-up) exports them as
    // EXPECTED_FIGURES (name -> unit): those are the ones it must report.
    for (const [name, unit] of Object.entries(expectedFigures(loaded))) {
      if (!printed.has(`${system}/${name}`)) record(system, failed(system, name, unit))
    }
    err(`${system}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
} catch (e) {
  err(`harness failed: ${e?.stack ?? e}`)
  exitCode = 1
} finally {
  await withTimeout(Promise.resolve(browser?.close()), 15_000, 'closing Chromium').catch((e) => err(e.message))
  await Promise.all([app, pages, tracker, relay].map((s) => s?.close())).catch((e) => err(e.message))
  if (tracker?.violations.length) err(`strict tracker violations (${tracker.violations.length}):\n  ${tracker.violations.join('\n  ')}`)
  if (relay?.violations.length) err(`strict relay violations (${relay.violations.length}):\n  ${relay.violations.join('\n  ')}`)
  // Figures measured by runs of their own (the soak run's `kith-soak`) stay as they were.
  const previous = await readFile(RESULTS, 'utf8').then((text) => JSON.parse(text), () => [])
  const kept = Array.isArray(previous) ? previous.filter((f) => isFigure(f) && typeof f.system === 'string' && !SYSTEMS.includes(f.system)) : []
  const tmp = `${RESULTS}.tmp`
  await writeFile(tmp, JSON.stringify([...results, ...kept], null, 2) + '\n')
  await rename(tmp, RESULTS)
  err(`wrote ${path.relative(ROOT, RESULTS)} (${results.length} figures)`)
}
clearTimeout(watchdog)
process.exit(exitCode)
