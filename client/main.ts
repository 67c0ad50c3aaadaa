// Entry point: open (or create) my node, start serving, show the app. The
// headless runner's first start is the exception: it has no identity of its
// own and waits to be linked as a server of someone's (DESIGN §6a).
import { KithNode } from '../node-tab/node'
import { NodeDatabase } from '../node-tab/storage/db'
import { hasIdentity } from '../node-tab/storage/identity-store'
import { bootNewDevice } from './boot-new-device'
import { KithClient } from './kith-client'
import { linkingReport, reportBootFailure, runnerPage, startNodeReports, startRunnerReports } from './runner-report'
import './elements/kith-app'

async function boot (): Promise<void> {
  const root = document.getElementById('app')!
  try {
    const db = new NodeDatabase()
    const runner = runnerPage()
    if (runner && !await hasIdentity(db)) {
      const link = await bootNewDevice({ db, name: runner.deviceName ?? 'Server', serverOnly: true, root })
      const reports = startRunnerReports(() => linkingReport(link.state, runner), { token: runner.token })
      link.addEventListener('change', () => reports.changed())
      return
    }
    const node = await KithNode.open({ db })
    const api = new KithClient(node)
    node.startListening()
    // Only when the headless runner opened this page (it carries its token).
    startNodeReports(node)
    const app = document.createElement('kith-app')
    app.api = api
    root.classList.remove('boot') // the loading style (grey, narrow) no longer applies
    root.replaceChildren(app)
    window.addEventListener('pagehide', () => node.close())
  } catch (err) {
    reportBootFailure(`Kith could not start: ${err instanceof Error ? err.message : String(err)}`)
    const p = document.createElement('p')
    p.setAttribute('role', 'alert')
    p.className = 'boot-error'
    p.textContent = `Kith could not start: ${err instanceof Error ? err.message : String(err)}. ` +
      'It needs IndexedDB and WebRTC; private browsing modes may block them.'
    root.replaceChildren(p)
  }
}

void boot()
