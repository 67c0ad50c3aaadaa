// My node's health: how many trackers (and relays) work, and what is wrong
// with the others, in words, and how many peers are connected.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import type { NodeStatus } from '../../node-tab/node'
import type { TrackerHealth } from '../../node-tab/discovery/tracker-client'
import { HEALTH_WORDS } from './health-words'
import { runningBuildId } from '../browser/build-id'

/** The dot's colour: green working, amber on the way or limping, red down. */
const DOT: Record<TrackerHealth, string> = {
  working: 'open', connecting: 'connecting', unreachable: 'backoff', 'keeps-dropping': 'backoff', slow: 'connecting', 'not-relaying': 'connecting', refused: 'backoff', 'rate-limited': 'connecting'
}

export class KithNodeStatus extends LitElement {
  static override styles = sharedStyles
  static override properties = { status: { attribute: false }, rejected: { type: String }, build: { state: true } }

  declare status: NodeStatus
  declare rejected: string | null
  /** The build this tab runs (build-id.json), once read. */
  declare build: string | null

  constructor () {
    super()
    this.status = { trackers: [], relays: [], peers: 0, devices: 'no other devices' }
    this.rejected = null
    this.build = null
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void runningBuildId().then((id) => { this.build = id })
  }

  override render () {
    const working = this.status.trackers.filter((t) => t.health === 'working').length
    const relays = this.status.relays
    const relaysWorking = relays.filter((t) => t.health === 'working').length
    // Reachable by either way: with every tracker down, a relay still carries offers.
    const open = [...this.status.trackers, ...relays].filter((t) => t.state === 'open').length
    return html`
      <section class="card" aria-labelledby="status-heading">
        <h2 id="status-heading">My server</h2>
        <p data-testid="node-summary">
          <span class=${open > 0 ? 'ok' : 'warn'}>${open > 0 ? 'Online' : 'Not reachable yet'}</span>:
          <span data-testid="trackers-connected">${working} of ${this.status.trackers.length}</span> trackers working,
          ${relays.length > 0 ? html`<span data-testid="relays-connected">${relaysWorking} of ${relays.length}</span> ${relays.length === 1 ? 'relay' : 'relays'} working,` : ''}
          <span data-testid="peers-connected">${this.status.peers}</span> ${this.status.peers === 1 ? 'peer' : 'peers'} connected.
        </p>
        <p data-testid="devices-summary">My devices: ${this.status.devices}.</p>
        <ul aria-label="Trackers">
          ${this.status.trackers.map((t) => html`
            <li data-testid="tracker-health" data-health=${t.health}><span class="dot ${DOT[t.health]}" aria-hidden="true"></span>${t.url} — ${HEALTH_WORDS[t.health]}${t.lastError && t.state !== 'open' ? html` <span class="hint">(${t.lastError})</span>` : ''}</li>`)}
        </ul>
        ${relays.length > 0
          ? html`<ul aria-label="Relays">
            ${relays.map((t) => html`
              <li data-testid="relay-health" data-health=${t.health}><span class="dot ${DOT[t.health]}" aria-hidden="true"></span>relay ${t.url} — ${HEALTH_WORDS[t.health]}${t.lastError && t.state !== 'open' ? html` <span class="hint">(${t.lastError})</span>` : ''}</li>`)}
          </ul>`
          : ''}
        ${working < this.status.trackers.length && this.status.trackers.some((t) => t.health === 'not-relaying')
          ? html`<p class="hint">“Do not seem to get through” is a guess: offers sent through that tracker were answered only through others.</p>`
          : ''}
        ${this.rejected ? html`<p class="warn" role="status">Refused a connection: ${this.rejected}</p>` : ''}
        ${this.build
          ? html`<p class="hint" data-testid="build-id">This tab runs Kith build <code>${this.build}</code>. Anyone can check that a host serves exactly the build of a commit: <code>npm run verify -- &lt;address&gt;</code> (see the README).</p>`
          : ''}
      </section>`
  }
}

customElements.define('kith-node-status', KithNodeStatus)
declare global { interface HTMLElementTagNameMap { 'kith-node-status': KithNodeStatus } }
