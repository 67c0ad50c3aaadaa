// My node's health: each tracker's state and how many peers are connected.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import type { NodeStatus } from '../../node-tab/node'

const STATE_WORDS = { connecting: 'connecting…', open: 'connected', backoff: 'unreachable, retrying', closed: 'closed' } as const

export class KithNodeStatus extends LitElement {
  static override styles = sharedStyles
  static override properties = { status: { attribute: false }, rejected: { type: String } }

  declare status: NodeStatus
  declare rejected: string | null

  constructor () {
    super()
    this.status = { trackers: [], peers: 0, devices: 'no other devices' }
    this.rejected = null
  }

  override render () {
    const open = this.status.trackers.filter((t) => t.state === 'open').length
    return html`
      <section class="card" aria-labelledby="status-heading">
        <h2 id="status-heading">My server</h2>
        <p data-testid="node-summary">
          <span class=${open > 0 ? 'ok' : 'warn'}>${open > 0 ? 'Online' : 'Not reachable yet'}</span>:
          <span data-testid="trackers-connected">${open} of ${this.status.trackers.length}</span> trackers connected,
          <span data-testid="peers-connected">${this.status.peers}</span> ${this.status.peers === 1 ? 'peer' : 'peers'} connected.
        </p>
        <p data-testid="devices-summary">My devices: ${this.status.devices}.</p>
        <ul aria-label="Trackers">
          ${this.status.trackers.map((t) => html`
            <li><span class="dot ${t.state}" aria-hidden="true"></span>${t.url} — ${STATE_WORDS[t.state]}${t.lastError && t.state !== 'open' ? html` <span class="hint">(${t.lastError})</span>` : ''}</li>`)}
        </ul>
        ${this.rejected ? html`<p class="warn" role="status">Refused a connection: ${this.rejected}</p>` : ''}
      </section>`
  }
}

customElements.define('kith-node-status', KithNodeStatus)
declare global { interface HTMLElementTagNameMap { 'kith-node-status': KithNodeStatus } }
