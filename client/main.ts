// Entry point: open (or create) my node, start serving, show the app.
import { KithNode } from '../node-tab/node'
import { KithClient } from './kith-client'
import { reportBootFailure, startNodeReports } from './runner-report'
import './elements/kith-app'

async function boot (): Promise<void> {
  const root = document.getElementById('app')!
  try {
    const node = await KithNode.open()
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
