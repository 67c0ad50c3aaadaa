/// <reference types="vite-plugin-pwa/vanillajs" />
// Watching for a new version of the installed app (app-status.ts shows its
// notice): registers the service worker through vite-plugin-pwa, which
// loads workbox-window. Loaded with import() once the first screen is up
// and the views' code has loaded (main.ts), so no start waits for it.
import { registerSW } from 'virtual:pwa-register'
import { runningBuildId, servedBuildId } from '../browser/build-id'

export interface AppStatusOptions {
  /** The #app-status element from index.html. */
  root: HTMLElement
  /** Take a new version without asking (the headless runner's page). */
  autoUpdate: boolean
  /** Called as a new version is asked to take over: make no requests for a
   *  moment (the runner's report beats). */
  beforeTakeOver: () => void
  /** Called just before the page reloads for a new version. */
  beforeReload: () => void
}

/** How often an open page asks the host for a new version. */
const UPDATE_CHECK_MS = 60 * 60 * 1000

export function watchForUpdates (opts: AppStatusOptions, update: HTMLElement, reload: HTMLButtonElement, updateText: string): void {
  // Only where service workers exist (a secure context: https or localhost).
  if (!('serviceWorker' in navigator)) return
  let reloading = false
  const reloadOnce = (): void => {
    if (reloading) return
    reloading = true
    opts.beforeReload()
    location.reload()
  }
  let asked = false
  /** The installed new version, when watchInstalling saw it (workbox-window's
   *  reports do not say which). */
  let waiting: ServiceWorker | undefined
  const takeOver = (): void => {
    if (!asked) {
      asked = true
      opts.beforeTakeOver()
      // Once it controls this page, run it.
      navigator.serviceWorker.addEventListener('controllerchange', reloadOnce)
    }
    // Asked again each time it is reported: workbox-window's first report
    // can come before registration.waiting is set, and then asks nobody.
    if (waiting) waiting.postMessage({ type: 'SKIP_WAITING' })
    else void applyUpdate()
  }
  const needRefresh = (worker?: ServiceWorker): void => {
    waiting = worker ?? waiting
    if (opts.autoUpdate) takeOver()
    else {
      update.hidden = false
      void sayWhichBuilds(update, updateText)
    }
  }
  const applyUpdate = registerSW({
    onNeedRefresh: () => needRefresh(),
    onNeedReload: reloadOnce,
    onRegisteredSW: (_url: string, registration: ServiceWorkerRegistration | undefined) => {
      if (!registration) return
      watchInstalling(registration, needRefresh)
      // The browser looks for a new version when the page is navigated; a
      // page open for days (the headless runner's above all) never is.
      setInterval(() => { if (navigator.onLine) registration.update().catch(() => {}) }, UPDATE_CHECK_MS)
    },
    onRegisterError: (err: unknown) => console.warn('[kith] the offline app could not be installed:', err)
  })
  reload.addEventListener('click', () => {
    reload.disabled = true
    reload.textContent = 'Reloading…'
    takeOver()
  })
}

/** workbox-window hears of a new version through `updatefound` once it has
 *  registered, or finds one already waiting then; a version found just
 *  before (the browser's own check after the page loaded, or anyone's
 *  update()) and still installing when it registers is never reported, and
 *  the page kept the old version until the next reload (a headless runner:
 *  for good). Called in the same task as that registration, so nothing
 *  falls between the two. */
function watchInstalling (registration: ServiceWorkerRegistration, installed: (worker: ServiceWorker) => void): void {
  const worker = registration.installing
  // Not an update if no version controls this page yet (the first install).
  if (!worker || !navigator.serviceWorker.controller) return
  worker.addEventListener('statechange', () => { if (worker.state === 'installed') installed(worker) })
}

/** The update notice names both builds, so the owner can check the new one
 *  (npm run verify) before taking it. */
async function sayWhichBuilds (update: HTMLElement, updateText: string): Promise<void> {
  const [now, next] = await Promise.all([runningBuildId(), servedBuildId()])
  if (!next) return
  const words = update.querySelector('span')!
  words.textContent = `${updateText} Build ${next}${now && now !== next ? ` (this tab runs ${now})` : ''}.`
}

