// One server per browser profile (DESIGN §4): two tabs of the same profile
// share one database and one identity, and two nodes on it would answer
// friends twice and race each other's writes. The node runs only while its
// tab holds the Web Lock below; a second tab waits and offers to take over,
// and the tab it is taken from stops serving. Where there are no Web
// Locks (not a secure context: plain http on a LAN address), tabs agree over
// a BroadcastChannel instead (channel-lock.ts).
import type { NodeLock } from './node-lock'

export const NODE_LOCK = 'kith-node'
/** Set by "Use this tab instead" in a tab that stopped: the reloaded page takes the lock. */
const TAKE_OVER_KEY = 'kith-take-over'

export type { NodeLock } from './node-lock'

/** How long a tab waits for the lock before saying another tab has it: on
 *  a reload the page that is going away may still hold it for a moment. */
export const CLAIM_WAIT_MS = 800
/** How long it still waits after saying so: the holder may be a tab just
 *  closed, which on a busy device lets go seconds late. Beyond this the
 *  holder is a tab in use, and a reload of that tab must find the lock free
 *  rather than taken by this one. */
export const LATE_CLAIM_MS = 15_000

export interface ClaimOptions {
  /** Take the lock from the tab that holds it. */
  steal?: boolean
  waitMs?: number
  lateMs?: number
  /** Called once `waitMs` passed without the lock while a tab holds it
   *  (Web Locks only): the page says another tab has it, while the claim
   *  goes on for `lateMs`. */
  onWaiting?: () => void
  /** Stops waiting: the claim comes to null. */
  signal?: AbortSignal
  locks?: LockManager | undefined
}

/**
 * Tries to become the tab that serves. Without `steal` it gets the lock if
 * it comes free within `waitMs` + `lateMs` (null otherwise); with `steal` it
 * takes it from the tab that does. A lock nobody holds is waited for as
 * long as it takes, and nothing is said meanwhile: a busy device may grant
 * even a free lock late, and no other tab is there to defer to.
 */
export function claimNode (opts: ClaimOptions = {}): Promise<NodeLock | null> {
  const locks = 'locks' in opts ? opts.locks : globalThis.navigator?.locks
  const waitMs = opts.waitMs ?? CLAIM_WAIT_MS
  // Loaded only there: nearly every page has Web Locks.
  if (!locks) return import('./channel-lock').then(({ claimOverChannel }) => claimOverChannel({ waitMs, ...(opts.steal ? { steal: true } : {}) }))
  if (opts.signal?.aborted === true) return Promise.resolve(null)
  return new Promise((resolve, reject) => {
    let granted = false
    let onLost = (): void => {}
    const lost = new Promise<void>((resolve) => { onLost = resolve })
    const giveUp = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const stopWaiting = (): void => { clearTimeout(timer); giveUp.abort() }
    opts.signal?.addEventListener('abort', stopWaiting, { once: true })
    const options: LockOptions = opts.steal ? { steal: true } : { signal: giveUp.signal }
    locks.request(NODE_LOCK, options, () => {
      granted = true
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', stopWaiting)
      // Held for as long as the page lives, until released or stolen.
      return new Promise<void>((release) => resolve({ lost, release: () => release() }))
    }).catch((err: unknown) => {
      const name = err instanceof DOMException ? err.name : ''
      if (!granted && name === 'AbortError') resolve(null) // another tab kept it, or the caller stopped waiting
      else if (granted && name === 'AbortError') onLost() // a stolen lock rejects the request that held it
      else reject(err)
    })
    if (opts.steal) return
    // Every `waitMs` while not granted: a lock nobody holds is coming, so
    // wait on; one a tab holds is said so, and given up `lateMs` after that.
    let giveUpAt = Infinity
    const check = (): void => {
      void heldNow(locks).then((held) => {
        if (granted || giveUp.signal.aborted) return
        if (held && giveUpAt === Infinity) {
          giveUpAt = Date.now() + (opts.lateMs ?? LATE_CLAIM_MS)
          opts.onWaiting?.()
        }
        if (held && Date.now() >= giveUpAt) stopWaiting()
        else timer = setTimeout(check, Math.min(waitMs, Math.max(0, giveUpAt - Date.now())))
      }, stopWaiting)
    }
    timer = setTimeout(check, waitMs)
  })
}

/** Whether a tab holds the lock now (this one, granted but not yet told, too). */
async function heldNow (locks: LockManager): Promise<boolean> {
  const { held = [] } = await locks.query()
  return held.some((lock) => lock.name === NODE_LOCK)
}

/** "Use this tab instead" in a tab that already stopped its node: the page
 *  reloads and takes the lock, so the node starts from a clean page. */
export function reloadToTakeOver (): void {
  sessionStorage.setItem(TAKE_OVER_KEY, '1')
  location.reload()
}

/** Whether this page load was asked to take the lock (read once). */
export function takeOverRequested (): boolean {
  const asked = sessionStorage.getItem(TAKE_OVER_KEY) === '1'
  sessionStorage.removeItem(TAKE_OVER_KEY)
  return asked
}

export const ELSEWHERE_TITLE = 'Kith is already running in another tab'
export const MOVED_TITLE = 'Kith is now running in another tab'
export const TAKE_OVER_LABEL = 'Use this tab instead'

/**
 * The page of a tab that does not serve: `moved` when its node was stopped
 * because another tab took over, otherwise a tab that found one running.
 * The button calls onTakeOver once.
 */
export function showOtherTabNotice (root: HTMLElement, kind: 'elsewhere' | 'moved', onTakeOver: () => void): void {
  const box = document.createElement('section')
  box.className = 'tab-notice'
  box.setAttribute('aria-labelledby', 'tab-notice-title')
  const title = document.createElement('h1')
  title.id = 'tab-notice-title'
  title.textContent = kind === 'moved' ? MOVED_TITLE : ELSEWHERE_TITLE
  const text = document.createElement('p')
  text.textContent = kind === 'moved'
    ? 'This tab stopped serving: your friends reach you through the other tab now. You can bring Kith back here; the other tab then stops.'
    : 'Only one tab at a time can be your server. Use that tab, or move Kith here; the other tab then stops serving.'
  const button = document.createElement('button')
  button.type = 'button'
  button.textContent = TAKE_OVER_LABEL
  button.addEventListener('click', () => {
    button.disabled = true
    onTakeOver()
  }, { once: true })
  box.append(title, text, button)
  root.classList.add('boot')
  root.replaceChildren(box)
  // Announced when it replaces the app in a tab the owner is looking at.
  box.setAttribute('role', kind === 'moved' ? 'status' : 'region')
  if (document.visibilityState === 'visible') button.focus()
}
