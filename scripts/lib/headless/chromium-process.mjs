// Runs the system Chromium (a Pi has only the `chromium` package, so no
// playwright) headless on one page, with a persistent profile, as the leader
// of its own process group so that one signal reaches the browser and every
// helper process it started.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startBrowserPings } from './browser-ping.mjs'

/**
 * The flags, and why each is there.
 * @param {{ profileDir: string, url: string, asRoot?: boolean }} opts
 */
export function chromiumArgs ({ profileDir, url, asRoot = process.getuid?.() === 0 }) {
  return [
    // Chromium 132+ has only the new headless mode (a real browser without a
    // window); `--headless` selects it, as `--headless=new` did before.
    '--headless',
    // The runner asks the browser itself whether it is alive over this pipe
    // (browser-ping.mjs); a pipe, unlike a port, only the runner holds.
    '--remote-debugging-pipe',
    // IndexedDB (the node's identity and data) lives in the profile.
    `--user-data-dir=${profileDir}`,
    '--no-first-run', '--no-default-browser-check',
    // The node's timers (tracker announces, heartbeats, retries) and its
    // WebRTC sessions must run at full speed although no one looks at the page.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    // IntensiveWakeUpThrottling would batch timers of a page Chromium thinks
    // hidden to once a minute. WebRtcHideLocalIpsWithMdns would replace host
    // candidates by .local names that need an mDNS responder to resolve;
    // offers are sealed to the friend, so the real LAN address is only theirs.
    '--disable-features=IntensiveWakeUpThrottling,WebRtcHideLocalIpsWithMdns',
    // No GPU on a headless Pi; no keyring to wait for; nothing phoned home.
    '--disable-gpu', '--password-store=basic',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-breakpad', '--mute-audio',
    // Chromium refuses to run as root with its sandbox (a CI container, or a
    // Pi set up as root): only then is it turned off.
    ...(asRoot ? ['--no-sandbox'] : []),
    url
  ]
}

/** Processes (other than us) whose command line names this profile: the
 *  browser and its helpers. Linux only (reads /proc); elsewhere none. */
export function profileProcesses (profileDir) {
  const flag = `--user-data-dir=${profileDir}`
  const pids = []
  let entries = []
  try { entries = readdirSync('/proc') } catch { return pids }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (args.includes(flag)) pids.push(Number(entry))
    } catch { /* it exited meanwhile */ }
  }
  return pids
}

/** Before a start: kill what is left of an earlier browser on this profile
 *  (one that died hard, or a runner that was killed), then remove the
 *  profile's singleton lock, which would otherwise make the new browser hand
 *  its URL to the dead one and exit. */
export function clearProfile (profileDir, log = () => {}) {
  let left = profileProcesses(profileDir)
  if (left.length > 0) log(`killing ${left.length} leftover Chromium process(es) of this profile`)
  // At most 2 s, in 50 ms steps: SIGKILL takes effect within milliseconds.
  for (let i = 0; left.length > 0 && i < 40; i++) {
    for (const pid of left) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
    sleepSync(50)
    left = profileProcesses(profileDir)
  }
  for (const name of ['SingletonLock', 'SingletonSocket', 'SingletonCookie']) {
    rmSync(join(profileDir, name), { force: true })
  }
}

/** Blocks this thread (the supervisor launches synchronously). */
function sleepSync (ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * @param {{ chromium: string, args: string[], log: { write: (chunk: Buffer | string) => void },
 *           onBrowserAnswer: () => void }} opts onBrowserAnswer: the browser answered a ping
 * @returns {import('./supervisor.mjs').SupervisedProcess}
 */
export function spawnChromium ({ chromium, args, log, onBrowserAnswer }) {
  // fds 3 and 4: the DevTools pipe that --remote-debugging-pipe expects.
  const child = spawn(chromium, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] })
  child.stdout.on('data', (chunk) => log.write(chunk))
  child.stderr.on('data', (chunk) => log.write(chunk))
  const pings = startBrowserPings({
    toBrowser: /** @type {import('node:stream').Writable} */ (child.stdio[3]),
    fromBrowser: /** @type {import('node:stream').Readable} */ (child.stdio[4]),
    onAnswer: onBrowserAnswer
  })
  const pid = child.pid ?? -1
  const killGroup = (signal) => {
    try { process.kill(-pid, signal) } catch { /* already gone */ }
  }
  let exited = null
  const waiting = []
  const onGone = (code, signal) => {
    if (exited) return
    exited = { code, signal }
    pings.stop()
    // Helpers outlive a browser killed hard; they belong to its group.
    killGroup('SIGKILL')
    for (const cb of waiting) cb(code, signal)
  }
  child.on('exit', (code, signal) => onGone(code, signal))
  child.on('error', (err) => {
    log.write(`[runner] could not start ${chromium}: ${err.message}\n`)
    onGone(null, null)
  })
  return {
    pid,
    kill: (signal) => { if (pid > 0 && !exited) killGroup(signal) },
    onExit: (cb) => { if (exited) cb(exited.code, exited.signal); else waiting.push(cb) }
  }
}
