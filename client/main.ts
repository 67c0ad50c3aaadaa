// Entry point: take this profile's one server slot (client/single-tab.ts),
// open (or create) my node, start serving, show the app. The headless
// runner's first start is the exception: it has no identity of its own and
// waits to be linked as a server of someone's (DESIGN §6a).
import { KithNode } from '../node-tab/node'
import { NodeDatabase } from '../node-tab/storage/db'
import { hasIdentity } from '../node-tab/storage/identity-store'
import { startAppStatus } from './app-status'
import { KithClient } from './kith-client'
import { warnBeforeLeaving, type LeaveWarning } from './leave-warning'
import { linkingReport, reportBootFailure, runnerPage, startNodeReports, startRunnerReports } from './runner-report'
import { claimNode, reloadToTakeOver, showOtherTabNotice, takeOverRequested, type NodeLock } from './single-tab'
import './elements/kith-app'

const root = document.getElementById('app')!
const runner = runnerPage()
let leaveWarning: LeaveWarning | null = null

async function boot (): Promise<void> {
  startAppStatus({
    root: document.getElementById('app-status')!,
    autoUpdate: runner !== null,
    beforeReload: () => leaveWarning?.stop()
  })
  try {
    const lock = await claimNode({ steal: takeOverRequested() })
    if (lock) await serve(lock)
    else showOtherTabNotice(root, 'elsewhere', () => { void takeOver() })
  } catch (err) {
    failed(err)
  }
}

/** "Use this tab instead" in a tab that never opened a node: take the lock and start here. */
async function takeOver (): Promise<void> {
  try {
    const lock = await claimNode({ steal: true })
    await serve(lock!)
  } catch (err) {
    failed(err)
  }
}

async function serve (lock: NodeLock): Promise<void> {
  const db = new NodeDatabase()
  if (runner && !await hasIdentity(db)) {
    const link = await bootNewDevice(db)
    void lock.lost.then(() => {
      link.cancel()
      showOtherTabNotice(root, 'moved', reloadToTakeOver)
    })
    return
  }
  const node = await KithNode.open({ db })
  const api = new KithClient(node)
  node.startListening()
  // Only when the headless runner opened this page (it carries its token).
  const reports = startNodeReports(node)
  const app = document.createElement('kith-app')
  app.api = api
  root.classList.remove('boot') // the loading style (grey, narrow) no longer applies
  root.replaceChildren(app)
  if (!runner) leaveWarning = warnBeforeLeaving(api.devices)
  window.addEventListener('pagehide', () => node.close())
  // Another tab took over: stop serving here at once (listener, sessions,
  // timers, database), so friends meet only the other tab's node.
  void lock.lost.then(() => {
    leaveWarning?.stop()
    reports?.stop()
    node.close()
    showOtherTabNotice(root, 'moved', reloadToTakeOver)
  })
}

async function bootNewDevice (db: NodeDatabase) {
  const { bootNewDevice } = await import('./boot-new-device')
  const link = await bootNewDevice({ db, name: runner!.deviceName ?? 'Server', serverOnly: true, root })
  const reports = startRunnerReports(() => linkingReport(link.state, runner!), { token: runner!.token })
  link.addEventListener('change', () => reports.changed())
  return link
}

function failed (err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err)
  reportBootFailure(`Kith could not start: ${reason}`)
  const p = document.createElement('p')
  p.setAttribute('role', 'alert')
  p.className = 'boot-error'
  p.textContent = `Kith could not start: ${reason}. ` +
    'It needs IndexedDB and WebRTC; private browsing modes may block them.'
  root.classList.add('boot')
  root.replaceChildren(p)
}

void boot()
