// The runner's supervisor with a fake Chromium and a fake clock: restarts a
// browser that exits or stops reporting within 10 s, backs off while it keeps
// failing, and stops it cleanly (SIGTERM, then SIGKILL).
import { describe, expect, it } from 'vitest'
import { Supervisor, SUPERVISOR_DEFAULTS, restartDelay, type Clock, type SupervisedProcess, type SupervisorEvent } from '../../scripts/lib/headless/supervisor.mjs'

class FakeClock implements Clock {
  time = 0
  private timers = new Map<number, { at: number, fn: () => void }>()
  private next = 1
  now = (): number => this.time
  setTimeout = (fn: () => void, ms: number): unknown => { const id = this.next++; this.timers.set(id, { at: this.time + ms, fn }); return id }
  clearTimeout = (id: unknown): void => { this.timers.delete(id as number) }
  /** Moves time forward, running due timers in order. */
  advance (ms: number): void {
    const end = this.time + ms
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.timers.delete(due[0])
      this.time = due[1].at
      due[1].fn()
    }
    this.time = end
  }
}

class FakeProcess implements SupervisedProcess {
  signals: string[] = []
  private exitCbs: Array<(code: number | null, signal: string | null) => void> = []
  alive = true
  /** Whether it dies from SIGTERM (a hung one does not). */
  diesOnTerm = true
  constructor (readonly pid: number) {}
  kill = (signal: NodeJS.Signals): void => {
    this.signals.push(signal)
    if (signal === 'SIGKILL' || (signal === 'SIGTERM' && this.diesOnTerm)) this.exit(null, signal)
  }

  onExit = (cb: (code: number | null, signal: string | null) => void): void => { this.exitCbs.push(cb) }
  exit (code: number | null, signal: string | null): void {
    if (!this.alive) return
    this.alive = false
    for (const cb of this.exitCbs) cb(code, signal)
  }
}

function setup (): { clock: FakeClock, procs: FakeProcess[], events: SupervisorEvent[], sup: Supervisor, launchedAt: number[] } {
  const clock = new FakeClock()
  const procs: FakeProcess[] = []
  const launchedAt: number[] = []
  const events: SupervisorEvent[] = []
  const sup = new Supervisor({
    clock,
    launch: () => { const p = new FakeProcess(100 + procs.length); procs.push(p); launchedAt.push(clock.now()); return p },
    onEvent: (e) => events.push(e)
  })
  return { clock, procs, events, sup, launchedAt }
}

/** Heartbeats every 2 s for ms. */
function reportFor (clock: FakeClock, sup: Supervisor, ms: number): void {
  for (let t = 0; t < ms; t += 2000) { sup.heartbeat(); clock.advance(2000) }
}

