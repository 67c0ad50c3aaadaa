// My friends: online or not, the safety code to compare in person, which of
// my groups they are in, a link to their feed, and removing them.
import { LitElement, html, css } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { live } from 'lit/directives/live.js'
import { sharedStyles } from './shared-styles'
import { focusAfterRemoval, rowIndex } from './focus'
import { ApiQuery } from './api-query'
import { formatDay, plainError } from './format'
import { shortAddress } from '../../shared/identity/identity'
import type { FriendSummary, GroupSummary, KithApi } from '../api/app-api'

/** Past this many friends a search field helps. */
const FILTER_FROM = 8

interface RowState { confirming?: boolean, busy?: boolean, error?: string }

export class KithFriends extends LitElement {
  static override styles = [sharedStyles, css`
    .head { display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; }
    .head h3 { font-size: 1rem; }
    .presence { font-size: .85rem; display: inline-flex; align-items: center; }
    .safety { margin: 8px 0; }
    .safety .code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 1.05rem; letter-spacing: .06em; background: #f3f5f8; padding: 4px 8px; border-radius: 6px; display: inline-block; }
    .safety-label { font-size: .85rem; color: #3b4653; display: block; margin-bottom: 2px; }
    fieldset { margin: 8px 0 0; }
    .member-choices { display: flex; flex-wrap: wrap; gap: 2px 18px; }
    .filter { margin-bottom: 12px; }
  `]

  static override properties = {
    api: { attribute: false },
    rows: { state: true },
    pending: { state: true },
    filter: { state: true }
  }

