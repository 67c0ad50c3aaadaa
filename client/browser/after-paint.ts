// Work that does not serve the first screen waits until the screen has been
// drawn, and then runs in the browser's idle time, one step per task, so a
// tap on the screen just shown is answered at once (bench/README.md,
// kith-app: a phone's first second counts every script fetched, and every
// long task run, before the screen is usable).

/** The longest an idle step waits for the browser to be idle. */
const IDLE_WAIT_MS = 1000

/** Settles once the frame holding what was just rendered has been drawn. */
export function afterPaint (): Promise<void> {
  return new Promise((resolve) => {
    // The callback runs before that frame is drawn; the task after it, after.
    requestAnimationFrame(() => { setTimeout(resolve, 0) })
  })
}

/** Settles when the browser is next idle (or IDLE_WAIT_MS at most). */
export function whenIdle (): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => { resolve() }, { timeout: IDLE_WAIT_MS })
    else setTimeout(resolve, 50)
  })
}

/** A quiet moment: this long without a long task (> 50 ms) on the page. */
const QUIET_MS = 1000
/** The longest quietMoment() waits on a page that stays busy. */
const QUIET_WAIT_MAX_MS = 3000
/** A first screen drawn later than this after the navigation started is on
 *  a slow (or very busy) device, even without a long task: a phone's 4×
 *  slower CPU draws it in 0.35–1.5 s, a desktop in about 0.1 s. At 500 ms,
 *  two phone starts in five were taken for fast ones: the serving half
 *  loaded right after the screen, and its long task took the first tap. */
const SLOW_START_MS = 250
let sawLongTask = false
let lastLongTaskEnd = 0

/** Notes the page's long tasks from now on (the entry script calls it first thing). */
export function watchLongTasks (): void {
  if (!PerformanceObserver.supportedEntryTypes?.includes('longtask')) return
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      sawLongTask = true
      lastLongTaskEnd = Math.max(lastLongTaskEnd, e.startTime + e.duration)
    }
  }).observe({ type: 'longtask', buffered: true })
}

/** On a slow device (a long task while starting, or the screen drawn
 *  later than SLOW_START_MS: a phone), settles once the page has gone
 *  QUIET_MS without a long task since the screen was drawn, so the first
 *  tap on it is answered before the node's checks and network code (each a
 *  long task there) take the main thread (QUIET_WAIT_MAX_MS at most). On a
 *  fast one, at once. */
export async function quietMoment (): Promise<void> {
  const drawn = performance.now()
  if (!sawLongTask && drawn < SLOW_START_MS) return
  const giveUp = drawn + QUIET_WAIT_MAX_MS
  for (;;) {
    // Long tasks are reported a little after they end: let the report of
    // one just run come in before judging the page quiet.
    await whenIdle()
    const now = performance.now()
    const wait = Math.max(lastLongTaskEnd, drawn) + QUIET_MS - now
    if (wait <= 0 || now >= giveUp) return
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, giveUp - now)))
  }
}
