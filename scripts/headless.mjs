#!/usr/bin/env node
// `npm run headless -- --data <dir>`: the app as an always-on device (a
// Raspberry Pi, any Linux box): serves the built app on loopback, runs the
// system Chromium headless on it with a persistent profile in <dir>, restarts
// it when it exits or hangs, and prints what the page reports (its link code
// until the device is linked, then one status line per change).
// `npm run headless -- install-service` writes a systemd unit for it.
// `--help` lists the options (scripts/lib/headless/options.mjs).
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { APP_HEADERS } from './lib/csp.mjs'
import { startStaticServer } from './lib/static-server.mjs'
import { openCappedLog } from './lib/headless/capped-log.mjs'
import { chromiumArgs, clearProfile, spawnChromium } from './lib/headless/chromium-process.mjs'
import { choosePort, ensureDataDir, rememberPort, writeStatus } from './lib/headless/data-dir.mjs'
import { installService } from './lib/headless/install-service.mjs'
import { USAGE, UsageError, resolveOptions } from './lib/headless/options.mjs'
import { newRunnerToken, reportEndpoint } from './lib/headless/report-endpoint.mjs'
import { StatusPrinter } from './lib/headless/status-output.mjs'
import { Supervisor } from './lib/headless/supervisor.mjs'

const root = fileURLToPath(new URL('../', import.meta.url))
const script = fileURLToPath(import.meta.url)

function fail (message, code = 1) {
  console.error(message)
  process.exit(code)
}

function readText (path) {
  try { return readFileSync(path, 'utf8') } catch (err) { if (err.code === 'ENOENT') return null; throw err }
}

const time = () => new Date().toTimeString().slice(0, 8)
const say = (text) => console.log(`${time()} ${text}`)

let opts
try {
  opts = resolveOptions(process.argv.slice(2), { env: process.env, cwd: process.cwd(), hostname: hostname(), readText })
} catch (err) {
  if (err instanceof UsageError) fail(err.message, 2)
  throw err
}
if (opts.command === 'help') {
  console.log(USAGE)
  process.exit(0)
}
if (opts.command === 'install-service') {
  try { installService(opts, { script, root }) } catch (err) { if (err instanceof UsageError) fail(err.message); throw err }
  process.exit(0)
}
await run(opts)

