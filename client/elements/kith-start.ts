// The guided start: what a browser with no name or no friend yet
// opens on, instead of the settings. A name first, then one of three ways
// on: invite a friend (the link at once, to copy, share or scan), open a
// friend's invite, or bring an existing Kith here (restore a backup, or link
// this browser from a device that has it). Everything is drawn at once and
// a chosen way opens below the buttons, at the end of the page, so nothing
// drawn moves.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'
import type { KithApi } from '../api/app-api'
import { askApp } from './ask-app'
import { copyOrSelect } from './clipboard'
import { plainError, timeUntil } from './format'
import { dismissGuide } from '../browser/guide-dismissed'

const INVITE_DAYS = 7
const DAY_MS = 86_400_000

type Way = 'invite' | 'open' | 'existing'

interface MadeInvite { link: string, expiresAt: number | null, qr: string | null }

export class KithStart extends LitElement {
  // Nothing moves once shown (no CSS comments: they would ship): a status
  // line keeps one line's height while empty, and the way panel is its own
  // formatting context, so the margins of what it shows (a status line,
  // then the invite) stay inside and the panel itself never moves.
  static override styles = [sharedStyles, css`
    .ways { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
    .ways button { width: 100%; min-height: 48px; }
    .ways .hint { margin: 6px 0 0; }
    @media (max-width: 560px) { .ways { grid-template-columns: 1fr; gap: 8px; } .ways .hint { display: none; } }
    .shown { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; background: #f3f6fb; border-radius: 10px; padding: 12px; margin-top: 12px; }
    .shown img { width: 168px; height: 168px; background: #fff; border-radius: 8px; padding: 6px; border: 1px solid var(--border, #d9dde3); }
    .shown .text { flex: 1; min-width: 220px; }
    p[role=status] { min-height: 1lh; }
    #way-panel { display: flow-root; }
    #way-panel > section { margin-top: 12px; }
    .leave { display: flex; gap: 8px 16px; flex-wrap: wrap; align-items: center; }
    button.link { background: none; border: 0; padding: 4px 0; color: #2f5bd3; text-decoration: underline; font-weight: 400; }
  `]

  static override properties = {
    api: { attribute: false },
    name: { type: String },
    nameMessage: { state: true },
    nameError: { state: true },
    way: { state: true },
    invite: { state: true },
    inviting: { state: true },
    inviteError: { state: true },
    copied: { state: true }
  }

  declare api: KithApi
  /** The saved name ('' before one is saved). */
  declare name: string
  declare nameMessage: string
  declare nameError: string
  declare way: Way | null
  declare invite: MadeInvite | null
  declare inviting: boolean
  declare inviteError: string
  declare copied: string

  constructor () {
    super()
    this.name = ''
    this.nameMessage = ''
    this.nameError = ''
    this.way = null
    this.invite = null
    this.inviting = false
    this.inviteError = ''
    this.copied = ''
  }

  private saveName (ev: SubmitEvent): void {
    ev.preventDefault()
    const input = this.renderRoot.querySelector<HTMLInputElement>('#start-name')!
    this.nameMessage = ''
    this.nameError = ''
    askApp(this, 'save-name', { name: input.value }, (err) => {
      if (err) {
        this.nameError = err.message
        return
      }
      this.name = input.value.trim()
      this.nameMessage = input.value.trim() ? 'Saved. Friends see this name.' : 'Saved without a name.'
    })
  }

  private async choose (way: Way): Promise<void> {
    this.way = way
    // Each way's code loads when chosen, not with the first screen.
    if (way === 'invite') await this.makeInvite()
    else if (way === 'open') await import('./kith-open-address')
    else await import('./kith-restore-form')
    await this.updateComplete
    const root = this.renderRoot
    if (way === 'invite') {
      // On the link, so a keyboard or screen-reader user is on what to send; without a name, on the name.
      (root.querySelector<HTMLElement>('[data-testid="invite-link"]') ?? root.querySelector<HTMLElement>('#start-name'))?.focus()
    } else if (way === 'open') {
      const open = root.querySelector('kith-open-address')
      await open?.updateComplete
      open?.shadowRoot?.querySelector<HTMLElement>('input')?.focus()
    } else root.querySelector<HTMLElement>('#existing-heading')?.focus()
  }

  /** One invite per visit of the guide: pressing again shows the same link. */
  private async makeInvite (): Promise<void> {
    this.inviteError = ''
    if (this.invite || this.inviting) return
    if (!this.name) {
      // A friend accepting an invite sees the inviter's name: ask for it first.
      this.inviteError = 'First, type the name your friend will see, and press Save name.'
      return
    }
    this.inviting = true
    try {
      const made = await this.api.createInvite({ label: '', expiresInMs: INVITE_DAYS * DAY_MS })
      if (!made.link) throw new Error('The invite has no link.')
      // The QR code's library loads only now, not with the first screen; the
      // link and its code show together, so the text does not move aside
      // for a code arriving after it.
      const { qrDataUrl } = await import('./qr')
      this.invite = { link: made.link, expiresAt: made.expiresAt, qr: await qrDataUrl(made.link) }
    } catch (err) {
      this.inviteError = plainError(err)
    } finally {
      this.inviting = false
    }
  }

