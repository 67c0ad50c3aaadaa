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
// the new version takes over (beforeTakeOver). That code (app-updates.ts,
// and vite-plugin-pwa's, which loads workbox-window) is fetched only then:
// no start's first screen waits for it.
import type { AppStatusOptions } from './app-updates'

export type { AppStatusOptions } from './app-updates'

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
    void import('./app-updates').then(({ watchForUpdates }) => watchForUpdates(opts, update, reload, UPDATE_TEXT),
      (err: unknown) => console.warn('[kith] the offline app could not be installed:', err))
  }
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
