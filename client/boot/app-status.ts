/// <reference types="vite-plugin-pwa/vanillajs" />
// The installed app's two notices, above everything else on the page: "you
// are offline" while the browser has no network, and "a new version is
// ready" once a new build's service worker has installed. A new version
// never takes over by itself: reloading stops the owner's server for a
// moment, so they choose when (the headless runner, with nobody to press
// the button, takes it at once).
//
// Taking over is asked for while the page is quiet: Chromium swaps the
// versions once the old one has stopped, and a request the page makes while
// it stops (a view's code, a runner report) starts it again and puts the
// swap off for up to five minutes. So the worker is registered once the
// views have loaded (main.ts), and the page holds its runner reports while
// the new version takes over (beforeTakeOver).
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

export const OFFLINE_TEXT = 'You are offline. Kith keeps working here; friends reach you again once the network is back.'
export const UPDATE_TEXT = 'A new version of Kith is ready.'

/** Shows the notices; the returned function registers the service worker
 *  (and so loads workbox-window), once: main.ts calls it when the first
 *  screen is up and the views' code has loaded, so it never delays the
 *  screen and a takeover never meets that burst of requests. */
export function startAppStatus (opts: AppStatusOptions): () => void {
  const offline = notice('app-offline', OFFLINE_TEXT)
  offline.hidden = navigator.onLine
  const showNetwork = (): void => { offline.hidden = navigator.onLine }
  window.addEventListener('online', showNetwork)
  window.addEventListener('offline', showNetwork)

  const update = notice('app-update', UPDATE_TEXT)
  update.hidden = true
  const reload = document.createElement('button')
  reload.type = 'button'
  reload.textContent = 'Reload'
  reload.setAttribute('aria-label', 'Reload to use the new version of Kith')
  update.append(' ', reload)
  opts.root.replaceChildren(offline, update)

  let started = false
  return () => {
    if (started) return
    started = true
    watchForUpdates(opts, update, reload)
  }
}

function watchForUpdates (opts: AppStatusOptions, update: HTMLElement, reload: HTMLButtonElement): void {
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
      void sayWhichBuilds(update)
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
async function sayWhichBuilds (update: HTMLElement): Promise<void> {
  const [now, next] = await Promise.all([runningBuildId(), servedBuildId()])
  if (!next) return
  const words = update.querySelector('span')!
  words.textContent = `${UPDATE_TEXT} Build ${next}${now && now !== next ? ` (this tab runs ${now})` : ''}.`
}

function notice (id: string, text: string): HTMLElement {
  const el = document.createElement('div')
  el.id = id
  el.className = 'app-notice'
  el.setAttribute('role', 'status')
  const p = document.createElement('span')
  p.textContent = text
  el.append(p)
  return el
}
