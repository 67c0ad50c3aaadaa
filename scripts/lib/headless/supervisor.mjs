// Keeps one Chromium running. The page posts a report every 2 s; the
// supervisor takes each as a heartbeat. If Chromium exits, or no report comes
// for heartbeatMs (a hung browser or page), it is killed and started again
// with the same profile: the first restarts within a second or so, doubling
// while it keeps failing, never more than 10 s apart for the first six (the
// issue's bound), then once a minute so a browser that cannot start does not
// spin the CPU of a Pi. A run that stayed up for stableMs clears the count.
// Process and clock are injected, so the logic is tested without a browser.

/**
 * @typedef {{ pid: number, kill: (signal: NodeJS.Signals) => void,
 *             onExit: (cb: (code: number | null, signal: string | null) => void) => void }} SupervisedProcess
 * @typedef {{ now: () => number, setTimeout: (fn: () => void, ms: number) => unknown,
 *             clearTimeout: (handle: unknown) => void }} Clock
 */

export const SUPERVISOR_DEFAULTS = Object.freeze({
  /** No report for this long after one arrived: hung. */
  heartbeatMs: 8_000,
  /** Before the first report of a run (a Pi opening a big IndexedDB is slow). */
  startupMs: 30_000,
  /** A run this long with reports is not part of a crash loop. */
  stableMs: 60_000,
  /** After SIGKILL, go on if no exit has been seen by then. */
  killWaitMs: 3_000,
  /** On stop: SIGTERM, then SIGKILL after this. */
  stopGraceMs: 5_000
})

/** Delay before restart number `failures` (1 = the first in a row). */
export function restartDelay (failures) {
  if (failures <= 6) return Math.min(10_000, 500 * 2 ** (failures - 1))
  return 60_000
}

export class Supervisor {
  /**
   * @param {{ launch: () => SupervisedProcess, clock?: Clock,
   *           onEvent?: (event: { type: string, [k: string]: unknown }) => void } & Partial<typeof SUPERVISOR_DEFAULTS>} opts
   */
  constructor (opts) {
    this.launch = opts.launch
    this.clock = opts.clock ?? { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(/** @type {any} */ (h)) }
    this.onEvent = opts.onEvent ?? (() => {})
    this.limits = { ...SUPERVISOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k]) => k in SUPERVISOR_DEFAULTS)) }
    /** @type {SupervisedProcess | null} */
    this.proc = null
    this.state = 'idle' // idle | running | killing | waiting | stopping | stopped
    this.failures = 0
    this.restarts = 0
    this.startedAt = 0
    this.lastSeen = 0
    this.reported = false
    this.watchdog = null
    this.timer = null
    this.stopped = null
  }

  start () {
    if (this.state !== 'idle') return
    this.run()
  }

  /** A valid report arrived from the page. */
  heartbeat () {
    if (this.state !== 'running') return
    this.reported = true
    this.lastSeen = this.clock.now()
    this.arm(this.limits.heartbeatMs)
  }

  /** Stops Chromium (SIGTERM, SIGKILL after stopGraceMs); resolves once it exited. */
  stop () {
    if (this.stopped) return this.stopped
    const wasAlive = this.state === 'running' || this.state === 'killing'
    this.state = 'stopping'
    this.clear()
    this.stopped = new Promise((resolve) => {
      const finish = () => {
        this.clear()
        this.state = 'stopped'
        this.onEvent({ type: 'stopped' })
        resolve(undefined)
      }
      if (!wasAlive || !this.proc) return finish()
      this.finishStop = finish
      this.proc.kill('SIGTERM')
      this.timer = this.clock.setTimeout(() => {
        this.proc?.kill('SIGKILL')
        this.timer = this.clock.setTimeout(finish, this.limits.killWaitMs)
      }, this.limits.stopGraceMs)
    })
    return this.stopped
  }

  run () {
    this.clear()
    const proc = this.launch()
    this.proc = proc
    this.state = 'running'
    this.startedAt = this.clock.now()
    this.lastSeen = this.startedAt
    this.reported = false
    proc.onExit((code, signal) => this.exited(proc, code, signal))
    this.arm(this.limits.startupMs)
    this.onEvent({ type: 'started', pid: proc.pid, restarts: this.restarts })
  }

  exited (proc, code, signal) {
    if (proc !== this.proc) return
    if (this.state === 'stopping') return this.finishStop?.()
    if (this.state === 'running') {
      this.onEvent({ type: 'exited', code, signal })
      this.scheduleRestart()
    } else if (this.state === 'killing') {
      this.scheduleRestart()
    }
  }

  hung () {
    const silentMs = this.clock.now() - this.lastSeen
    this.onEvent({ type: 'hung', firstReport: !this.reported, limitMs: this.reported ? this.limits.heartbeatMs : this.limits.startupMs, silentMs })
    this.state = 'killing'
    this.proc?.kill('SIGKILL')
    // An unkillable process (stuck in the kernel) must not stop the restart.
    this.timer = this.clock.setTimeout(() => { if (this.state === 'killing') this.scheduleRestart() }, this.limits.killWaitMs)
  }

  scheduleRestart () {
    this.clear()
    const stable = this.reported && this.clock.now() - this.startedAt >= this.limits.stableMs
    this.failures = stable ? 1 : this.failures + 1
    const delayMs = restartDelay(this.failures)
    this.state = 'waiting'
    this.onEvent({ type: 'restarting', delayMs, failures: this.failures })
    this.timer = this.clock.setTimeout(() => {
      if (this.state !== 'waiting') return
      this.restarts += 1
      this.run()
    }, delayMs)
  }

  arm (ms) {
    if (this.watchdog !== null) this.clock.clearTimeout(this.watchdog)
    this.watchdog = this.clock.setTimeout(() => {
      this.watchdog = null
      if (this.state === 'running') this.hung()
    }, ms)
  }

  clear () {
    if (this.watchdog !== null) this.clock.clearTimeout(this.watchdog)
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.watchdog = null
    this.timer = null
  }
}
