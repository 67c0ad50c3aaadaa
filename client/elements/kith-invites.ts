// Invite someone: a single-use link (also as a QR code) to send out of band,
// and the list of my invites with what became of each.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { copyOrSelect } from './clipboard'
import { qrDataUrl } from './qr'
import { formatDate, plainError, timeUntil } from './format'
import { focusAfterRemoval, rowIndex } from './focus'
import type { InviteSummary, KithApi } from '../api/app-api'
import { listView } from './list-view'

const DAY_MS = 86_400_000
const EXPIRY_CHOICES = [
  { value: '1', label: '1 day', ms: DAY_MS },
  { value: '7', label: '7 days', ms: 7 * DAY_MS },
  { value: '30', label: '30 days', ms: 30 * DAY_MS },
  { value: 'never', label: 'Never', ms: null }
] as const

interface Shown { invite: InviteSummary, link: string, qr: string | null }

/** Links are made from the address this tab was opened at: a loopback one
 *  does not open from a phone on the LAN. */
function onlyThisMachine (): boolean {
  const host = location.hostname
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]'
}

export class KithInvites extends LitElement {
  static override styles = [sharedStyles, css`
    .create .fields { display: grid; grid-template-columns: 1fr auto; gap: 12px; align-items: end; }
    @media (max-width: 520px) { .create .fields { grid-template-columns: 1fr; } }
    .shown { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; background: #f3f6fb; border-radius: 10px; padding: 12px; margin-top: 12px; }
    .shown img { width: 168px; height: 168px; background: #fff; border-radius: 8px; padding: 6px; border: 1px solid var(--border, #d9dde3); }
    .shown .text { flex: 1; min-width: 220px; }
    .shown h3 { margin-bottom: 6px; }
    .head { display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; justify-content: space-between; }
  `]

  static override properties = {
    api: { attribute: false },
    label: { state: true },
    expiry: { state: true },
    creating: { state: true },
    error: { state: true },
    shown: { state: true },
    copied: { state: true },
    listError: { state: true }
  }

  declare api: KithApi
  declare label: string
  declare expiry: string
  declare creating: boolean
  declare error: string
  declare shown: Shown | null
  declare copied: string
  declare listError: string
  private readonly invites = new ApiQuery(this, () => this.api, (api) => api.listInvites())
  /** What opened the shown link (Create invite, or a Show link button): focus returns there on Done. */
  private opener: HTMLElement | null = null

  constructor () {
    super()
    this.label = ''
    this.expiry = '7'
    this.creating = false
    this.error = ''
    this.shown = null
    this.copied = ''
    this.listError = ''
  }

  private async create (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.error = ''
    this.creating = true
    try {
      const choice = EXPIRY_CHOICES.find((c) => c.value === this.expiry) ?? EXPIRY_CHOICES[1]
      const invite = await this.api.createInvite({ label: this.label.trim(), expiresInMs: choice.ms })
      this.label = ''
      await this.show(invite, this.renderRoot.querySelector<HTMLElement>('form.create button[type=submit]'))
      this.invites.refresh()
    } catch (err) {
      this.error = plainError(err)
    } finally {
      this.creating = false
    }
  }

  private async show (invite: InviteSummary, opener: HTMLElement | null): Promise<void> {
    if (!invite.link) return
    const link = invite.link
    this.opener = opener
    this.copied = ''
    this.shown = { invite, link, qr: null }
    const qr = await qrDataUrl(link) // a link too long for a QR code still works as a link
    if (this.shown?.link === link) this.shown = { invite, link, qr }
    await this.updateComplete
    // The link itself, so a keyboard or screen-reader user is on what to send.
    this.renderRoot.querySelector<HTMLElement>('[data-testid="invite-link"]')?.focus()
  }

  /** Closes the shown link; focus goes back to what opened it. */
  private async hide (): Promise<void> {
    const opener = this.opener
    this.shown = null
    this.opener = null
    await this.updateComplete
    if (opener?.isConnected) opener.focus()
    else this.renderRoot.querySelector<HTMLElement>('#invite-label')?.focus()
  }

  private async copy (link: string): Promise<void> {
    this.copied = await copyOrSelect(link, this.renderRoot.querySelector('[data-testid="invite-link"]'))
      ? 'Link copied. Paste it into a message to your friend.'
      : 'Copying was not allowed here; the link is selected, press Ctrl+C.'
  }

  private async revoke (invite: InviteSummary): Promise<void> {
    this.listError = ''
    const index = rowIndex(this, 'li[data-invite]', this.renderRoot.querySelector(`li[data-invite="${invite.id}"]`))
    try {
      await this.api.revokeInvite(invite.id)
      if (this.shown?.invite.id === invite.id) this.shown = null
      await this.invites.reload()
      // The revoked row stays (as Withdrawn) but loses its buttons: on to the next pending one.
      await focusAfterRemoval(this, 'li[data-invite]:has(button.revoke)', Math.max(0, index), 'button.revoke', '#invites-heading')
    } catch (err) {
      this.listError = plainError(err)
    }
  }

