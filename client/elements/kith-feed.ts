// A friend's items as I have them cached, newest first; fetch what changed,
// download files with a progress bar, and clear my cached copies.
import { LitElement, html, css, type PropertyValues } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { sharedStyles } from './shared-styles'
import { formatTime, plainError } from './format'
import { feedItemStyles } from './kith-feed-item'
import { ApiQuery } from './api-query'
import { addressFromPublicKey, parseAddress } from '../../shared/identity/identity'
import type { CacheLimit, FeedItem, FeedState, FriendFeed, KithApi } from '../api/app-api'
import { LoadLoop } from './load-loop'

const NOT_SHARING = 'This person no longer shares with you.'

/** Sent up (bubbling, composed) whenever the feed's state changes, so a page
 *  that shows one status line for the friend (kith-friend-view) can say it. */
export interface FeedStatusDetail { state: FeedState, lastSyncAt: number | null, isFriend: boolean | null, leftOut: CacheLimit | null }

export class KithFeed extends LitElement {
  static override styles = [sharedStyles, feedItemStyles, css`
    .head { display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; justify-content: space-between; margin-bottom: 10px; }
    .status { margin: 0 0 12px; }
    .actions.flush { margin-top: 0; }
  `]

  static override properties = {
    api: { attribute: false },
    address: { type: String },
    ownerName: { type: String, attribute: 'owner-name' },
    statusElsewhere: { type: Boolean, attribute: 'status-elsewhere' },
    items: { state: true },
    confirming: { state: true },
    actionError: { state: true },
    message: { state: true }
  }

