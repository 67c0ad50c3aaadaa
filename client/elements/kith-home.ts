// Home: what all my friends share, newest first, from my cache (kept fresh
// by live hints and by syncs when a session opens), with who shared each,
// filters by friend and by kind, and unread markers.
//
// Read and unread: an item is unread until it has been shown on Home while
// the tab was visible (or "Mark all read" was pressed). Items shown are
// marked read in my database at once, but keep their "New" marker for the
// rest of this visit to Home, so what arrived since last time stays visible
// while I look; leaving Home (another tab, another page) clears the markers.
// Items filtered out or beyond the page stay unread until they are shown.
import { LitElement, html, css, type PropertyValues } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { live } from 'lit/directives/live.js'
import { sharedStyles } from './shared-styles'
import { plainError, TYPE_WORDS } from './format'
import { ApiQuery } from './api-query'
import { ITEM_TYPES, type ItemType } from '../../shared/protocol/items'
import type { HomeEntry, KithApi } from '../api/app-api'
import { feedItemStyles } from './kith-feed-item'
import { LoadLoop } from './load-loop'
import { listenWhileConnected } from './listen'

export const HOME_PAGE = 30

const keyOf = (e: { owner: string, item: { id: string } }): string => `${e.owner}/${e.item.id}`

export class KithHome extends LitElement {
  static override styles = [sharedStyles, feedItemStyles, css`
    .head { display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; justify-content: space-between; margin-bottom: 8px; }
    .head h2 { margin: 0; }
    .head h2:focus { outline: none; }
    .filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 0 0 12px; }
    .filters label { margin-bottom: 4px; font-size: .875rem; }
    .filters select { min-width: 10em; max-width: 100%; }
    .filters > div { min-width: 0; max-width: 100%; }
    .notify { display: flex; gap: 8px; align-items: flex-start; font-weight: 400; }
    .notify input { margin-top: .2em; }
    .actions.flush { margin-top: 0; }
  `]

  static override properties = {
    api: { attribute: false },
    active: { type: Boolean },
    entries: { state: true },
    limit: { state: true },
    owner: { state: true },
    kind: { state: true },
    error: { state: true },
    notifyError: { state: true },
    notifyBusy: { state: true },
    unreadTotal: { state: true }
  }

