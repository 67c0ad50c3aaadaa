// The app shell: routes between the guided start (#/ on a browser with no
// name or no friend yet, see kith-start.ts), my server's home (#/, with tabs), a friend's
// page (#/friend/<address>), an invite someone sent me
// (#/invite/<address>/<token>) and linking this browser to my Kith on another
// device (#/link?name=<device name>), and turns the older elements' events into api
// calls (the newer ones call the api themselves).
import { LitElement, html, css, nothing } from 'lit'
import { sharedStyles } from './shared-styles'
import type { KithApi } from '../api/app-api'
import type { LinkingSession } from '../api/devices-api'
import { MAX_DEVICE_NAME } from '../../shared/identity/device-certificate'
import type { KithConfig } from '../../node-tab/person/config'
import { loadView, viewFailed, viewLoaded } from './lazy-views'
import { inviterHintFrom } from '../../shared/rendezvous/invite-link'
// On every tab; the tabs' views load on demand (lazy-views.ts).
import './kith-backup-reminder'
import { ApiQuery } from './api-query'
import { answerAsks } from './ask-app'
import { listenWhileConnected } from './listen'
import { guideDismissed } from '../browser/guide-dismissed'

/** `short`: the word shown at a phone's width, so that the tabs stay on one
 *  row; it is part of the label, which stays the tab's accessible name. */
export const HOME_TABS = [
  { id: 'home', label: 'Home' },
  { id: 'me', label: 'Me & server', short: 'Me' },
  { id: 'items', label: 'My items', short: 'Items' },
  { id: 'friends', label: 'Friends' },
  { id: 'groups', label: 'Groups' },
  { id: 'invites', label: 'Invites' },
  { id: 'devices', label: 'Devices' }
] as const

export type HomeTab = (typeof HOME_TABS)[number]['id']

export type Route =
  /** tab null: the default, the guided start for someone without a name or
   *  a friend (until they put it away), else Home. */
  | { page: 'home', tab: HomeTab | null }
  | { page: 'friend', address: string }
  | { page: 'invite', address: string, token: string, inviterHint: string }
  | { page: 'link', name: string }

/** What a browser linked without a name is called. */
export const DEFAULT_LINK_NAME = 'Browser'

function decode (part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part // shown as not valid by the page, rather than crashing here
  }
}