  declare api: KithApi
  declare address: string
  /** How to call the owner in sentences ("Alice"), when known. */
  declare ownerName: string
  /** The page shows the fetch state in its own status line (from 'feed-status'). */
  declare statusElsewhere: boolean
  private sentStatus = ''
  declare items: FeedItem[] | null
  declare confirming: boolean
  declare actionError: string
  declare message: string
  private feed: FriendFeed | null = null
  /** Fetched once on opening, and only from a friend: a stranger's node would refuse anyway. */
  private autoSynced = false
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())
  /** Reads my cached copy; at most one read at a time, plus one after a burst of changes. */
  private readonly loader = new LoadLoop(async () => {
    const feed = this.feed
    if (!feed) return false
    try {
      const items = await feed.items()
      if (feed !== this.feed) return false
      this.items = [...items].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    } catch (err) {
      if (feed === this.feed) this.actionError = plainError(err)
    }
  })
  private feedApi: KithApi | null = null
  private readonly onFeedChange = (): void => {
    this.requestUpdate()
    void this.load()
  }

  private readonly onApiChange = (): void => { void this.load() }

  constructor () {
    super()
    this.address = ''
    this.ownerName = ''
    this.statusElsewhere = false
    this.items = null
    this.confirming = false
    this.actionError = ''
    this.message = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    // Re-attached after a move: open the feed again.
    if (this.hasUpdated && !this.feed) this.open()
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.close()
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('api') || changed.has('address')) this.open()
  }

  /** Counts open() and close() calls: a feed that arrives after a newer
   *  one (its code loads on the first) is not attached. */
  private opening = 0

  private open (): void {
    this.close()
    if (!this.api || !this.address || !this.isConnected) return
    const turn = this.opening
    this.api.feed(this.address).then((feed) => {
      if (turn === this.opening) this.attach(feed)
    }, (err: unknown) => {
      if (turn === this.opening) this.actionError = plainError(err)
    })
  }

  private attach (feed: FriendFeed): void {
    this.feed = feed
    this.feedApi = this.api
    feed.addEventListener('change', this.onFeedChange)
    // Delete notices from the owner change my cache through the api, not the feed.
    this.api.addEventListener('change', this.onApiChange)
    this.autoSynced = false
    void this.load()
  }

  private get isFriend (): boolean | null {
    const friends = this.friends.value
    if (!friends) return null
    let address = this.address
    try {
      address = addressFromPublicKey(parseAddress(this.address))
    } catch { /* compared as typed */ }
    return friends.some((f) => f.address === address)
  }

  protected override updated (): void {
    if (this.feed) {
      const detail: FeedStatusDetail = { state: this.feed.state, lastSyncAt: this.feed.lastSyncAt, isFriend: this.isFriend, leftOut: this.feed.leftOut }
      const key = JSON.stringify(detail)
      if (key !== this.sentStatus) {
        this.sentStatus = key
        this.dispatchEvent(new CustomEvent<FeedStatusDetail>('feed-status', { detail, bubbles: true, composed: true }))
      }
    }
    if (this.feed && !this.autoSynced && this.isFriend !== null) {
      this.autoSynced = true
      if (this.isFriend) void this.sync()
    }
  }

  private close (): void {
    this.opening++
    this.feedApi?.removeEventListener('change', this.onApiChange)
    this.feedApi = null
    if (this.feed) {
      this.feed.removeEventListener('change', this.onFeedChange)
      this.feed.close()
      this.feed = null
    }
    this.items = null
  }

  private load (): Promise<void> {
    return this.loader.request()
  }

  /** The feed shown, for an action on it: the last action's error goes. */
  private feedForAction (): FriendFeed | null {
    if (this.feed) this.actionError = ''
    return this.feed
  }

  private async sync (): Promise<void> {
    const feed = this.feedForAction()
    if (!feed) return
    try {
      await feed.sync()
    } catch (err) {
      if (feed === this.feed) this.actionError = plainError(err)
    }
    if (feed === this.feed) void this.load()
  }

  private async purge (): Promise<void> {
    const feed = this.feedForAction()
    if (!feed) return
    try {
      await feed.purge()
      this.confirming = false
      this.message = 'Cleared. Nothing from them is kept on this device; press Refresh to fetch again.'
      void this.load()
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('.purge')?.focus()
    } catch (err) {
      this.actionError = plainError(err)
    }
  }

  private stateLine (feed: FriendFeed) {
    switch (feed.state) {
      case 'syncing': return html`<span data-testid="feed-state">Fetching…</span>`
      case 'queued': return html`<span class="warn" data-testid="feed-state">Waiting for them to come online — your request is queued</span>`
      case 'not-a-friend': return html`<span class="warn" data-testid="feed-state">${NOT_SHARING}</span>`
      case 'idle': return feed.lastSyncAt === null
        ? html`<span data-testid="feed-state">Not fetched yet</span>`
        : html`<span class="ok" data-testid="feed-state">Up to date</span> <span class="hint">(checked at ${formatTime(feed.lastSyncAt)})</span>`
    }
  }

  private renderItem (item: FeedItem) {
    return html`
      <li data-testid="feed-item">
        <kith-feed-item .api=${this.api} .item=${item} owner-address=${this.address}></kith-feed-item>
      </li>`
  }

  override render () {
    const feed = this.feed
    if (!feed) return this.actionError ? html`<p class="error card" role="alert" data-testid="feed-error">${this.actionError}</p>` : html``
    const who = this.ownerName || 'them'
    const items = this.items
    return html`
      <section class="card" aria-labelledby="feed-heading" aria-busy=${feed.state === 'syncing' ? 'true' : 'false'}>
        <div class="head">
          <h2 id="feed-heading">Shared with you</h2>
          <div class="actions flush">
            <button class="small" ?disabled=${feed.state === 'syncing'} @click=${() => { this.message = ''; void this.sync() }}>Refresh</button>
            <button class="secondary small purge" ?disabled=${this.confirming} @click=${async () => {
              this.confirming = true
              this.message = ''
              await this.updateComplete
              this.renderRoot.querySelector<HTMLElement>('.confirm-yes')?.focus()
            }}>Clear cached copies</button>
          </div>
        </div>
        ${this.confirming
          ? html`
            <div class="confirm" role="group" aria-label="Confirm clearing cached copies">
              <p><strong>Clear everything cached from ${who} on this device?</strong></p>
              <p class="hint">Their items and files are removed from this device. While you are friends you can fetch them again.</p>
              <div class="actions">
                <button class="danger small confirm-yes" @click=${this.purge}>Yes, clear</button>
                <button class="secondary small" @click=${async () => {
                  this.confirming = false
                  await this.updateComplete
                  this.renderRoot.querySelector<HTMLElement>('.purge')?.focus()
                }}>Keep them</button>
              </div>
            </div>`
          : ''}
        ${this.isFriend === false && (feed.state === 'idle' || feed.state === 'not-a-friend')
          ? html`<p class="status" role="status" aria-live="polite"><span data-testid="feed-state">You are not friends with ${who === 'them' ? 'this person' : who}. To see what they share, ask them for an invite link.</span></p>`
          : this.statusElsewhere && feed.state !== 'not-a-friend'
            ? ''
            : html`<p class="status" role="status" aria-live="polite">${this.stateLine(feed)}</p>`}
        ${this.message ? html`<p class="ok" role="status">${this.message}</p>` : ''}
        ${feed.lastError && !(feed.state === 'not-a-friend' && feed.lastError === NOT_SHARING)
          ? html`<p class="error" role="alert" data-testid="feed-error">${feed.lastError}</p>`
          : ''}
        ${this.actionError && this.actionError !== feed.lastError ? html`<p class="error" role="alert" data-testid="feed-error">${this.actionError}</p>` : ''}
        ${items === null
          ? html`<p class="hint">Loading…</p>`
          : items.length === 0
            ? this.isFriend === false ? '' : html`<p class="empty">${feed.state === 'not-a-friend' ? 'Nothing to show.' : feed.lastSyncAt === null ? 'Nothing here yet.' : `${who === 'them' ? 'They have' : `${who} has`} not shared anything with you yet.`}</p>`
            : html`<ul class="entries" aria-label="Items shared with you">${repeat(items, (i) => i.id, (i) => this.renderItem(i))}</ul>`}
      </section>`
  }
}

customElements.define('kith-feed', KithFeed)
declare global {
  interface HTMLElementTagNameMap { 'kith-feed': KithFeed }
  interface HTMLElementEventMap { 'feed-status': CustomEvent<FeedStatusDetail> }
}