describe('the headless runner supervisor', () => {
  it('starts one browser and leaves a reporting one alone', () => {
    const { clock, procs, sup } = setup()
    sup.start()
    reportFor(clock, sup, 120_000)
    expect(procs).toHaveLength(1)
    expect(procs[0]!.signals).toEqual([])
  })

  it('restarts a browser that exited, within 10 s', () => {
    const { clock, procs, events, sup, launchedAt } = setup()
    sup.start()
    reportFor(clock, sup, 10_000)
    const diedAt = clock.now()
    procs[0]!.exit(null, 'SIGKILL')
    expect(events.map((e) => e.type)).toEqual(['started', 'exited', 'restarting'])
    clock.advance(10_000)
    expect(procs).toHaveLength(2)
    expect(launchedAt[1]! - diedAt).toBeLessThanOrEqual(10_000)
    expect(events.at(-1)).toMatchObject({ type: 'started', restarts: 1 })
  })

  it('kills and restarts a browser that stops reporting (hung), within 10 s of its last report', () => {
    const { clock, procs, events, sup, launchedAt } = setup()
    sup.start()
    reportFor(clock, sup, 10_000)
    sup.heartbeat()
    const lastReport = clock.now()
    clock.advance(SUPERVISOR_DEFAULTS.heartbeatMs - 1)
    expect(procs[0]!.signals).toEqual([])
    clock.advance(10_000)
    expect(procs[0]!.signals).toEqual(['SIGKILL'])
    expect(events.find((e) => e.type === 'hung')).toMatchObject({ limitMs: SUPERVISOR_DEFAULTS.heartbeatMs, firstReport: false })
    expect(procs).toHaveLength(2)
    expect(launchedAt[1]! - lastReport).toBeLessThanOrEqual(10_000)
  })

  it('counts a browser as hung when any one source of heartbeats goes silent', () => {
    const clock = new FakeClock()
    const procs: FakeProcess[] = []
    const events: SupervisorEvent[] = []
    const sup = new Supervisor({ clock, sources: ['page', 'browser'], launch: () => { const p = new FakeProcess(1); procs.push(p); return p }, onEvent: (e) => events.push(e) })
    sup.start()
    for (let t = 0; t < 4000; t += 2000) { sup.heartbeat('page'); sup.heartbeat('browser'); clock.advance(2000) }
    // The page goes on reporting; the browser process no longer answers.
    for (let t = 0; t < 12_000; t += 2000) { sup.heartbeat('page'); clock.advance(2000) }
    expect(procs[0]!.signals).toEqual(['SIGKILL'])
    expect(events.find((e) => e.type === 'hung')).toMatchObject({ source: 'browser', firstReport: false })
    expect(procs).toHaveLength(2)
  })

  it('takes no heartbeat from a source it was not told about', () => {
    const { clock, procs, sup } = setup() // the page only
    sup.start()
    sup.heartbeat('page')
    for (let t = 0; t < 10_000; t += 2000) { sup.heartbeat('browser'); clock.advance(2000) }
    expect(procs[0]!.signals).toEqual(['SIGKILL'])
  })

  it('gives a fresh browser longer for its first report, then restarts it too', () => {
    const { clock, procs, sup } = setup()
    sup.start()
    clock.advance(SUPERVISOR_DEFAULTS.heartbeatMs * 2)
    expect(procs).toHaveLength(1)
    clock.advance(SUPERVISOR_DEFAULTS.startupMs)
    expect(procs[0]!.signals).toEqual(['SIGKILL'])
    clock.advance(1000)
    expect(procs).toHaveLength(2)
  })

  it('goes on when a killed browser never reports its exit', () => {
    const { clock, procs, sup } = setup()
    sup.start()
    sup.heartbeat()
    // This one ignores even SIGKILL (stuck in the kernel).
    procs[0]!.kill = (s) => { procs[0]!.signals.push(s) }
    clock.advance(SUPERVISOR_DEFAULTS.heartbeatMs + SUPERVISOR_DEFAULTS.killWaitMs + 1000)
    expect(procs).toHaveLength(2)
  })

  it('backs off while it keeps crashing: 0.5, 1, 2, 4, 8, 10 s, then a minute; a stable run clears it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(restartDelay)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 60_000, 60_000])
    const { clock, procs, events, sup } = setup()
    sup.start()
    for (let i = 0; i < 7; i++) {
      procs.at(-1)!.exit(1, null)
      clock.advance(restartDelay(i + 1))
    }
    expect(procs).toHaveLength(8)
    expect(events.filter((e) => e.type === 'restarting').map((e) => e.delayMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 60_000])
    // Now it runs and reports for a while, then dies: the count starts over.
    reportFor(clock, sup, SUPERVISOR_DEFAULTS.stableMs + 2000)
    procs.at(-1)!.exit(1, null)
    expect(events.at(-1)).toMatchObject({ type: 'restarting', delayMs: 500, failures: 1 })
  })

  it('stops cleanly: SIGTERM, and no restart after', async () => {
    const { clock, procs, events, sup } = setup()
    sup.start()
    sup.heartbeat()
    const stopped = sup.stop()
    await stopped
    expect(procs[0]!.signals).toEqual(['SIGTERM'])
    clock.advance(120_000)
    expect(procs).toHaveLength(1)
    expect(events.at(-1)).toMatchObject({ type: 'stopped' })
  })

  it('stops a browser that ignores SIGTERM with SIGKILL after a few seconds', async () => {
    const { clock, procs, sup } = setup()
    sup.start()
    procs[0]!.diesOnTerm = false
    let done = false
    const stopped = sup.stop().then(() => { done = true })
    clock.advance(SUPERVISOR_DEFAULTS.stopGraceMs - 1)
    await Promise.resolve()
    expect(done).toBe(false)
    clock.advance(1)
    await stopped
    expect(procs[0]!.signals).toEqual(['SIGTERM', 'SIGKILL'])
    expect(procs).toHaveLength(1)
  })

  it('stops while waiting to restart without starting another', async () => {
    const { clock, procs, sup } = setup()
    sup.start()
    procs[0]!.exit(1, null)
    await sup.stop()
    clock.advance(60_000)
    expect(procs).toHaveLength(1)
  })
})