  private statusWords (invite: InviteSummary) {
    switch (invite.status) {
      case 'pending': return html`<span class="badge amber">Waiting</span> <span class="meta inline">${invite.expiresAt === null ? 'never expires' : `expires ${timeUntil(invite.expiresAt)}`}</span>`
      case 'used': return html`<span class="badge green">Used by ${invite.usedByName || 'a friend without a name'}</span>`
      case 'revoked': return html`<span class="badge grey">Withdrawn</span>`
      case 'expired': return html`<span class="badge grey">Expired</span>`
    }
  }

  private renderShown (s: Shown) {
    const label = s.invite.label ? ` (“${s.invite.label}”)` : ''
    const now = this.invites.value?.find((i) => i.id === s.invite.id)
    if (now && now.status !== 'pending') {
      // The link was used (or expired) while on screen: it must not look usable.
      return html`
        <div class="shown" data-testid="invite-shown">
          <div class="text">
            <p><span data-testid="invite-shown-status">${this.statusWords(now)}</span> — this link${label} no longer works.</p>
            <div class="actions"><button class="secondary" @click=${this.hide}>Done</button></div>
          </div>
        </div>`
    }
    return html`
      <div class="shown" data-testid="invite-shown">
        ${s.qr ? html`<img src=${s.qr} alt="QR code of the invite link${label}. Your friend can scan it with their phone camera.">` : ''}
        <div class="text">
          <h3 tabindex="-1">Send this link to your friend${label}</h3>
          <code class="address" data-testid="invite-link" tabindex="-1">${s.link}</code>
          <div class="actions">
            <button @click=${() => this.copy(s.link)}>Copy link</button>
            <button class="secondary" @click=${this.hide}>Done</button>
          </div>
          <p class="hint" role="status" aria-live="polite">${this.copied}</p>
          ${onlyThisMachine()
            ? html`<p class="hint" data-testid="invite-local-only">This link starts with ${location.host}, so it opens only on a computer running Kith there. To invite a phone on your network, open Kith at this computer’s network address (<code>HOST=0.0.0.0 npm start</code> prints it) and create the invite there.</p>`
            : ''}
          <p class="hint">It works once${s.invite.expiresAt === null ? '' : ` and expires ${timeUntil(s.invite.expiresAt)}`}. Whoever opens it first becomes your friend, so send it privately — by text, email or in person.</p>
        </div>
      </div>`
  }

  private renderInvite (invite: InviteSummary) {
    return html`
      <li data-testid="invite" data-invite=${invite.id}>
        <div class="head">
          <div>
            <strong>${invite.label || 'Invite without a label'}</strong>
            <span class="meta inline">· created ${formatDate(invite.createdAt)}</span>
          </div>
          <span data-testid="invite-status">${this.statusWords(invite)}</span>
        </div>
        ${invite.status === 'pending'
          ? html`
            <div class="actions">
              ${invite.link ? html`<button class="secondary small" @click=${(ev: Event) => this.show(invite, ev.currentTarget as HTMLElement)}>Show link</button>` : ''}
              <button class="danger secondary small revoke" @click=${() => this.revoke(invite)}
                aria-label="Revoke ${invite.label ? `the invite “${invite.label}”` : 'this invite'}">Revoke</button>
            </div>`
          : ''}
      </li>`
  }

  override render () {
    const invites = this.invites.value
    return html`
      <section class="card" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite a friend</h2>
        <form class="create" @submit=${this.create} novalidate>
          <div class="fields">
            <div>
              <label for="invite-label">Label (only you see it)</label>
              <input id="invite-label" maxlength="80" autocomplete="off" placeholder="e.g. Sam from work" .value=${this.label}
                @input=${(ev: Event) => { this.label = (ev.target as HTMLInputElement).value }}>
            </div>
            <div>
              <label for="invite-expiry">Expires after</label>
              <select id="invite-expiry" .value=${this.expiry} @change=${(ev: Event) => { this.expiry = (ev.target as HTMLSelectElement).value }}>
                ${EXPIRY_CHOICES.map((c) => html`<option value=${c.value} ?selected=${c.value === this.expiry}>${c.label}</option>`)}
              </select>
            </div>
          </div>
          <div class="actions"><button type="submit" ?disabled=${this.creating}>${this.creating ? 'Creating…' : 'Create invite'}</button></div>
          <p class="error" role="alert">${this.error}</p>
        </form>
        ${this.shown ? this.renderShown(this.shown) : ''}
      </section>
      <section class="card" aria-labelledby="invites-heading">
        <h2 id="invites-heading" tabindex="-1">My invites</h2>
        ${this.invites.error ? html`<p class="error" role="alert">Could not load your invites: ${this.invites.error}</p>` : ''}
        ${this.listError ? html`<p class="error" role="alert">${this.listError}</p>` : ''}
        ${listView(invites && [...invites].sort((a, b) => b.createdAt - a.createdAt), { label: 'My invites', empty: 'No invites yet.', key: (i) => i.id, row: (i) => this.renderInvite(i) })}
      </section>`
  }
}

customElements.define('kith-invites', KithInvites)
declare global { interface HTMLElementTagNameMap { 'kith-invites': KithInvites } }