  declare api: KithApi
  /** The Home tab is the one selected. */
  declare active: boolean
  declare entries: HomeEntry[] | null
  declare limit: number
  declare owner: string
  declare kind: ItemType | ''
  declare error: string
  declare notifyError: string
  declare notifyBusy: boolean
  declare unreadTotal: number
  /** Shown unread during this visit: their "New" stays until I leave Home. */
  private newThisVisit = new Set<string>()
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())
  /** At most one read at a time, plus one after a burst of changes. */
  private readonly loader = new LoadLoop(async () => {
    const api = this.api
    if (!api) return false
    try {
      const query: { limit: number, owner?: string, type?: ItemType } = { limit: this.limit + 1 }
      if (this.owner) query.owner = this.owner
      if (this.kind) query.type = this.kind
      const [entries, unread] = await Promise.all([api.homeItems(query), api.unreadCount()])
      this.entries = entries
      this.unreadTotal = unread
      this.error = ''
    } catch (err) {
      this.error = plainError(err)
    }
  })
  private syncedOnce = false
  private listening: KithApi | null = null
  private readonly onFeedChange = (): void => { void this.load() }
  private readonly onVisibility = (): void => { void this.markShownRead() }

  constructor () {
    super()
    this.active = false
    this.entries = null
    this.limit = HOME_PAGE
    this.owner = ''
    this.kind = ''
    this.error = ''
    this.notifyError = ''
    this.notifyBusy = false
    this.unreadTotal = 0
    listenWhileConnected(this, () => document, 'visibilitychange', this.onVisibility)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.listen(null)
  }

  private listen (api: KithApi | null): void {
    if (this.listening === api) return
    this.listening?.removeEventListener('feed-change', this.onFeedChange)
    this.listening = api
    // Only changes of my cache (new items, edits, delete notices, read marks):
    // not every change of the node's status.
    api?.addEventListener('feed-change', this.onFeedChange)
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('api') && this.api) {
      this.listen(this.api)
      void this.load()
    }
    if (changed.has('active')) {
      if (!this.active) this.newThisVisit = new Set()
      else if (this.api && !this.syncedOnce) {
        // Opening Home asks every friend for what changed (each waits in
        // the queue while they are offline); hints keep it fresh after that.
        this.syncedOnce = true
        void this.api.syncAllFriends()
      }
    }
  }

  protected override updated (changed: PropertyValues<this>): void {
    if (changed.has('entries') || changed.has('active')) void this.markShownRead()
  }

  private load (): Promise<void> {
    return this.loader.request()
  }

  private async markShownRead (): Promise<void> {
    if (!this.active || document.visibilityState !== 'visible' || !this.entries) return
    // Unread in my database: new, or edited since I read it.
    const shown = this.entries.slice(0, this.limit).filter((e) => e.unread)
    if (shown.length === 0) return
    for (const e of shown) this.newThisVisit.add(keyOf(e))
    try {
      await this.api.markRead(shown.map((e) => ({ owner: e.owner, id: e.item.id })))
    } catch { /* still unread; tried again when shown next */ }
  }

  private async markAllRead (): Promise<void> {
    try {
      await this.api.markAllRead()
      this.newThisVisit = new Set()
      await this.load()
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('#home-heading')?.focus()
    } catch (err) {
      this.error = plainError(err)
    }
  }

  private setFilter (owner: string, kind: ItemType | ''): void {
    this.owner = owner
    this.kind = kind
    this.limit = HOME_PAGE
    void this.load()
  }

  /** The box shows the stored choice, never just the click: a click asks
   *  for the change, and the box ticks once the choice is in the database.
   *  Ticked at the click itself, a reload right after it dropped the write
   *  still in flight (IndexedDB aborts a page's unfinished transactions
   *  when it unloads), and the choice came back off. */
  private onNotifyClick (ev: Event): void {
    const on = (ev.target as HTMLInputElement).checked // what the click asks for
    ev.preventDefault() // the browser puts the box back as it was
    void this.setNotify(on)
  }

  private async setNotify (on: boolean): Promise<void> {
    this.notifyBusy = true
    this.notifyError = ''
    try {
      await this.api.setNotifications(on)
    } catch (err) {
      this.notifyError = plainError(err)
    }
    this.notifyBusy = false // renders the box from what was stored
  }

  private renderFilters () {
    const friends = this.friends.value ?? []
    return html`
      <div class="filters" role="group" aria-label="Filter what is shown">
        <div>
          <label for="home-from">From</label>
          <select id="home-from" @change=${(ev: Event) => this.setFilter((ev.target as HTMLSelectElement).value, this.kind)}>
            <option value="" ?selected=${this.owner === ''}>All friends</option>
            ${friends.map((f) => html`<option value=${f.key} ?selected=${this.owner === f.key}>${f.displayName || 'A friend without a name'}</option>`)}
          </select>
        </div>
        <div>
          <label for="home-kind">Kind</label>
          <select id="home-kind" @change=${(ev: Event) => this.setFilter(this.owner, (ev.target as HTMLSelectElement).value as ItemType | '')}>
            <option value="" ?selected=${this.kind === ''}>All kinds</option>
            ${ITEM_TYPES.map((t) => html`<option value=${t} ?selected=${this.kind === t}>${TYPE_WORDS[t]}s</option>`)}
          </select>
        </div>
      </div>`
  }

  private renderList (entries: HomeEntry[]) {
    const shown = entries.slice(0, this.limit)
    const friends = this.friends.value
    if (shown.length === 0) {
      if (friends && friends.length === 0) return html`<p class="empty">No friends yet. Invite someone (tab <a href="#/invites">Invites</a>) and what they share shows up here.</p>`
      return html`<p class="empty">${this.owner || this.kind ? 'Nothing matches these filters.' : 'Nothing shared with you yet.'}</p>`
    }
    return html`
      <ul class="entries" aria-label="Shared with you, newest first">
        ${repeat(shown, keyOf, (e) => html`
          <li data-testid="home-item">
            <kith-feed-item .api=${this.api} .item=${e.item} owner-address=${e.ownerAddress} owner-name=${e.ownerName}
              ?unread=${e.unread || this.newThisVisit.has(keyOf(e))}></kith-feed-item>
          </li>`)}
      </ul>
      ${entries.length > this.limit
        ? html`<div class="actions"><button class="secondary" @click=${() => { this.limit += HOME_PAGE; void this.load() }}>Show older</button></div>`
        : ''}`
  }

  override render () {
    const entries = this.entries
    const markers = this.newThisVisit.size > 0 || this.unreadTotal > 0
    const unreadHere = entries?.slice(0, this.limit).filter((e) => e.unread || this.newThisVisit.has(keyOf(e))).length ?? 0
    return html`
      <section class="card" aria-labelledby="home-heading">
        <div class="head">
          <h2 id="home-heading" tabindex="-1">Shared with you</h2>
          ${markers
            ? html`<div class="actions flush">
                <span class="hint" data-testid="unread-count">${unreadHere} new here${this.unreadTotal > 0 ? `, ${this.unreadTotal} unread in all` : ''}</span>
                <button class="secondary small" @click=${() => this.markAllRead()}>Mark all read</button>
              </div>`
            : ''}
        </div>
        ${this.renderFilters()}
        ${this.error ? html`<p class="error" role="alert">Could not load: ${this.error}</p>` : ''}
        ${entries === null ? html`<p class="hint" role="status">Loading…</p>` : this.renderList(entries)}
      </section>
      <section class="card" aria-labelledby="notify-heading">
        <h2 id="notify-heading">Notifications</h2>
        <label class="notify">
          <input type="checkbox" .checked=${live(this.api?.notificationsEnabled ?? false)} ?disabled=${this.notifyBusy}
            aria-busy=${this.notifyBusy ? 'true' : 'false'} @click=${this.onNotifyClick}>
          <span>Tell me when a friend shares something while Kith is in the background</span>
        </label>
        <p class="hint">Off unless you turn it on; your browser asks first. A notification says who shared what kind of item (“Alice shared a photo”), never what it says.</p>
        ${this.notifyError ? html`<p class="error" role="alert">${this.notifyError}</p>` : ''}
      </section>`
  }
}

customElements.define('kith-home', KithHome)
declare global { interface HTMLElementTagNameMap { 'kith-home': KithHome } }