  declare api: KithApi
  declare rows: Record<string, RowState>
  /** "groupId/friendKey" -> the membership being saved, or why saving it failed. */
  declare pending: Record<string, { member: boolean, error?: string }>
  declare filter: string
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())
  private readonly groups = new ApiQuery(this, () => this.api, (api) => api.listGroups())

  constructor () {
    super()
    this.rows = {}
    this.pending = {}
    this.filter = ''
  }

  private setRow (key: string, state: RowState | null): void {
    const rows = { ...this.rows }
    if (state) rows[key] = state
    else delete rows[key]
    this.rows = rows
  }

  private async setMember (group: GroupSummary, friend: FriendSummary, member: boolean): Promise<void> {
    const id = `${group.id}/${friend.key}`
    this.pending = { ...this.pending, [id]: { member } }
    try {
      await this.api.setMembership(group.id, friend.key, member)
      await Promise.all([this.friends.reload(), this.groups.reload()])
      const { [id]: _done, ...rest } = this.pending
      this.pending = rest
    } catch (err) {
      const verb = member ? `add ${friend.displayName || 'them'} to` : `take ${friend.displayName || 'them'} out of`
      this.pending = { ...this.pending, [id]: { member: !member, error: `Could not ${verb} “${group.name}”: ${plainError(err)}` } }
    }
  }

  private async removeFriend (friend: FriendSummary): Promise<void> {
    const index = rowIndex(this, 'li[data-key]', this.renderRoot.querySelector(`li[data-key="${friend.key}"]`))
    this.setRow(friend.key, { confirming: true, busy: true })
    try {
      await this.api.removeFriend(friend.key)
      await Promise.all([this.friends.reload(), this.groups.reload()])
      this.setRow(friend.key, null)
      await focusAfterRemoval(this, 'li[data-key]', index, '.remove', '#friends-heading')
    } catch (err) {
      this.setRow(friend.key, { confirming: true, error: plainError(err) })
    }
  }

  private async focusIn (key: string, selector: string): Promise<void> {
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(`[data-key="${key}"] ${selector}`)?.focus()
  }

  private renderGroups (friend: FriendSummary, groups: GroupSummary[]) {
    const name = friend.displayName || 'this friend'
    if (groups.length === 0) return html`<p class="hint">Put friends in groups to share some items with only them — create groups on the Groups tab.</p>`
    const errors = groups.map((g) => this.pending[`${g.id}/${friend.key}`]?.error).filter(Boolean)
    return html`
      <fieldset>
        <legend>Groups ${name} is in</legend>
        <div class="member-choices">
          ${groups.map((g) => {
            const pending = this.pending[`${g.id}/${friend.key}`]
            const saving = pending !== undefined && pending.error === undefined
            return html`
              <label class="choice">
                <input type="checkbox" .checked=${live(saving ? pending.member : friend.groupIds.includes(g.id))} aria-busy=${saving ? 'true' : 'false'}
                  @change=${(ev: Event) => this.setMember(g, friend, (ev.target as HTMLInputElement).checked)}>
                ${g.name}
              </label>`
          })}
        </div>
        ${errors.map((e) => html`<p class="error" role="alert">${e}</p>`)}
      </fieldset>`
  }

  private renderRemove (friend: FriendSummary) {
    const row = this.rows[friend.key]
    const name = friend.displayName || 'this friend'
    if (!row?.confirming) {
      return html`<button class="danger secondary small remove" @click=${() => { this.setRow(friend.key, { confirming: true }); void this.focusIn(friend.key, '.confirm-yes') }}>Remove friend</button>`
    }
    return html`
      <div class="confirm" role="group" aria-label="Confirm removing ${name}">
        <p><strong>Remove ${name}?</strong></p>
        <p class="hint">Their access ends at once and any open connection with them is closed. Their copies of your items are asked to be deleted. To be friends again you would send a new invite.</p>
        <div class="actions">
          <button class="danger small confirm-yes" ?disabled=${row.busy === true} @click=${() => this.removeFriend(friend)}>${row.busy ? 'Removing…' : 'Yes, remove'}</button>
          <button class="secondary small" ?disabled=${row.busy === true} @click=${() => { this.setRow(friend.key, null); void this.focusIn(friend.key, '.remove') }}>Keep ${name}</button>
        </div>
        ${row.error ? html`<p class="error" role="alert">${row.error}</p>` : ''}
      </div>`
  }

  private renderFriend (friend: FriendSummary, groups: GroupSummary[]) {
    const name = friend.displayName || 'A friend without a name'
    return html`
      <li data-testid="friend-entry" data-key=${friend.key}>
        <div class="head">
          <h3>${name}</h3>
          <span class="presence" data-testid="friend-presence">
            <span class="dot ${friend.online ? 'open' : ''}" aria-hidden="true"></span>${friend.online ? 'Online' : 'Offline'}
          </span>
          <span class="meta">friends since ${formatDay(friend.addedAt)}</span>
        </div>
        <div class="meta" title=${friend.address}>Address ${shortAddress(friend.address)}</div>
        <div class="safety">
          <span class="safety-label">Safety code — compare it in person</span>
          <span class="code" data-testid="safety-code">${friend.safetyCode}</span>
        </div>
        ${this.renderGroups(friend, groups)}
        <div class="actions">
          <a href="#/friend/${encodeURIComponent(friend.address)}" data-testid="open-feed">Open feed</a>
          ${this.renderRemove(friend)}
        </div>
      </li>`
  }

  override render () {
    const all = this.friends.value
    const groups = this.groups.value ?? []
    const needle = this.filter.trim().toLowerCase()
    const list = (all ?? [])
      .filter((f) => !needle || f.displayName.toLowerCase().includes(needle) || f.address.toLowerCase().startsWith(needle))
      .sort((a, b) => (a.displayName || '\uffff').localeCompare(b.displayName || '\uffff') || a.addedAt - b.addedAt)
    const online = (all ?? []).filter((f) => f.online).length
    return html`
      <section class="card" aria-labelledby="friends-heading">
        <h2 id="friends-heading" tabindex="-1">Friends${all ? html` <span class="meta inline">· ${all.length} ${all.length === 1 ? 'friend' : 'friends'}, ${online} online</span>` : ''}</h2>
        ${this.friends.error ? html`<p class="error" role="alert">Could not load your friends: ${this.friends.error}</p>` : ''}
        ${all && all.length >= FILTER_FROM
          ? html`<div class="filter"><label for="filter">Find a friend</label>
              <input id="filter" type="search" .value=${this.filter} @input=${(ev: Event) => { this.filter = (ev.target as HTMLInputElement).value }}></div>`
          : ''}
        ${all === null
          ? html`<p class="hint">Loading…</p>`
          : all.length === 0
            ? html`<p class="empty">No friends yet. Create an invite on the Invites tab and send the link to someone.</p>`
            : list.length === 0
              ? html`<p class="empty">No friend matches “${this.filter}”.</p>`
              : html`<ul class="entries" aria-label="Friends">${repeat(list, (f) => f.key, (f) => this.renderFriend(f, groups))}</ul>`}
      </section>`
  }
}

customElements.define('kith-friends', KithFriends)
declare global { interface HTMLElementTagNameMap { 'kith-friends': KithFriends } }
