// The trackers this device uses, in the order it tries them, with where each
// came from and how it is doing; a tracker a friend shared can be removed
// (and that friend cannot add it again). Shown in Network settings.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import { HEALTH_WORDS } from './health-words'
import { SharedBy } from './shared-by'
import type { KithApi } from '../api/app-api'
import type { TrackerStatus } from '../../node-tab/discovery/tracker-client'

export class KithTrackerList extends LitElement {
  static override styles = sharedStyles
  static override properties = { api: { attribute: false }, status: { attribute: false }, message: { state: true } }

  declare api: KithApi
  declare status: TrackerStatus[]
  declare message: string
  private readonly sharedBy = new SharedBy(this, () => this.api)

  constructor () {
    super()
    this.status = []
    this.message = ''
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
              : this.sharedBy.words(t.from)
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
