// Tells the parts of a node that keep connections (the tracker sockets) that
// the network may have changed, so they check at once instead of waiting for
// a timeout: the browser says it is online again, the page comes back to the
// foreground or out of a freeze, the machine woke from sleep (a timer fired
// far later than asked), or a peer connection broke (ICE lost its path,
// which is what an uplink going away looks like from inside a home).

type Hint = (reason: string) => void

const listeners = new Set<Hint>()
let uninstall: (() => void) | null = null

/** Every hint is passed on at most this often: a burst (many sessions
 *  breaking at once) is one check, not hundreds. */
const MIN_HINT_GAP_MS = 1_000
let lastHintAt = -Infinity

/** Something saw the network change; every subscriber checks its connections. */
export function networkMayHaveChanged (reason: string): void {
  const now = Date.now()
  if (now - lastHintAt < MIN_HINT_GAP_MS) return
  lastHintAt = now
  for (const listener of [...listeners]) {
    try {
      listener(reason)
    } catch (err) {
      queueMicrotask(() => { throw err })
    }
  }
}

/** Subscribe to hints; in a browser page the first subscriber starts
 *  watching its events, the last one to leave stops it. */
export function onNetworkChange (listener: Hint): () => void {
  const entry: Hint = (reason) => listener(reason)
  listeners.add(entry)
  if (!uninstall) uninstall = watchBrowser()
  return () => {
    listeners.delete(entry)
    if (listeners.size === 0 && uninstall) {
      uninstall()
      uninstall = null
    }
  }
}

export interface WakeDetectorOptions {
  /** How often the timer asks to fire. */
  intervalMs: number
  /** A tick this much later than asked means the machine slept. */
  lateByMs: number
  onWake: (sleptMs: number) => void
  now?: () => number
}

/**
 * A laptop that sleeps stops every timer; on waking they fire at once, far
 * later than asked. That lateness is the only sign a page gets. The bar is
 * high, because Chromium also delays timers of a page left in the
 * background (to once a minute at worst), and such a page did not sleep —
 * though a check then costs only a probe per tracker.
 */
export function startWakeDetector (opts: WakeDetectorOptions): () => void {
  const now = opts.now ?? Date.now
  let last = now()
  const timer = setInterval(() => {
    const t = now()
    const late = t - last - opts.intervalMs
    last = t
    if (late >= opts.lateByMs) opts.onWake(late)
  }, opts.intervalMs)
  return () => clearInterval(timer)
}

function watchBrowser (): (() => void) | null {
  if (typeof window === 'undefined' || typeof document === 'undefined') return null
  const online = (): void => networkMayHaveChanged('the browser is online again')
  const visible = (): void => { if (document.visibilityState === 'visible') networkMayHaveChanged('the page is visible again') }
  const resumed = (): void => networkMayHaveChanged('the page resumed from a freeze')
  window.addEventListener('online', online)
  document.addEventListener('visibilitychange', visible)
  document.addEventListener('resume', resumed)
  const stopWake = startWakeDetector({
    intervalMs: 5_000,
    lateByMs: 20_000,
    onWake: (ms) => networkMayHaveChanged(`woke after about ${Math.round(ms / 1000)} s asleep`)
  })
  return () => {
    window.removeEventListener('online', online)
    document.removeEventListener('visibilitychange', visible)
    document.removeEventListener('resume', resumed)
    stopWake()
  }
}
