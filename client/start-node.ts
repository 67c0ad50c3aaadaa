// Everything that needs the node: open (or create) it, start serving, show
// the app. Loaded by main.ts with import() once this tab holds the profile's
// lock, so the entry script stays small and a tab that defers to another
// never loads it. The headless runner's first start is the exception: it
// has no identity of its own and waits to be linked as a server of
// someone's (DESIGN §6a).
import { KithNode } from '../node-tab/node'
import { NodeDatabase } from '../node-tab/storage/db'
import { hasIdentity } from '../node-tab/storage/identity-store'
import { KithClient } from './kith-client'
import type { DevicesApi } from './devices-api'
import { linkingReport, startNodeReports, startRunnerReports, type RunnerPage } from './runner-report'
import './elements/kith-app'

export interface RunningNode {
  /** The owner's devices, when a node runs (not while a runner waits to be linked). */
  devices: DevicesApi | null
  /** Stops serving at once: listener, sessions, timers, database. */
  stop: () => void
}

export async function startNode (root: HTMLElement, runner: RunnerPage | null): Promise<RunningNode> {
  performance.mark('kith-code-loaded') // phases of a start, logged by the kith-app benchmark
  const db = new NodeDatabase()
  if (runner && !await hasIdentity(db)) {
    const { bootNewDevice } = await import('./boot-new-device')
    const link = await bootNewDevice({ db, name: runner.deviceName ?? 'Server', serverOnly: true, root })
    const reports = startRunnerReports(() => linkingReport(link.state, runner), { token: runner.token })
    link.addEventListener('change', () => reports.changed())
    return { devices: null, stop: () => { reports.stop(); link.cancel() } }
  }
  const node = await KithNode.open({ db })
  performance.mark('kith-node-open')
  const api = new KithClient(node)
  node.startListening()
  // Only when the headless runner opened this page (it carries its token).
  const reports = startNodeReports(node)
  const app = document.createElement('kith-app')
  app.api = api
  root.classList.remove('boot') // the loading style (grey, narrow) no longer applies
  root.replaceChildren(app)
  window.addEventListener('pagehide', () => node.close())
  void markReady(app)
  return {
    devices: api.devices,
    stop: () => {
      reports?.stop()
      node.close()
    }
  }
}

/** `performance.mark('kith-ready')`: the node is open and listening and the
 *  first screen has rendered: the app and every element on it, including a
 *  view whose code loads on demand (lazy-views.ts). What the benchmark's
 *  app_ready_ms measures up to. */
async function markReady (app: HTMLElement & { updateComplete: Promise<unknown>, renderRoot: ParentNode }): Promise<void> {
  await app.updateComplete
  const parts = [...app.renderRoot.querySelectorAll('*')].filter((el) => el.localName.includes('-'))
  await Promise.all(parts.map((el) => customElements.whenDefined(el.localName)))
  await Promise.all(parts.map((el) => (el as Partial<{ updateComplete: Promise<unknown> }>).updateComplete))
  performance.mark('kith-ready')
}
