/// <reference types="vite-plugin-pwa/vanillajs" />
// The installed app's two notices, above everything else on the page: "you
// are offline" while the browser has no network, and "a new version is
// ready" once a new build's service worker has installed. A new version
// never takes over by itself: reloading stops the owner's server for a
// moment, so they choose when (the headless runner, with nobody to press
// the button, takes it at once).
import { registerSW } from 'virtual:pwa-register'

export interface AppStatusOptions {
  /** The #app-status element from index.html. */
  root: HTMLElement
  /** Take a new version without asking (the headless runner's page). */
  autoUpdate: boolean
  /** Called just before the page reloads for a new version. */
  beforeReload: () => void
}

export const OFFLINE_TEXT = 'You are offline. Kith keeps working here; friends reach you again once the network is back.'
export const UPDATE_TEXT = 'A new version of Kith is ready.'

/** Shows the notices; the returned function registers the service worker
 *  (and so loads workbox-window), once: main.ts calls it when the first
 *  screen is up, so it never delays it. */
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
  const applyUpdate = registerSW({
    onNeedRefresh: () => {
      if (opts.autoUpdate) { void applyUpdate(); return }
      update.hidden = false
    },
    onNeedReload: () => {
      opts.beforeReload()
      location.reload()
    },
    onRegisterError: (err: unknown) => console.warn('[kith] the offline app could not be installed:', err)
  })
  reload.addEventListener('click', () => {
    reload.disabled = true
    reload.textContent = 'Reloading…'
    void applyUpdate()
  })
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
