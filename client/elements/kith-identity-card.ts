// Shows my address with a copy button and the link friends can open.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { askApp } from './ask-app'

export class KithIdentityCard extends LitElement {
  static override styles = [sharedStyles, css`
    label.choice.discoverable { font-weight: normal; display: flex; gap: 8px; align-items: flex-start; margin-top: 8px; }
    label.choice.discoverable input { width: auto; margin-top: 4px; }
  `]
  static override properties = {
    address: { type: String },
    discoverable: { type: Boolean },
    copied: { state: true },
    error: { state: true }
  }

  declare address: string
  declare discoverable: boolean
  declare copied: string
  declare error: string

  constructor () {
    super()
    this.address = ''
    this.discoverable = false
    this.copied = ''
    this.error = ''
  }

  private toggleDiscoverable (ev: Event): void {
    const box = ev.target as HTMLInputElement
    this.error = ''
    askApp(this, 'set-discoverable', { on: box.checked }, (err) => {
      if (err) {
        this.error = err.message
        box.checked = !box.checked
      }
    })
  }

  private get link (): string {
    return `${location.origin}${location.pathname}#/friend/${this.address}`
  }

  private async copy (what: 'address' | 'link'): Promise<void> {
    const text = what === 'address' ? this.address : this.link
    try {
      await navigator.clipboard.writeText(text)
      this.copied = what === 'address' ? 'Address copied.' : 'Link copied.'
    } catch {
      // Clipboard access can be refused (no focus, no permission): select it for a manual copy.
      const code = this.renderRoot.querySelector('code')
      if (code) getSelection()?.selectAllChildren(code)
      this.copied = 'Copying was not allowed here; the address is selected, press Ctrl+C.'
    }
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="me-heading">
        <h2 id="me-heading">My address</h2>
        <code class="address" data-testid="my-address">${this.address}</code>
        <div class="row space-above">
          <button @click=${() => this.copy('address')}>Copy address</button>
          <button class="secondary" @click=${() => this.copy('link')}>Copy link to my page</button>
        </div>
        <p class="hint" role="status" aria-live="polite">${this.copied}</p>
        <label class="choice discoverable">
          <input type="checkbox" .checked=${this.discoverable} @change=${this.toggleDiscoverable}
            aria-describedby="discoverable-hint">
          <span>Anyone who has my address can reach me</span>
        </label>
        <p id="discoverable-hint" class="hint">
          ${this.discoverable
            ? 'On: people with your address see your name and that you are online (never your items).'
            : 'Off: only friends and people holding one of your invites can find your server; your address alone leads nowhere. To add a friend, send an invite (tab Invites).'}
        </p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      </section>`
  }
}

customElements.define('kith-identity-card', KithIdentityCard)
declare global { interface HTMLElementTagNameMap { 'kith-identity-card': KithIdentityCard } }
