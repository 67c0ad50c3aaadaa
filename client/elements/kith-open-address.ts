// A field to open a friend's address (or a pasted link, including an invite
// link). A typo is caught here, before any network traffic, and explained in
// plain words.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import { addressFromPublicKey, AddressError, parseAddress } from '../../shared/identity/identity'
import { loadCrypto } from '../../shared/crypto/crypto'

export class KithOpenAddress extends LitElement {
  static override styles = sharedStyles
  static override properties = { error: { state: true } }

  declare error: string

  constructor () {
    super()
    this.error = ''
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const input = this.renderRoot.querySelector('input')!
    try {
      // The check digits need the cryptography code (loaded with the node's
      // checks just after the first screen; at once when already there).
      await loadCrypto()
      const invite = input.value.trim().match(/#\/invite\/([^/?#\s]+)\/([^/?#\s]+)(\?[^#\s]*)?/)
      const address = addressFromPublicKey(parseAddress(invite ? decodeURIComponent(invite[1]!) : input.value))
      this.error = ''
      // The inviter's name hint comes along (cleaned again by the invite page).
      location.hash = invite ? `#/invite/${address}/${invite[2]!}${invite[3] ?? ''}` : `#/friend/${address}`
    } catch (err) {
      this.error = err instanceof AddressError ? err.message : 'This is not a valid address.'
      input.focus()
    }
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="open-heading">
        <h2 id="open-heading">Open a friend's address</h2>
        <form @submit=${this.submit} novalidate>
          <label for="friend-address">Address or link</label>
          <div class="row">
            <input id="friend-address" name="address" autocomplete="off" spellcheck="false"
              aria-invalid=${this.error ? 'true' : 'false'} aria-describedby="open-error"
              placeholder="Paste the address or invite link your friend sent you" @input=${() => { this.error = '' }}>
            <button type="submit">Open</button>
          </div>
          <p id="open-error" class="error" role="alert" data-testid="open-error">${this.error}</p>
        </form>
      </section>`
  }
}

customElements.define('kith-open-address', KithOpenAddress)
declare global { interface HTMLElementTagNameMap { 'kith-open-address': KithOpenAddress } }
