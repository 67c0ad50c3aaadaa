// Everything that needs the node: open (or create) it, start serving, show
// the app. Loaded by main.ts with import() once this tab holds the profile's
// lock, so the entry script stays small and a tab that defers to another
// never loads it. The headless runner's first start is the exception: it
// has no identity of its own and waits to be linked as a server of
// someone's (DESIGN §6a).
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { hasIdentity } from '../../node-tab/storage/identity-store'
import { toldRevokedBefore } from '../../node-tab/devices/revoked-here'
import { loadCrypto } from '../../shared/crypto/crypto'
import { KithClient } from '../api/kith-client'
import type { DevicesApi } from '../api/devices-api'
import type { RunnerPage } from './runner-page'
import { parseRoute } from '../elements/kith-app'
import { preloadViews } from '../elements/lazy-views'
import { afterPaint, quietMoment, whenIdle } from '../browser/after-paint'

/** The longest serving waits for the first screen (see startNode). */
const SCREEN_WAIT_MS = 3000

export interface RunningNode {
  /** The owner's devices, when a node runs (not while a runner waits to be linked). */
  devices: DevicesApi | null
  /** Settles once the first screen is up (the `kith-ready` mark), or
   *  SCREEN_WAIT_MS after the node opened if part of it never loads, and
   *  then drawn, with the browser idle: serving starts then. */
  ready: Promise<void>
  /** After `ready`, once the other views' code has loaded too: the page
   *  makes no more requests of its own. */
  settled: Promise<void>
  /** Rejects, in words for the owner, if the stored keys fail their checks
   *  (KithNode.verify), or this device is (or gets) revoked: the node has
   *  then stopped serving. Never resolves otherwise. */
  checked: Promise<void>
  /** Stops serving at once: listener, sessions, timers, database. */
  stop: () => void
}

export async function startNode (root: HTMLElement, runner: RunnerPage | null): Promise<RunningNode> {
  performance.mark('kith-code-loaded') // phases of a start, logged by the kith-app benchmark
  const db = new NodeDatabase()
  if (runner && !await hasIdentity(db)) {
    await loadCrypto()
    const { bootNewDevice } = await import('./boot-new-device')
    const link = await bootNewDevice({ db, name: runner.deviceName ?? 'Server', serverOnly: true, owner: runner.owner, root })
    const { linkingReport, startRunnerReports } = await import('./runner-report')
    const reports = startRunnerReports(() => linkingReport(link.state, runner), { token: runner.token })
    link.addEventListener('change', () => reports.changed())
    return { devices: null, ready: Promise.resolve(), settled: Promise.resolve(), checked: Promise.resolve(), stop: () => { reports.stop(); link.cancel() } }
  }
  // A friend's page, an invite or a link parse addresses as they render:
  // their first screen waits for the cryptography code (home does not).
  if (parseRoute(location.hash).page !== 'home') await loadCrypto()
  // Told it was revoked: it stays stopped, and says why (main.ts).
  const revoked = await toldRevokedBefore(db)
  if (revoked) throw revoked
  // Storage first: the serving half (sessions, devices, listener) loads once
  // the first screen is up (node.verify, node.startListening).
  const node = await KithNode.open({ db, servingLater: true })
  performance.mark('kith-node-open')
  const api = new KithClient(node)
  // Only when the headless runner opened this page (it carries its token).
  const reports = runner ? (await import('./runner-report')).startNodeReports(node, runner) : null
  const app = document.createElement('kith-app')
  app.api = api
  root.classList.remove('boot') // the loading style (grey, narrow) no longer applies
  root.replaceChildren(app)
  window.addEventListener('pagehide', () => node.close())
  // Serving starts once the first screen is up, drawn, and the browser idle
  // for a moment (on a slow device, a quiet second: quietMoment): the cryptography code, the node's serving half and its
  // network code (trackers, WebRTC, handshake, RPC) load then, from the
  // cache, instead of holding up the screen or the first tap on it
  // (after-paint.ts). Then the other views, one at a time while idle.
  // A view whose code fails to load never defines its element: serving must
  // not wait on it, so it starts after the mark or a few seconds at most.
  const screenUp = Promise.race([markReady(app), new Promise<void>((resolve) => setTimeout(resolve, SCREEN_WAIT_MS))])
  const screenDrawn = screenUp.then(afterPaint).then(quietMoment).then(whenIdle)
  api.deferBackgroundWorkUntil(screenDrawn)
  // The checks the open left out (KithNode.verify) run first, with the
  // cryptography code loading now; listening waits for them.
  // Later, another of my devices may tell this one it was revoked: that
  // stops it too, in words (node.revoked).
  const checked = screenDrawn.then(() => node.verify()).then(() => node.revoked)
  let views = Promise.resolve()
  const ready = screenDrawn.then(() => {
    node.startListening()
    const listening = node.listening.then(() => { if (node.isListening) performance.mark('kith-listening') })
    views = listening.then(preloadViews)
    void listening.then(() => startFolderBackups(api))
  })
  return {
    devices: api.devices,
    ready,
    settled: ready.then(() => views),
    checked,
    stop: () => {
      reports?.stop()
      node.close()
    }
  }
}

/** Scheduled backups to a folder, for someone who set one up (its code loads only then). */
async function startFolderBackups (api: KithClient): Promise<void> {
  try {
    const { loadSetup } = await import('../backup-folder/folder-store')
    if (!await loadSetup()) return
    const { folderBackupsFor } = await import('../backup-folder/folder-backups')
    folderBackupsFor(api).start()
  } catch (err) {
    console.warn('[kith] backups to a folder could not start:', err)
  }
}

/** `performance.mark('kith-ready')`: the node is open and the first screen
 *  has rendered with the owner's data: the app and every element on it,
 *  including a view whose code loads on demand (lazy-views.ts). What the
 *  benchmark's app_ready_ms measures up to, and bundle_kB_gz counts the
 *  scripts before (bench/README.md, kith-app). */
async function markReady (app: HTMLElement & { firstScreen: Promise<void>, updateComplete: Promise<unknown>, renderRoot: ParentNode }): Promise<void> {
  await app.firstScreen
  // Twice at most: a part that waits for the view's code (the backup
  // reminder, kith-app.ts) renders once that code has come.
  for (let round = 0, seen = 0; round < 2; round++) {
    await app.updateComplete
    const parts = [...app.renderRoot.querySelectorAll('*')].filter((el) => el.localName.includes('-'))
    if (parts.length === seen) break
    seen = parts.length
    await Promise.all(parts.map((el) => customElements.whenDefined(el.localName)))
    await Promise.all(parts.map((el) => (el as Partial<{ updateComplete: Promise<unknown> }>).updateComplete))
  }
  performance.mark('kith-ready')
}
