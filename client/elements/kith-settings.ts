// Trackers and ICE servers are the owner's to choose.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import type { KithConfig } from '../../node-tab/config'

export class KithSettings extends LitElement {
  static override styles = sharedStyles
  static override properties = { config: { attribute: false }, message: { state: true }, error: { state: true } }

  declare config: KithConfig
  declare message: string
  declare error: string

  constructor () {
    super()
    this.config = { trackers: [], iceServers: [] }
    this.message = ''
    this.error = ''
  }

  private submit (ev: SubmitEvent): void {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const trackers = (form.elements.namedItem('trackers') as HTMLTextAreaElement).value.split(/\s+/).filter(Boolean)
    let iceServers: unknown
    try {
      iceServers = JSON.parse((form.elements.namedItem('ice') as HTMLTextAreaElement).value || '[]')
    } catch {
      this.error = 'ICE servers must be JSON, e.g. [{"urls": "stun:stun.example.org:3478"}] or [].'
      return
    }
    this.error = ''
    this.message = ''
    this.dispatchEvent(new CustomEvent('save-config', {
      detail: {
        config: { trackers, iceServers },
        done: (err?: Error) => {
          if (err) this.error = err.message
          else this.message = 'Saved. Reconnected with the new settings.'
        }
      },
      bubbles: true,
      composed: true
    }))
  }

  override render () {
    return html`
      <details class="card">
        <summary><strong>Network settings</strong> (trackers and ICE servers)</summary>
        <form @submit=${this.submit} style="margin-top:12px">
          <label for="trackers">Trackers, one per line</label>
          <textarea id="trackers" name="trackers" rows="3" spellcheck="false">${this.config.trackers.join('\n')}</textarea>
          <p class="hint">WebSocket trackers only help friends find each other; they never see your data or IP addresses.</p>
          <label for="ice">ICE servers (JSON)</label>
          <textarea id="ice" name="ice" rows="3" spellcheck="false">${JSON.stringify(this.config.iceServers)}</textarea>
          <div class="row" style="margin-top:10px"><button type="submit">Save settings</button></div>
          <p class=${this.error ? 'error' : 'hint'} role="status" aria-live="polite">${this.error || this.message}</p>
        </form>
      </details>`
  }
}

customElements.define('kith-settings', KithSettings)
declare global { interface HTMLElementTagNameMap { 'kith-settings': KithSettings } }
