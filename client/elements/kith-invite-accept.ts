// Someone's invite link was opened here: say who invited me (the name in the
// link is only what they say: unconfirmed until the handshake), ask for my
// name if I have none, and redeem the invite (cancellable while it connects).
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { isAbort, plainError } from './format'
import { AddressError, parseAddress, shortAddress } from '../../shared/identity/identity'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'
import { cleanInviterHint } from '../../shared/rendezvous/invite-link'
import type { KithApi } from '../api/app-api'

type Phase = 'idle' | 'connecting' | 'done'

export class KithInviteAccept extends LitElement {
  static override styles = [sharedStyles, css`
    .who { font-size: 1.05rem; margin-bottom: 10px; overflow-wrap: anywhere; }
    .who .name { unicode-bidi: isolate; }
  `]

  static override properties = {
    api: { attribute: false },
    address: { type: String },
    token: { type: String },
    inviterHint: { type: String, attribute: 'inviter-hint' },
    verifiedName: { state: true },
    name: { state: true },
    phase: { state: true },
    error: { state: true }
  }

  declare api: KithApi
  declare address: string
  declare token: string
  /** The inviter's name as the link says it; unconfirmed. */
  declare inviterHint: string
  /** Their name as their node told it after the handshake. */
  declare verifiedName: string | null
  declare name: string
  declare phase: Phase
  declare error: string
  private abort: AbortController | null = null
  private readonly onChange = (): void => { this.requestUpdate() }
  private listening: KithApi | null = null

  constructor () {
    super()
    this.address = ''
    this.token = ''
    this.inviterHint = ''
    this.verifiedName = null
    this.name = ''
    this.phase = 'idle'
    this.error = ''
  }

  override connectedCallback (): void {
    super.connectedCallback()
    this.listen(this.api)
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.listen(null)
    this.abort?.abort()
  }

  protected override willUpdate (): void {
    if (this.isConnected) this.listen(this.api)
  }

  private listen (api: KithApi | null | undefined): void {
    if ((api ?? null) === this.listening) return
    this.listening?.removeEventListener('change', this.onChange)
    api?.addEventListener('change', this.onChange)
    this.listening = api ?? null
  }

  private get addressProblem (): string {
    try {
      parseAddress(this.address)
    } catch (err) {
      return err instanceof AddressError ? err.message : 'This is not a valid address.'
    }
    if (!this.token) return 'The link is missing its invite code; ask your friend to send it again.'
    return ''
  }

  private async accept (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.error = ''
    const needsName = !this.api.profile.displayName
    if (needsName) {
      if (!this.name.trim()) {
        this.error = 'Type the name your friend will see first.'
        this.renderRoot.querySelector<HTMLInputElement>('#my-name')?.focus()
        return
      }
    }
    const abort = new AbortController()
    this.abort = abort
    this.phase = 'connecting'
    try {
      if (needsName) await this.api.setDisplayName(this.name)
      const profile = await this.api.acceptInvite(this.address, this.token, abort.signal)
      if (abort.signal.aborted) throw new DOMException('cancelled', 'AbortError')
      this.verifiedName = profile.displayName
      this.phase = 'done'
      location.hash = `#/friend/${this.address}`
    } catch (err) {
      this.phase = 'idle'
      this.error = abort.signal.aborted || isAbort(err)
        ? 'Cancelled. Nothing was sent; you can try again.'
        : plainError(err)
      await this.updateComplete
      this.renderRoot.querySelector<HTMLButtonElement>('button[type=submit]')?.focus()
    } finally {
      if (this.abort === abort) this.abort = null
    }
  }

  private renderWho () {
    const hint = cleanInviterHint(this.inviterHint)
    const at = html`<strong class="addr" title=${this.address}>${shortAddress(this.address)}</strong>`
    if (this.verifiedName !== null) {
      return html`<p class="who" data-testid="inviter">${this.verifiedName ? html`<strong>${this.verifiedName}</strong>` : 'A friend without a name'} (${at}) — confirmed by the handshake.</p>`
    }
    if (!hint) return html`<p class="who" data-testid="inviter">${at} invited you to be friends on Kith.</p>`
    return html`
      <p class="who" data-testid="inviter">
        Someone who <span data-testid="inviter-hint">says they are <strong class="name">${hint}</strong> — not yet confirmed</span> — invited you to be friends on Kith.
      </p>
      <p class="hint">Anyone can write a name into a link. When you accept, Kith checks that the invite really comes from ${at} and shows the name their Kith gives.</p>`
  }

  private cancel (): void {
    this.abort?.abort()
  }

  override render () {
    const problem = this.addressProblem
    const back = html`<p><a href="#/">← Back to my server</a></p>`
    if (problem) {
      return html`
        <section class="card" aria-labelledby="invite-heading">
          ${back}
          <h2 id="invite-heading">This invite link does not work</h2>
          <p class="error" role="alert" data-testid="invite-error">${problem}</p>
        </section>`
    }
    if (this.api && this.address === this.api.address) {
      return html`
        <section class="card" aria-labelledby="invite-heading">
          ${back}
          <h2 id="invite-heading">This is your own invite</h2>
          <p>Send the link to a friend: when they open it, they become your friend.</p>
        </section>`
    }
    const needsName = !this.api?.profile.displayName
    const busy = this.phase !== 'idle'
    return html`
      <section class="card" aria-labelledby="invite-heading" aria-busy=${busy ? 'true' : 'false'}>
        ${back}
        <h2 id="invite-heading">You’re invited</h2>
        ${this.renderWho()}
        <p class="hint">Accepting connects to their tab and makes you friends: you can then see what they share with you, and they see your name. Nothing is shared with anyone else.</p>
        <form class="space-above" @submit=${this.accept} novalidate>
          ${needsName
            ? html`
              <div class="field">
                <label for="my-name">Your name (your friend will see it)</label>
                <input id="my-name" maxlength=${MAX_DISPLAY_NAME} autocomplete="nickname" placeholder="e.g. Sam" .value=${this.name}
                  ?disabled=${busy} @input=${(ev: Event) => { this.name = (ev.target as HTMLInputElement).value; this.error = '' }}>
              </div>`
            : html`<p>You will appear as <strong>${this.api.profile.displayName}</strong>.</p>`}
          <div class="actions">
            <button type="submit" ?disabled=${busy}>Accept invite</button>
            ${busy ? html`<button type="button" class="secondary" @click=${this.cancel}>Cancel</button>` : html`<a href="#/">Not now</a>`}
          </div>
        </form>
        <div role="status" aria-live="polite">
          ${this.phase === 'connecting'
            ? html`<div class="progress" data-testid="invite-progress"><span class="spinner" aria-hidden="true"></span>Connecting to your friend… Their Kith tab needs to be open. If this takes long, the invite may be mistyped, or your friend is offline.</div>`
            : this.phase === 'done'
              ? html`<p class="ok" data-testid="invite-done">${this.verifiedName ? `You are friends with ${this.verifiedName} now (confirmed).` : 'You are friends now.'}</p>`
              : ''}
        </div>
        <p class="error" role="alert" data-testid="invite-error">${this.error}</p>
      </section>`
  }
}

customElements.define('kith-invite-accept', KithInviteAccept)
declare global { interface HTMLElementTagNameMap { 'kith-invite-accept': KithInviteAccept } }
