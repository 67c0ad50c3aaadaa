// Keeps one Chromium running. Heartbeats come from several sources (the
// page's report every 2 s, the browser's answer to a ping every 2 s). If
// Chromium exits, or one source is silent for heartbeatMs (a hung browser or
// page), it is killed and started again
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
   * @param {{ launch: () => SupervisedProcess, clock?: Clock, sources?: string[],
   *           onEvent?: (event: { type: string, [k: string]: unknown }) => void } & Partial<typeof SUPERVISOR_DEFAULTS>} opts
   */
  constructor (opts) {
    this.launch = opts.launch
    this.clock = opts.clock ?? { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(/** @type {any} */ (h)) }
    this.onEvent = opts.onEvent ?? (() => {})
    this.sources = opts.sources ?? ['page']
    this.limits = { ...SUPERVISOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k]) => k in SUPERVISOR_DEFAULTS)) }
    /** @type {SupervisedProcess | null} */
    this.proc = null
    this.state = 'idle' // idle | running | killing | waiting | stopping | stopped
    this.failures = 0
    this.restarts = 0
    this.startedAt = 0
    this.reported = false
    /** source -> its watchdog timer */
    this.watchdogs = new Map()
    /** source -> when it last beat (the start of the run until it did) */
    this.seen = new Map()
    this.timer = null
    this.stopped = null
  }

  start () {
    if (this.state !== 'idle') return
    this.run()
  }

  /** A valid report arrived from the page, or the browser answered. */
  heartbeat (source = 'page') {
    if (this.state !== 'running' || !this.sources.includes(source)) return
    this.reported = true
    this.seen.set(source, this.clock.now())
    this.arm(source, this.limits.heartbeatMs)
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
    this.seen.clear()
    this.reported = false
    proc.onExit((code, signal) => this.exited(proc, code, signal))
    for (const source of this.sources) this.arm(source, this.limits.startupMs)
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

  hung (source) {
    const beat = this.seen.has(source)
    const silentMs = this.clock.now() - (this.seen.get(source) ?? this.startedAt)
    this.clear()
    this.onEvent({ type: 'hung', source, firstReport: !beat, limitMs: beat ? this.limits.heartbeatMs : this.limits.startupMs, silentMs })
    this.state = 'killing'
    // An unkillable process (stuck in the kernel) must not stop the restart.
    this.timer = this.clock.setTimeout(() => { if (this.state === 'killing') this.scheduleRestart() }, this.limits.killWaitMs)
    this.proc?.kill('SIGKILL')
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

  arm (source, ms) {
    if (this.watchdogs.has(source)) this.clock.clearTimeout(this.watchdogs.get(source))
    this.watchdogs.set(source, this.clock.setTimeout(() => {
      this.watchdogs.delete(source)
      if (this.state === 'running') this.hung(source)
    }, ms))
  }

  clear () {
    for (const handle of this.watchdogs.values()) this.clock.clearTimeout(handle)
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.watchdogs.clear()
    this.timer = null
  }
}
