// The app shell: routes between my server's page (#/) and a friend's page
// (#/friend/<address>), and turns the elements' events into node calls.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import type { KithNode } from '../../node-tab/node'
import type { KithConfig } from '../../node-tab/config'
import './kith-identity-card'
import './kith-profile-form'
import './kith-node-status'
import './kith-open-address'
import './kith-friend-view'
import './kith-settings'

type Route = { page: 'home' } | { page: 'friend', address: string }

export function parseRoute (hash: string): Route {
  const match = hash.match(/^#\/friend\/([^/?#]+)/)
  return match ? { page: 'friend', address: decodeURIComponent(match[1]!) } : { page: 'home' }
}

interface DoneDetail { done: (err?: Error) => void }

export class KithApp extends LitElement {
  static override styles = [sharedStyles, css`
    :host { max-width: 720px; margin: 0 auto; padding: 16px; }
    header { display: flex; align-items: baseline; gap: 12px; margin-bottom: 16px; }
    header h1 { margin: 0; font-size: 1.5rem; }
    header p { margin: 0; color: #59636e; }
  `]

  static override properties = { node: { attribute: false }, route: { state: true }, tick: { state: true } }

  declare node: KithNode
  declare route: Route
  declare tick: number
  private readonly onHash = (): void => { this.route = parseRoute(location.hash) }
  private readonly onNodeChange = (): void => { this.tick++ }

  constructor () {
    super()
    this.route = parseRoute(location.hash)
    this.tick = 0
  }

  override connectedCallback (): void {
    super.connectedCallback()
    window.addEventListener('hashchange', this.onHash)
    this.node.addEventListener('change', this.onNodeChange)
    this.addEventListener('save-name', (ev) => {
      const { name, done } = (ev as CustomEvent<DoneDetail & { name: string }>).detail
      this.node.setDisplayName(name).then(() => done(), (err: Error) => done(err))
    })
    this.addEventListener('save-config', (ev) => {
      const { config, done } = (ev as CustomEvent<DoneDetail & { config: Partial<KithConfig> }>).detail
      this.node.saveConfig(config).then(() => done(), (err: Error) => done(err))
    })
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    window.removeEventListener('hashchange', this.onHash)
    this.node.removeEventListener('change', this.onNodeChange)
  }

  override render () {
    const route = this.route
    return html`
      <header>
        <h1><a href="#/" style="color:inherit;text-decoration:none">Kith</a></h1>
        <p>your server, in this tab — keep it open</p>
      </header>
      <main>
        ${route.page === 'friend'
          ? html`<kith-friend-view .node=${this.node} address=${route.address}></kith-friend-view>`
          : html`
            <kith-profile-form name=${this.node.profile.displayName}></kith-profile-form>
            <kith-identity-card address=${this.node.address}></kith-identity-card>
            <kith-open-address></kith-open-address>
            <kith-node-status .status=${this.node.status()} .rejected=${this.node.lastRejected}></kith-node-status>
            <kith-settings .config=${this.node.currentConfig}></kith-settings>`}
      </main>`
  }
}

customElements.define('kith-app', KithApp)
declare global { interface HTMLElementTagNameMap { 'kith-app': KithApp } }
