// Shows my address with a copy button and the link friends can open.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'

export class KithIdentityCard extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    address: { type: String },
    copied: { state: true }
  }

  declare address: string
  declare copied: string

  constructor () {
    super()
    this.address = ''
    this.copied = ''
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
        <div class="row" style="margin-top:10px">
          <button @click=${() => this.copy('address')}>Copy address</button>
          <button class="secondary" @click=${() => this.copy('link')}>Copy link for a friend</button>
        </div>
        <p class="hint" role="status" aria-live="polite">${this.copied}</p>
      </section>`
  }
}

customElements.define('kith-identity-card', KithIdentityCard)
declare global { interface HTMLElementTagNameMap { 'kith-identity-card': KithIdentityCard } }
