// The trackers this device uses, in the order it tries them, with where each
// came from and how it is doing; a tracker a friend shared can be removed
// (and that friend cannot add it again). Shown in Network settings.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import { HEALTH_WORDS } from './health-words'
import type { KithApi } from '../api/app-api'
import type { TrackerStatus } from '../../node-tab/discovery/tracker-client'

export class KithTrackerList extends LitElement {
  static override styles = sharedStyles
  static override properties = { api: { attribute: false }, status: { attribute: false }, names: { state: true }, message: { state: true } }

  declare api: KithApi
  declare status: TrackerStatus[]
  declare names: Map<string, string>
  declare message: string

  constructor () {
    super()
    this.status = []
    this.names = new Map()
    this.message = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.loadNames()
  }

  private async loadNames (): Promise<void> {
    const friends = await this.api.listFriends().catch(() => [])
    this.names = new Map(friends.map((f) => [f.key, f.displayName || f.address.slice(0, 12) + '…']))
  }

  private async removeTracker (url: string): Promise<void> {
    await this.api.removeSharedTracker(url)
    this.message = `Removed ${url}. The friends who shared it cannot add it again.`
    this.requestUpdate()
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('[role=status]')?.focus()
  }

  override render () {
    const list = this.api.trackerList()
    return html`
      <h3 id="trackers-in-use">Trackers in use</h3>
      <p class="hint">Tried in this order: ones that worked before, yours, then ones friends said work for them.</p>
      <ul aria-labelledby="trackers-in-use" data-testid="trackers-in-use">
        ${list.map((t) => {
          const health = this.status.find((s) => s.url === t.url)?.health
          const source = t.source === 'mine'
            ? 'yours'
            : t.source === 'worked'
              ? 'worked before'
              : `shared by ${(t.from ?? []).map((k) => this.names.get(k) ?? 'a former friend').join(', ')}`
          return html`<li data-testid="tracker-in-use" data-source=${t.source}>
            <code>${t.url}</code> — ${source}${health ? html`, ${HEALTH_WORDS[health]}` : ''}
            ${t.source === 'friend'
              ? html`<button class="secondary small" aria-label=${`Remove ${t.url}`} @click=${() => this.removeTracker(t.url)}>Remove</button>`
              : ''}
          </li>`
        })}
      </ul>
      <p class="hint" role="status" tabindex="-1">${this.message}</p>`
  }
}

customElements.define('kith-tracker-list', KithTrackerList)
declare global { interface HTMLElementTagNameMap { 'kith-tracker-list': KithTrackerList } }
