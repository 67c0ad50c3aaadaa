// The app's views load when first shown, the first screen's too (Home for
// someone with friends, else the guided start), so a start fetches and parses
// only the one it shows (keeping the initial JavaScript ≤ 100 kB gzipped). Lit renders a view's tag
// before its code arrives; the element upgrades in place, keeping the
// properties already set on it. Once the app is up, the rest loads in the
// background so switching tabs does not wait.
import { whenIdle } from '../browser/after-paint'

export const LAZY_VIEWS = {
  start: () => import('./kith-start'),
  home: () => import('./kith-home'),
  me: () => Promise.all([import('./kith-profile-form'), import('./kith-identity-card'), import('./kith-open-address'),
    import('./kith-node-status'), import('./kith-backup'), import('./kith-backup-folder'), import('./kith-settings'),
    import('./kith-tracker-list'), import('./kith-relay-list')]),
  items: () => Promise.all([import('./kith-item-composer'), import('./kith-my-items'), import('./kith-deletions')]),
  friends: () => import('./kith-friends'),
  groups: () => import('./kith-groups'),
  invites: () => import('./kith-invites'),
  devices: () => import('./kith-devices'),
  friend: () => import('./kith-friend-view'),
  invite: () => import('./kith-invite-accept'),
  link: () => import('./kith-link-this-device')
} satisfies Record<string, () => Promise<unknown>>

export type LazyView = keyof typeof LAZY_VIEWS

const loads = new Map<LazyView, Promise<void>>()
const loaded = new Set<LazyView>()
const failed = new Set<LazyView>()

/** Starts loading a view's code (once); onFailure runs if it cannot load,
 *  onLoaded when it has (not if it had already: see viewLoaded). */
export function loadView (view: string, onFailure: () => void = () => {}, onLoaded: () => void = () => {}): void {
  if (!(view in LAZY_VIEWS) || loaded.has(view as LazyView)) return
  const name = view as LazyView
  if (loads.has(name)) { void loads.get(name)!.then(() => { if (loaded.has(name)) onLoaded() }); return }
  loads.set(name, LAZY_VIEWS[name]().then(() => { loaded.add(name); onLoaded() }, (err: unknown) => {
    console.error(`[kith] the ${name} view could not load:`, err)
    failed.add(name)
    loads.delete(name) // a later visit tries again
    onFailure()
  }))
}

/** Whether this view's code has loaded (its elements are defined). */
export function viewLoaded (view: string): boolean {
  return loaded.has(view as LazyView)
}

/** Whether the last attempt to load this view failed. */
export function viewFailed (view: string): boolean {
  return failed.has(view as LazyView)
}

/** Loads every view, one at a time and each when the browser is idle;
 *  called once the first screen is up and the node serves
 *  (client/boot/start-node.ts), so it never delays either, nor holds the
 *  page busy for long at once. Settles once every view has loaded or failed. */
export async function preloadViews (): Promise<void> {
  for (const view of Object.keys(LAZY_VIEWS) as LazyView[]) {
    await whenIdle()
    loadView(view)
    await loads.get(view)
  }
}