export function parseRoute (hash: string): Route {
  const friend = hash.match(/^#\/friend\/([^/?#]+)/)
  if (friend) return { page: 'friend', address: decode(friend[1]!) }
  const invite = hash.match(/^#\/invite\/([^/?#]+)(?:\/([^/?#]*))?(?:\?(.*))?/)
  if (invite) return { page: 'invite', address: decode(invite[1]!), token: decode(invite[2] ?? ''), inviterHint: inviterHintFrom(invite[3] ?? '') }
  const link = hash.match(/^#\/link(?:\?(.*))?$/)
  if (link) return { page: 'link', name: new URLSearchParams(link[1] ?? '').get('name')?.trim().slice(0, MAX_DEVICE_NAME) || DEFAULT_LINK_NAME }
  const tab = HOME_TABS.find((t) => hash === `#/${t.id}`)
  return { page: 'home', tab: tab?.id ?? null }
}

export class KithApp extends LitElement {
  static override styles = [sharedStyles, css`
    :host { max-width: 760px; margin: 0 auto; padding: 16px; color: var(--text, #1d2530); }
    header { display: flex; align-items: baseline; gap: 12px; margin-bottom: 16px; flex-wrap: wrap; }
    header h1 { margin: 0; font-size: 1.5rem; }
    header h1 a.home { color: inherit; text-decoration: none; }
    header p { margin: 0; color: #59636e; }
    [role=tablist] { display: flex; gap: 4px; margin: 0 0 16px; border-bottom: 1px solid var(--border, #d9dde3); overflow-x: auto; }
    [role=tab] { background: transparent; color: #3b4653; border: 0; border-bottom: 3px solid transparent; border-radius: 6px 6px 0 0; padding: 10px 14px 8px; font-weight: 600; }
    [role=tab]:hover { background: #eaeef4; }
    [role=tab][aria-selected=true] { color: #2f5bd3; border-bottom-color: #2f5bd3; }
    [role=tab] .count { font-weight: 400; font-size: .85em; }
    [role=tab]:focus-visible { outline-offset: -3px; }
    [role=tabpanel]:focus-visible { outline: none; }
    [role=tab] .short { display: none; }
    @media (max-width: 560px) {
      :host { padding: 12px; }
      [role=tablist] { gap: 0; }
      [role=tab] { padding: 8px 6px 6px; font-size: .9rem; white-space: nowrap; flex: 0 0 auto; }
      [role=tab] .long { display: none; }
      [role=tab] .short { display: inline; }
    }
  `]

  static override properties = { api: { attribute: false }, route: { state: true }, tick: { state: true }, unread: { state: true } }

  declare api: KithApi
  declare route: Route
  declare tick: number
  /** Unread items on Home, for the tab's label. */
  declare unread: number
  private readonly friendCount = new ApiQuery(this, () => this.api, async (api) => (await api.listFriends()).length)
  private readonly onFeedChange = (): void => {
    this.api.unreadCount().then((n) => { this.unread = n }, () => {})
  }
  /** Tabs opened once stay rendered (hidden), so half-typed forms survive switching. */
  private readonly visited = new Set<HomeTab>()
  /** While on #/link: the one session this visit of the page shows. */
  private linking: LinkingSession | null = null
  private readonly onHash = (): void => { this.route = parseRoute(location.hash) }
  private shownFirst: () => void = () => {}
  /** Settles once a screen has rendered, not the "Loading…" line before
   *  the app knows which tab comes first (start-node.ts waits for it). */
  readonly firstScreen = new Promise<void>((resolve) => { this.shownFirst = resolve })
  private readonly onApiChange = (): void => { this.tick++ }
  /** Put away (Skip the guide): #/ opens on Home from then on. */
  private guideAway = guideDismissed()
  /** The backup reminder shows from the first time a tab's content could (see home()). */
  private reminderDue = false

  constructor () {
    super()
    this.route = parseRoute(location.hash)
    this.tick = 0
    this.unread = 0
    answerAsks<{ name: string }>(this, 'save-name', ({ name }) => this.api.setDisplayName(name))
    answerAsks<{ config: Partial<KithConfig> }>(this, 'save-config', ({ config }) => this.api.saveConfig(config))
    answerAsks<{ on: boolean }>(this, 'set-discoverable', ({ on }) => this.api.setDiscoverable(on))
    answerAsks(this, 'purge-caches', () => this.api.purgeAllCaches())
    listenWhileConnected(this, () => window, 'hashchange', this.onHash)
    listenWhileConnected(this, () => this.api, 'change', this.onApiChange)
    listenWhileConnected(this, () => this.api, 'feed-change', this.onFeedChange)
    this.addEventListener('guide-dismissed', () => {
      this.guideAway = true
      this.selectTab('home', true)
    })
  }

  override connectedCallback (): void {
    super.connectedCallback()
    this.onFeedChange()
    window.addEventListener('resize', this.onResize)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.stopLinking()
    window.removeEventListener('resize', this.onResize)
  }

  /** A phone turned, a window narrowed: the current tab stays in sight. */
  private readonly onResize = (): void => { this.selectedTabInSight() }

  protected override willUpdate (): void {
    // Still loading: which of Home and the guided start comes first is not
    // known yet, and fetching the wrong one would hold up the other.
    const view = this.stillLoading() ? null : this.route.page === 'home' ? (this.showGuide() ? 'start' : this.currentTab()) : this.route.page
    if (view) loadView(view, () => { this.tick++ }, () => { this.requestUpdate() })
    // One link session per visit of #/link: started on arrival, cancelled on leaving.
    if (this.route.page === 'link') this.linking ??= this.api.devices.linkThisDevice(this.route.name)
    else this.stopLinking()
  }

  protected override updated (): void {
    if (!this.stillLoading()) this.shownFirst()
    this.selectedTabInSight()
  }

  /** On a phone the tabs scroll sideways in one row: the current one stays in sight. */
  private selectedTabInSight (): void {
    const list = this.renderRoot.querySelector<HTMLElement>('[role=tablist]')
    const selected = list?.querySelector<HTMLElement>('[aria-selected=true]')
    if (!list || !selected || list.scrollWidth <= list.clientWidth) return
    const left = selected.offsetLeft - list.offsetLeft
    if (left < list.scrollLeft) list.scrollLeft = left
    else if (left + selected.offsetWidth > list.scrollLeft + list.clientWidth) list.scrollLeft = left + selected.offsetWidth - list.clientWidth
  }

  /** No tab in the address and the friend count not known yet. */
  private stillLoading (): boolean {
    return this.route.page === 'home' && this.route.tab === null && this.friendCount.value === null
  }

  private stopLinking (): void {
    this.linking?.cancel()
    this.linking = null
  }

  private selectTab (tab: HomeTab, focus: boolean): void {
    // replaceState: switching tabs should not fill the back button's history.
    history.replaceState(null, '', `#/${tab}`)
    this.route = { page: 'home', tab }
    if (focus) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#tab-${tab}`)?.focus())
  }

  private onTabKey (ev: KeyboardEvent, current: HomeTab): void {
    const i = HOME_TABS.findIndex((t) => t.id === current)
    const next = ev.key === 'ArrowRight' ? (i + 1) % HOME_TABS.length
      : ev.key === 'ArrowLeft' ? (i - 1 + HOME_TABS.length) % HOME_TABS.length
        : ev.key === 'Home' ? 0
          : ev.key === 'End' ? HOME_TABS.length - 1
            : -1
    if (next < 0) return
    ev.preventDefault()
    this.selectTab(HOME_TABS[next]!.id, true)
  }

  private panel (tab: HomeTab) {
    const api = this.api
    switch (tab) {
      case 'home': return html`<kith-home .api=${api} ?active=${this.route.page === 'home' && this.currentTab() === 'home'}></kith-home>`
      case 'me': return html`
        <kith-profile-form name=${api.profile.displayName}></kith-profile-form>
        <kith-identity-card address=${api.address} .discoverable=${api.discoverable}></kith-identity-card>
        <kith-open-address></kith-open-address>
        <kith-node-status .status=${api.status()} .rejected=${api.lastRejected}></kith-node-status>
        <kith-backup .api=${api.backup} .tick=${this.tick}></kith-backup>
        <kith-backup-folder .app=${api}></kith-backup-folder>
        <kith-settings .config=${api.config}><kith-tracker-list slot="trackers" .api=${api} .status=${api.status().trackers}></kith-tracker-list><kith-relay-list slot="relays" .api=${api} .status=${api.status().relays}></kith-relay-list></kith-settings>`
      case 'items': return html`
        <kith-item-composer .api=${api}></kith-item-composer>
        <kith-my-items .api=${api}></kith-my-items>
        <kith-deletions .api=${api}></kith-deletions>`
      case 'friends': return html`<kith-friends .api=${api}></kith-friends>`
      case 'groups': return html`<kith-groups .api=${api}></kith-groups>`
      case 'invites': return html`<kith-invites .api=${api}></kith-invites>`
      case 'devices': return html`<kith-devices .api=${api.devices}></kith-devices>`
    }
  }

  /** The tab shown: the one in the address, else Home. */
  private currentTab (): HomeTab {
    if (this.route.page === 'home' && this.route.tab) return this.route.tab
    return 'home'
  }

  /** #/ for someone with no name or no friend yet, who has not put the guide away. */
  private showGuide (): boolean {
    if (this.route.page !== 'home' || this.route.tab !== null || this.guideAway) return false
    return this.api.profile.displayName === '' || this.friendCount.value === 0
  }

  private home (current: HomeTab) {
    this.visited.add(current)
    // The backup reminder comes after the tab's content: it loads after the
    // page has drawn, and placed above the tabs it pushed everything down
    // and stood between the keyboard and the tabs. It also waits for the
    // first tab's code: arriving before that content, it was pushed down
    // by it. Once shown it stays, whichever tab comes next.
    if (viewLoaded(current)) this.reminderDue = true
    return html`
      <div role="tablist" aria-label="My server">
        ${HOME_TABS.map((t) => html`
          <button role="tab" id="tab-${t.id}" aria-controls="panel-${t.id}" aria-selected=${t.id === current ? 'true' : 'false'}
            tabindex=${t.id === current ? '0' : '-1'} @click=${() => this.selectTab(t.id, false)}
            aria-label=${'short' in t ? t.label : nothing}
            @keydown=${(ev: KeyboardEvent) => this.onTabKey(ev, current)}>${'short' in t ? html`<span class="long">${t.label}</span><span class="short">${t.short}</span>` : t.label}${t.id === 'home' && this.unread > 0 ? html` <span class="count">(${this.unread} new)</span>` : ''}</button>`)}
      </div>
      ${HOME_TABS.map((t) => this.visited.has(t.id)
        ? html`<div role="tabpanel" id="panel-${t.id}" aria-labelledby="tab-${t.id}" tabindex="0" ?hidden=${t.id !== current}>${this.panel(t.id)}</div>`
        : '')}
      ${this.reminderDue ? html`<kith-backup-reminder .api=${this.api.backup} .tick=${this.tick}></kith-backup-reminder>` : ''}`
  }

  override render () {
    const route = this.route
    return html`
      <header>
        <h1><a class="home" href="#/">Kith</a></h1>
        <p>your server, in this tab — keep it open</p>
      </header>
      <main>
        ${viewFailed(route.page === 'home' ? (this.showGuide() ? 'start' : this.currentTab()) : route.page)
          ? html`<p class="error" role="alert">This part of Kith could not load. Check the connection and reload the page.</p>`
          : ''}
        ${route.page === 'friend'
          ? html`<kith-friend-view .api=${this.api} address=${route.address}></kith-friend-view>`
          : route.page === 'invite'
            ? html`<kith-invite-accept .api=${this.api} address=${route.address} token=${route.token} inviter-hint=${route.inviterHint}></kith-invite-accept>`
            : route.page === 'link'
              ? html`<kith-link-this-device .session=${this.linking}></kith-link-this-device>`
              : this.stillLoading() ? html`<p class="hint" role="status">Loading…</p>`
                : this.showGuide() ? html`<kith-start .api=${this.api} name=${this.api.profile.displayName}></kith-start>` : this.home(this.currentTab())}
      </main>`
  }
}

customElements.define('kith-app', KithApp)
declare global { interface HTMLElementTagNameMap { 'kith-app': KithApp } }
