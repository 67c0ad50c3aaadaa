// A friend's page: connects to their tab and shows their name and a live
// round-trip time, or what is going wrong in plain words; below it, what
// they share with me (kith-feed).
import { LitElement, html, type PropertyValues } from 'lit'
import { sharedStyles } from './shared-styles'
import { shortAddress } from '../../shared/identity'
import type { FriendConnection, FriendState } from '../friend-connection'
import type { KithApi } from '../app-api'
import './kith-feed'
import './kith-manual-connect'

/** After this long without reaching them, say so (while still trying). */
export const UNREACHABLE_AFTER_S = 10

export class KithFriendView extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    api: { attribute: false },
    address: { type: String },
    state: { state: true },
    now: { state: true }
  }

  declare api: KithApi
  declare address: string
  declare state: FriendState | null
  declare now: number
  private connection: FriendConnection | null = null
  private clock: ReturnType<typeof setInterval> | null = null

  constructor () {
    super()
    this.address = ''
    this.state = null
    this.now = Date.now()
  }

  override connectedCallback (): void {
    super.connectedCallback()
    this.clock = setInterval(() => { this.now = Date.now() }, 1_000)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    if (this.clock) clearInterval(this.clock)
    this.connection?.stop()
    this.connection = null
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if ((changed.has('address') || changed.has('api')) && this.api && this.address) {
      this.connection?.stop()
      const connection = this.api.connectTo(this.address)
      this.connection = connection
      this.state = connection.state
      connection.addEventListener('change', () => { if (this.connection === connection) this.state = connection.state })
      connection.start()
    }
  }

  private statusLine (s: FriendState) {
    const waited = Math.max(0, Math.round((this.now - s.searchingSince) / 1000))
    switch (s.phase) {
      case 'invalid': return html`<p class="error" role="alert" data-testid="friend-error">${s.problem}</p>`
      case 'connected': return html`<p class="ok" data-testid="friend-phase">Connected securely.</p>`
      case 'connecting': return html`<p data-testid="friend-phase">Found them, opening a direct connection…</p>`
      case 'authenticating': return html`<p data-testid="friend-phase">Checking that it is really them…</p>`
      case 'stopped': return html`<p data-testid="friend-phase">Disconnected.</p>`
      case 'waiting-for-tracker':
      case 'searching':
        return waited >= UNREACHABLE_AFTER_S
          ? html`<p class="warn" data-testid="friend-phase">Not reachable after ${waited} seconds — still trying. Their tab may be closed or offline.</p>`
          : html`<p data-testid="friend-phase">${s.phase === 'waiting-for-tracker' ? 'Connecting to the trackers…' : 'Looking for them…'}</p>`
    }
  }

  override render () {
    const s = this.state
    if (!s) return html``
    const name = s.profile?.displayName || (s.profile ? 'A friend without a name' : shortAddress(this.address))
    return html`
      <section class="card" aria-labelledby="friend-heading" aria-busy=${s.phase !== 'connected' && s.phase !== 'invalid' ? 'true' : 'false'}>
        <p><a href="#/">← Back to my server</a></p>
        <h2 id="friend-heading" data-testid="friend-name">${s.phase === 'invalid' ? 'Address not valid' : name}</h2>
        <code class="address">${this.address}</code>
        <div role="status" aria-live="polite">${this.statusLine(s)}</div>
        ${s.phase === 'connected' && s.rttMs !== null
          ? html`<p>Round trip: <strong data-testid="friend-rtt">${s.rttMs.toFixed(1)} ms</strong></p>`
          : ''}
        ${s.problem && s.phase !== 'invalid' && s.phase !== 'connected'
          ? html`<p class="error" role="alert" data-testid="friend-error">${s.problem}</p>`
          : ''}
      </section>
      ${s.phase === 'invalid' ? '' : html`<kith-manual-connect .api=${this.api} address=${this.address} friend-name=${s.profile?.displayName ?? ''}></kith-manual-connect>`}
      ${s.phase === 'invalid' ? '' : html`<kith-feed .api=${this.api} address=${this.address} owner-name=${s.profile?.displayName ?? ''}></kith-feed>`}`
  }
}

customElements.define('kith-friend-view', KithFriendView)
declare global { interface HTMLElementTagNameMap { 'kith-friend-view': KithFriendView } }
