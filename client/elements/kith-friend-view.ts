// A friend's page: connects to their tab and shows their name, one status
// line (reachable or not — and whose side the problem is — plus how fresh my
// copy of what they share is, see friend-status.ts), a line when older
// items of theirs were left out of my copy (what one friend may fill of
// this browser is bounded) and how quickly they answer (in words); below it, what they
// share with me (kith-feed).
import { LitElement, html, css, type PropertyValues } from 'lit'
import { sharedStyles } from './shared-styles'
import { addressFromPublicKey, parseAddress, shortAddress } from '../../shared/identity/identity'
import { ApiQuery } from './api-query'
import type { FriendConnection, FriendState } from '../friends/friend-connection'
import type { KithApi } from '../api/app-api'
import { answerSpeed, friendStatus, leftOutLine, spokenStatus, type Tone } from '../friends/friend-status'
import type { FeedStatusDetail } from './kith-feed'
import './kith-feed'
import './kith-manual-connect'

export { UNREACHABLE_AFTER_S } from '../friends/friend-status'

export class KithFriendView extends LitElement {
  static override styles = [sharedStyles, css`
    .status-line { margin: 10px 0 4px; overflow-wrap: anywhere; }
  `]
  static override properties = {
    api: { attribute: false },
    address: { type: String },
    state: { state: true },
    feedStatus: { state: true },
    now: { state: true }
  }

  declare api: KithApi
  declare address: string
  declare state: FriendState | null
  declare feedStatus: FeedStatusDetail | null
  declare now: number
  private connection: FriendConnection | null = null
  /** Counts connection attempts: only the newest is kept. */
  private connecting = 0
  /** Arrived by an action: focus the name once it shows. */
  private focusName = false
  private clock: ReturnType<typeof setInterval> | null = null
  /** My friends as saved here: a friend's page keeps their name while they
   *  cannot be reached (after a reload, offline, trackers down). */
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())

  constructor () {
    super()
    this.address = ''
    this.state = null
    this.feedStatus = null
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
    this.connecting++
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if ((changed.has('address') || changed.has('api')) && this.api && this.address) {
      this.connection?.stop()
      this.connection = null
      this.state = null // not the previous friend's, while this one's loads
      const turn = ++this.connecting
      // Its code loads on the first friend page; a newer address (or leaving
      // the page) meanwhile wins.
      this.api.connectTo(this.address).then((connection) => {
        if (turn !== this.connecting || !this.isConnected) return
        this.connection = connection
        this.state = connection.state
        this.feedStatus = null
        connection.addEventListener('change', () => { if (this.connection === connection) this.state = connection.state })
        connection.start()
      }, (err: unknown) => { console.error('[kith] the code to reach this friend could not load:', err) })
    }
  }

  protected override updated (changed: PropertyValues<this>): void {
    // Arrived here by an action (accepting an invite, opening an address):
    // the control that had focus is gone, so start a keyboard user at the name.
    if (changed.has('address') && this.address) {
      const active = document.activeElement
      if (!active || active === document.body || (active.shadowRoot && deepActive(active) === null)) this.focusName = true
    }
    // The name shows once the connection's code has loaded (connectTo).
    const heading = this.focusName ? this.renderRoot.querySelector<HTMLElement>('#friend-heading') : null
    if (heading) {
      this.focusName = false
      heading.focus()
    }
  }

  private statusLine (s: FriendState) {
    if (s.phase === 'invalid') return html`<p class="error" role="alert" data-testid="friend-error">${s.problem}</p>`
    const line = friendStatus({
      phase: s.phase,
      searchingSince: s.searchingSince,
      lastReachedAt: s.lastReachedAt,
      // Either way of being found counts: with every tracker down, a relay still carries the search.
      trackers: [...this.api.status().trackers, ...this.api.status().relays],
      feed: this.feedStatus && this.feedStatus.isFriend !== false ? this.feedStatus : null,
      now: this.now
    })
    const tone = (t: Tone): string => t === 'plain' ? '' : t
    return html`
      <p class="visually-hidden" role="status" aria-live="polite">${spokenStatus(line)}</p>
      <p class="status-line" aria-hidden="true"><span class=${tone(line.connection.tone)} data-testid="friend-phase">${line.connection.text}</span>${line.copy
        ? html`<span class="sep" aria-hidden="true"> · </span><span class=${tone(line.copy.tone)} data-testid="feed-state">${line.copy.text}</span>`
        : ''}</p>
      ${line.hint ? html`<p class="hint" data-testid="friend-hint">${line.hint}</p>` : ''}
      ${line.mySide ? html`<p><a href="#/me">Open Network settings (Me &amp; server)</a></p>` : ''}`
  }

  /** The name I saved for this friend, '' when they are not my friend (or have none). */
  private get savedName (): string {
    let address = this.address
    try {
      address = addressFromPublicKey(parseAddress(this.address))
    } catch { /* compared as typed */ }
    return this.friends.value?.find((f) => f.address === address)?.displayName ?? ''
  }

  override render () {
    const s = this.state
    if (!s) return html``
    // What they call themselves now, else what I saved; the address shows beneath.
    const known = s.profile?.displayName || this.savedName
    const name = known || (s.profile ? 'A friend without a name' : shortAddress(this.address))
    return html`
      <section class="card" aria-labelledby="friend-heading" aria-busy=${s.phase !== 'connected' && s.phase !== 'invalid' ? 'true' : 'false'}>
        <p><a href="#/">← Back to my server</a></p>
        <h2 id="friend-heading" tabindex="-1" data-testid="friend-name">${s.phase === 'invalid' ? 'Address not valid' : name}</h2>
        <code class="address">${this.address}</code>
        <div>${this.statusLine(s)}</div>
        ${this.feedStatus?.leftOut && this.feedStatus.isFriend !== false
          ? html`<p class="hint" role="status" data-testid="feed-left-out">${leftOutLine(this.feedStatus.leftOut, known)}</p>`
          : ''}
        ${s.phase === 'connected' && s.rttMs !== null
          ? html`<p class="hint" data-testid="friend-rtt" data-rtt-ms=${s.rttMs.toFixed(1)}>${answerSpeed(s.rttMs)}</p>`
          : ''}
        ${s.problem && s.phase !== 'invalid' && s.phase !== 'connected'
          ? html`<p class="error" role="alert" data-testid="friend-error">${s.problem}</p>`
          : ''}
      </section>
      ${s.phase === 'invalid' ? '' : html`<kith-manual-connect .api=${this.api} address=${this.address} friend-name=${known} ?reachable=${s.phase === 'connected'}></kith-manual-connect>`}
      ${s.phase === 'invalid' ? '' : html`<kith-feed .api=${this.api} address=${this.address} owner-name=${known} status-elsewhere
        @feed-status=${(ev: CustomEvent<FeedStatusDetail>) => { this.feedStatus = ev.detail }}></kith-feed>`}`
  }
}

/** The innermost focused element through shadow roots, or null when focus sits on a host with nothing focused inside. */
function deepActive (host: Element): Element | null {
  let el: Element | null = host
  while (el?.shadowRoot) {
    const inner: Element | null = el.shadowRoot.activeElement
    if (!inner) return null
    el = inner
  }
  return el
}

customElements.define('kith-friend-view', KithFriendView)
declare global { interface HTMLElementTagNameMap { 'kith-friend-view': KithFriendView } }