  private async copy (link: string): Promise<void> {
    this.copied = await copyOrSelect(link, this.renderRoot.querySelector('[data-testid="invite-link"]'))
      ? 'Link copied. Paste it into a message to your friend.'
      : 'Copying was not allowed here; the link is selected, press Ctrl+C.'
  }

  private async share (link: string): Promise<void> {
    try {
      await navigator.share({ title: 'An invite to my Kith', text: `${this.name} invites you to be friends on Kith.`, url: link })
    } catch {
      // Closed without sharing, or refused: the link and Copy are still there.
    }
  }

  private skip (): void {
    dismissGuide()
    this.dispatchEvent(new CustomEvent('guide-dismissed', { bubbles: true, composed: true }))
  }

  private wayButton (way: Way, label: string, hint: string, primary: boolean) {
    return html`
      <div>
        <button class=${primary ? '' : 'secondary'} aria-expanded=${this.way === way ? 'true' : 'false'} aria-controls="way-panel"
          aria-describedby="way-${way}-hint" @click=${() => this.choose(way)}>${label}</button>
        <p class="hint" id="way-${way}-hint">${hint}</p>
      </div>`
  }

  private renderInvite () {
    const invite = this.invite
    if (!invite) {
      return html`
        <p class="hint" role="status">${this.inviting ? 'Making an invite…' : ''}</p>
        <p class="error" role="alert">${this.inviteError}</p>`
    }
    return html`
      <div class="shown" data-testid="invite-shown">
        ${invite.qr ? html`<img src=${invite.qr} alt="QR code of the invite link. Your friend can scan it with their phone camera.">` : ''}
        <div class="text">
          <h3>Send this link to your friend</h3>
          <code class="address" data-testid="invite-link" tabindex="-1">${invite.link}</code>
          <div class="actions">
            <button @click=${() => this.copy(invite.link)}>Copy link</button>
            ${'share' in navigator ? html`<button class="secondary" @click=${() => this.share(invite.link)}>Share…</button>` : ''}
          </div>
          <p class="hint" role="status" aria-live="polite">${this.copied}</p>
          <p class="hint">It works once${invite.expiresAt === null ? '' : ` and expires ${timeUntil(invite.expiresAt)}`}. Whoever opens it first becomes your friend, so send it privately — by text, email or in person. Keep this tab open until they have; more invites are under <a href="#/invites">Invites</a>.</p>
        </div>
      </div>`
  }

  private renderWay () {
    switch (this.way) {
      case 'invite': return this.renderInvite()
      case 'open': return html`<kith-open-address></kith-open-address>`
      case 'existing': return html`
        <section class="card" aria-labelledby="existing-heading">
          <h2 id="existing-heading" tabindex="-1">Bring your Kith to this browser</h2>
          <p><strong>Another device of yours still has Kith?</strong> Add this browser to it: <a href="#/devices">Add this browser to your Kith</a>.</p>
          <p><strong>Only a backup file left?</strong> Restore it here.</p>
          <kith-restore-form .api=${this.api.backup}></kith-restore-form>
        </section>`
      default: return ''
    }
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="start-heading" data-testid="start-guide">
        <h2 id="start-heading">Welcome to Kith</h2>
        <p class="lead">Kith is your own small server, in this browser tab. Only friends you invite can reach it, and what you share stays here.</p>
        <form @submit=${this.saveName}>
          <label for="start-name">Name shown to friends</label>
          <div class="row">
            <input id="start-name" name="name" .value=${this.name} maxlength=${MAX_DISPLAY_NAME} autocomplete="nickname"
              aria-describedby="start-name-status" aria-invalid=${this.nameError ? 'true' : 'false'} placeholder="e.g. Alice">
            <button type="submit">Save name</button>
          </div>
          <p id="start-name-status" class=${this.nameError ? 'error' : 'hint'} role="status" aria-live="polite">${this.nameError || this.nameMessage}</p>
        </form>
        <div class="leave">
          <button class="link" @click=${this.skip}>Skip the guide</button>
          <a href="#/me">Settings (my address, network, backups)</a>
        </div>
      </section>
      <section class="card" aria-labelledby="ways-heading">
        <h2 id="ways-heading">Then, one of these</h2>
        <div class="ways">
          ${this.wayButton('invite', 'Invite a friend', 'A link for one friend; they open it, and you are friends.', true)}
          ${this.wayButton('open', 'Open a friend’s invite', 'Someone sent you a link: paste it here.', false)}
          ${this.wayButton('existing', 'I already use Kith', 'Restore a backup, or add this browser to your Kith.', false)}
        </div>
        <div id="way-panel">${this.renderWay()}</div>
      </section>`
  }
}

customElements.define('kith-start', KithStart)
declare global { interface HTMLElementTagNameMap { 'kith-start': KithStart } }
