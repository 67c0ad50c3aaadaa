// Lets the owner set the display name friends see.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'
import { saveThroughApp } from './ask-app'

export class KithProfileForm extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    name: { type: String },
    message: { state: true },
    error: { state: true }
  }

  declare name: string
  declare message: string
  declare error: string

  constructor () {
    super()
    this.name = ''
    this.message = ''
    this.error = ''
  }

  private submit (ev: SubmitEvent): void {
    ev.preventDefault()
    const input = this.renderRoot.querySelector('input')!
    saveThroughApp(this, 'save-name', { name: input.value }, 'Saved. Friends see this name.')
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">My name</h2>
        <form @submit=${this.submit}>
          <label for="name">Name shown to friends</label>
          <div class="row">
            <input id="name" name="name" .value=${this.name} maxlength=${MAX_DISPLAY_NAME} autocomplete="nickname"
              aria-describedby="name-status" aria-invalid=${this.error ? 'true' : 'false'} placeholder="e.g. Alice">
            <button type="submit">Save name</button>
          </div>
          <p id="name-status" class=${this.error ? 'error' : 'hint'} role="status" aria-live="polite">${this.error || this.message}</p>
        </form>
      </section>`
  }
}

customElements.define('kith-profile-form', KithProfileForm)
declare global { interface HTMLElementTagNameMap { 'kith-profile-form': KithProfileForm } }