async function run (opts) {
  if (opts.build) {
    // Quietly: the link code is what the person waits for, not the build's
    // ~80 lines; they are shown only when the build fails.
    console.log('Building the app…')
    const built = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' })
    if (built.status !== 0) {
      process.stdout.write(built.stdout ?? '')
      process.stderr.write(built.stderr ?? '')
      fail('The build failed (see above); nothing was started.')
    }
  }
  if (!existsSync(join(root, 'dist/index.html'))) fail('No build found in dist/. Run `npm run headless -- …` (it builds first) or `npm run build`.')
  try { accessSync(opts.chromium, constants.X_OK) } catch {
    fail(`Chromium was not found at ${opts.chromium}. Install it (sudo apt install chromium) or pass --chromium <path> (or set KITH_CHROMIUM).`)
  }

  const paths = ensureDataDir(opts.data)
  let chosen
  try { chosen = choosePort(paths, opts.port) } catch (err) { if (err instanceof UsageError) fail(err.message, 2); throw err }

  // Only what was configured goes to the page; the rest is the app's defaults.
  const config = {}
  if (opts.trackers) config.trackers = opts.trackers
  if (opts.relays) config.relays = opts.relays
  if (opts.iceServers) config.iceServers = opts.iceServers

  const token = newRunnerToken()
  const printer = new StatusPrinter({ write: (text) => console.log(text) })
  let lastStatus = ''
  let supervisor = null
  const onReport = (report) => {
    supervisor?.heartbeat('page')
    void printer.show(report)
    const json = JSON.stringify(report)
    if (json !== lastStatus) {
      lastStatus = json
      try { writeStatus(paths, report) } catch { /* monitoring only */ }
    }
  }

  let server
  try {
    server = await startStaticServer({ root: join(root, 'dist'), port: chosen.port, host: '127.0.0.1', config, headers: APP_HEADERS, handle: reportEndpoint({ token, onReport }) })
  } catch (err) {
    if (err.code === 'EADDRINUSE') fail(`Port ${chosen.port} on 127.0.0.1 is in use by another program. Stop it${chosen.remembered ? '' : ', or pass --port <n> (then always use that one)'}.`)
    throw err
  }
  if (!chosen.remembered) rememberPort(paths, chosen.port)

  // The token rides in the query: the page reads it (client/boot/runner-report.ts)
  // and sends it back with each report; nothing else on the machine has it.
  const pageUrl = new URL(`${server.url}/`)
  pageUrl.searchParams.set('runner', token)
  if (opts.name) pageUrl.searchParams.set('device', opts.name)
  if (opts.owner) pageUrl.searchParams.set('owner', opts.owner)

  console.log(`Kith headless runner: serving ${server.url}/ (loopback only) · data in ${paths.dir} · Chromium log ${paths.log}`)
  let servedBuild = distBuildId(join(root, 'dist'))
  console.log(`  build ${servedBuild} (check a host with: npm run verify -- <url>)`)
  // A rebuild of dist/ while running is a new version, which the page takes
  // by itself (client/boot/app-status.ts): say which build it is.
  setInterval(() => {
    const now = distBuildId(join(root, 'dist'))
    if (now !== servedBuild) say(`serving a new build: ${now} (was ${servedBuild}); the page takes it at its next check`)
    servedBuild = now
  }, 60_000).unref()
  console.log(`  trackers: ${opts.trackers?.join(', ') ?? 'the app defaults'} · relays: ${opts.relays ? opts.relays.join(', ') || 'none' : 'the app defaults'} · ICE servers: ${opts.iceServers ? JSON.stringify(opts.iceServers) : 'the app defaults'}`)

  const log = openCappedLog(paths.log)
  const args = chromiumArgs({ profileDir: paths.profile, url: pageUrl.href })
  let reason = ''
  supervisor = new Supervisor({
    sources: ['page', 'browser'],
    launch: () => {
      clearProfile(paths.profile, (text) => say(text))
      log.write(`\n[runner] ${new Date().toISOString()} starting ${opts.chromium}\n`)
      return spawnChromium({ chromium: opts.chromium, args, log, onBrowserAnswer: () => supervisor?.heartbeat('browser') })
    },
    onEvent: (event) => {
      if (event.type === 'started') {
        printer.forget()
        say(event.restarts === 0 ? `chromium started (pid ${event.pid})` : `chromium restarted (pid ${event.pid}, restart ${event.restarts})`)
      } else if (event.type === 'exited') {
        reason = `chromium exited (${event.signal ? `signal ${event.signal}` : `code ${event.code}`})`
      } else if (event.type === 'hung') {
        const what = event.source === 'browser' ? 'chromium did not answer' : 'chromium’s page sent no report'
        reason = `${what} for ${Math.round(event.limitMs / 1000)} s (hung?); killed it`
      } else if (event.type === 'restarting') {
        say(`${reason}; restarting it in ${(event.delayMs / 1000).toFixed(1)} s${event.failures > 1 ? ` (failure ${event.failures} in a row)` : ''}`)
      }
    }
  })
  supervisor.start()

  let stopping = false
  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    say(`${signal}: stopping chromium and the server`)
    await supervisor.stop()
    await server.close()
    log.close()
    process.exit(0)
  }
  // SIGHUP: the terminal it ran in was closed.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void stop(signal))
  // Chromium is in its own process group, so it would outlive a runner that
  // dies of a bug; the next start would clean up, but do it now.
  process.on('exit', () => { if (supervisor.state !== 'stopped') supervisor.proc?.kill('SIGKILL') })
}

/** The id of the build served (dist/build-id.json, lib/build-id-plugin.mjs), so a log says which build ran when. */
function distBuildId (dist) {
  try {
    return JSON.parse(readFileSync(join(dist, 'build-id.json'), 'utf8')).id
  } catch {
    return 'unknown (no dist/build-id.json: run npm run build)'
  }
}
