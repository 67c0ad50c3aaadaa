// Trackers, relays and ICE servers are the owner's to choose; and clearing everything
// cached from friends on this device.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import type { KithConfig } from '../../node-tab/person/config'
import { askApp, saveThroughApp } from './ask-app'

export class KithSettings extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    config: { attribute: false },
    message: { state: true },
    error: { state: true },
    purge: { state: true },
    purgeMessage: { state: true }
  }

  declare config: KithConfig
  declare message: string
  declare error: string
  declare purge: 'idle' | 'confirm' | 'busy'
  declare purgeMessage: { text: string, error: boolean } | null

  constructor () {
    super()
    this.config = { trackers: [], iceServers: [] }
    this.message = ''
    this.error = ''
    this.purge = 'idle'
    this.purgeMessage = null
  }

  private async askPurge (): Promise<void> {
    this.purge = 'confirm'
    this.purgeMessage = null
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('.confirm-yes')?.focus()
  }

  private async endPurge (message: { text: string, error: boolean } | null): Promise<void> {
    this.purge = 'idle'
    this.purgeMessage = message
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('.purge-all')?.focus()
  }

  private purgeAll (): void {
    this.purge = 'busy'
    askApp(this, 'purge-caches', {}, (err) => {
      void this.endPurge(err
        ? { text: err.message, error: true }
        : { text: 'Cleared. Nothing from your friends is kept on this device now; open a friend to fetch again.', error: false })
    })
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
    const relayOnly = (form.elements.namedItem('relay-only') as HTMLInputElement).checked
    saveThroughApp(this, 'save-config', { config: { trackers, iceServers, relayOnly } }, 'Saved. Reconnected with the new settings.')
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="cache-heading">
        <h2 id="cache-heading">Copies from friends</h2>
        <p class="hint lead">Items and files you fetched from friends are kept on this device so you can read them offline.</p>
        ${this.purge === 'idle'
          ? html`<button class="secondary purge-all" @click=${this.askPurge}>Clear all cached copies from friends</button>`
          : html`
            <div class="confirm" role="group" aria-label="Confirm clearing all cached copies">
              <p><strong>Clear everything cached from all your friends?</strong></p>
              <p class="hint">You can fetch it again from each friend while you are friends.</p>
              <div class="actions">
                <button class="danger small confirm-yes" ?disabled=${this.purge === 'busy'} @click=${this.purgeAll}>${this.purge === 'busy' ? 'Clearing…' : 'Yes, clear all'}</button>
                <button class="secondary small" ?disabled=${this.purge === 'busy'} @click=${() => this.endPurge(null)}>Keep them</button>
              </div>
            </div>`}
        <p class=${this.purgeMessage?.error ? 'error' : 'hint'} role="status" aria-live="polite" data-testid="purge-all-status">${this.purgeMessage?.text ?? ''}</p>
      </section>
      <details class="card">
        <summary><strong>Network settings</strong> (trackers, relays and ICE servers)</summary>
        <form class="space-above" @submit=${this.submit}>
          <label for="trackers">Trackers, one per line</label>
          <textarea id="trackers" name="trackers" rows="3" spellcheck="false">${this.config.trackers.join('\n')}</textarea>
          <p class="hint">WebSocket trackers only help friends find each other; they see your IP address, never your data or who your friends are.</p>
          <label for="ice">ICE servers (JSON)</label>
          <textarea id="ice" name="ice" rows="3" spellcheck="false" aria-describedby="ice-hint">${JSON.stringify(this.config.iceServers)}</textarea>
          <p class="hint" id="ice-hint">STUN finds your public address; a TURN server relays the connection when two home networks cannot reach each other, e.g. [{"urls": "turn:turn.example.org:3478", "username": "…", "credential": "…"}]. The relay passes encrypted traffic only.</p>
          <div class="field space-above">
            <label><input type="checkbox" name="relay-only" aria-describedby="relay-only-hint" .checked=${this.config.relayOnly === true}> Hide my IP address from friends</label>
            <p class="hint" id="relay-only-hint">Every connection goes through your TURN server, so friends see only the relay’s address. Needs a TURN server above; everything you send and fetch then travels via the relay, which is slower and uses its bandwidth.</p>
          </div>
          <div class="row space-above"><button type="submit">Save settings</button></div>
          <p class=${this.error ? 'error' : 'hint'} role="status" aria-live="polite" data-testid="network-settings-status">${this.error || this.message}</p>
        </form>
        <slot name="trackers"></slot>
        <slot name="relays"></slot>
      </details>`
  }
}

customElements.define('kith-settings', KithSettings)
declare global { interface HTMLElementTagNameMap { 'kith-settings': KithSettings } }
