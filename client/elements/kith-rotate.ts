// "Someone else has one of my devices" (docs/security.md, "Recovery key and
// rotation"): with the twelve recovery words, the person gives their
// identity a new signing key, keeps the devices still theirs and revokes
// the others; friends follow the next time they meet any kept device. Four
// steps, each a heading that takes focus: the words, which devices are
// still yours, a summary to confirm, done. The words stay in this element
// only until the step ends, whichever way.
import { LitElement, html, css } from 'lit'
import { live } from 'lit/directives/live.js'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { plainError } from './format'
import type { DevicesApi, DeviceView } from '../api/devices-api'

type Step = 'status' | 'words' | 'choose' | 'confirm' | 'rotating' | 'done'

export class KithRotate extends LitElement {
  static override styles = [sharedStyles, css`
    textarea { width: 100%; box-sizing: border-box; min-height: 5.5em; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 1rem; }
    ul.summary { margin: 4px 0 12px; padding-left: 1.2em; }
    .role { color: #59636e; font-size: .875rem; }
  `]

  static override properties = {
    api: { attribute: false },
    step: { state: true },
    words: { state: true },
    keep: { state: true },
    error: { state: true }
  }

  declare api: DevicesApi
  declare step: Step
  /** As typed; emptied when the flow ends. */
  declare words: string
  /** Device keys (hex) the person keeps; the others are revoked. */
  declare keep: Set<string>
  declare error: string
  private readonly since = new ApiQuery(this, () => this.api, async (api) => ({ at: await api.recoverySince() }))
  private readonly devices = new ApiQuery(this, () => this.api, async (api) => (await api.listDevices()).filter((d) => d.revokedAt === null))

  constructor () {
    super()
    this.step = 'status'
    this.words = ''
    this.keep = new Set()
    this.error = ''
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.words = ''
  }

  private async go (step: Step, focus = 'h2'): Promise<void> {
    this.step = step
    this.error = ''
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(focus)?.focus()
  }

  private start (): void {
    this.words = ''
    void this.go('words', 'textarea')
  }

  private cancel (): void {
    this.words = ''
    this.keep = new Set()
    void this.go('status', 'button.start')
  }

  private async wordsEntered (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    try {
      // Typos and words out of place, in plain words, before anything else.
      ;(await import('../../shared/identity/recovery-words')).checkRecoveryWords(this.words)
    } catch (err) {
      this.error = plainError(err)
      this.renderRoot.querySelector('textarea')?.focus()
      return
    }
    // Every device kept to begin with: the person unticks the ones not theirs.
    this.keep = new Set((this.devices.value ?? []).map((d) => d.key))
    await this.go('choose')
  }

  private toggle (key: string, on: boolean): void {
    const keep = new Set(this.keep)
    if (on) keep.add(key)
    else keep.delete(key)
    this.keep = keep
  }

  private async rotate (): Promise<void> {
    const devices = this.devices.value ?? []
    this.step = 'rotating'
    this.error = ''
    try {
      await this.api.rotate(this.words, {
        keep: devices.filter((d) => this.keep.has(d.key)).map((d) => d.key),
        revoke: devices.filter((d) => !this.keep.has(d.key)).map((d) => d.key)
      })
      this.words = ''
      await this.go('done')
    } catch (err) {
      this.step = 'confirm'
      this.error = plainError(err)
    }
  }

  private renderStatus () {
    if (this.since.value?.at == null || !this.api?.canManageDevices) return ''
    return html`
      <p class="hint lead">If a laptop or phone of yours is lost or stolen, take your identity back with your recovery words. Your identity gets a new key; your friends follow it the next time they meet any of your devices, and refuse the devices you let go, whoever holds them.</p>
      <div class="actions"><button class="start secondary" @click=${this.start}>Take my identity back</button></div>`
  }

  private renderWords () {
    return html`
      <form @submit=${this.wordsEntered} novalidate>
        <div class="field">
          <label for="rotate-words">Your twelve recovery words, in order</label>
          <textarea id="rotate-words" autocomplete="off" autocapitalize="none" spellcheck="false" aria-describedby="rotate-error"
            .value=${live(this.words)} @input=${(e: Event) => { this.words = (e.target as HTMLTextAreaElement).value; this.error = '' }}></textarea>
        </div>
        <p class="hint">From the paper you wrote them on. Kith does not keep them.</p>
        <div class="actions">
          <button type="submit">Next</button>
          <button type="button" class="secondary" @click=${this.cancel}>Cancel</button>
        </div>
      </form>`
  }

  private renderChoose (devices: DeviceView[]) {
    return html`
      <fieldset>
        <legend>Which devices are still yours?</legend>
        ${devices.map((d) => html`
          <label class="choice">
            <input type="checkbox" .checked=${live(d.thisDevice || this.keep.has(d.key))} ?disabled=${d.thisDevice}
              @change=${(e: Event) => this.toggle(d.key, (e.target as HTMLInputElement).checked)}>
            <span>${d.name} <span class="role">${d.thisDevice ? '(this device)' : d.role === 'server' ? '(server)' : ''}</span></span>
          </label>`)}
      </fieldset>
      <p class="hint">Untick every device someone else may have. It is revoked: it stops syncing, and your friends refuse it.</p>
      <div class="actions">
        <button @click=${() => this.go('confirm')}>Next</button>
        <button class="secondary" @click=${() => this.go('words', 'textarea')}>Back</button>
        <button class="secondary" @click=${this.cancel}>Cancel</button>
      </div>`
  }

  private renderConfirm (devices: DeviceView[]) {
    const kept = devices.filter((d) => d.thisDevice || this.keep.has(d.key))
    const revoked = devices.filter((d) => !d.thisDevice && !this.keep.has(d.key))
    const busy = this.step === 'rotating'
    return html`
      <p>Keep:</p>
      <ul class="summary" data-testid="rotate-keep">${kept.map((d) => html`<li>${d.name}</li>`)}</ul>
      <p>Revoke:</p>
      <ul class="summary" data-testid="rotate-revoke">${revoked.length === 0 ? html`<li>none</li>` : revoked.map((d) => html`<li>${d.name}</li>`)}</ul>
      <p class="warn">This cannot be undone. Afterwards, link and revoke devices from this device: it alone holds your new key.</p>
      <div class="actions">
        <button class="danger" ?disabled=${busy} @click=${this.rotate}>${busy ? 'Replacing your key…' : revoked.length === 0 ? 'Replace my key' : `Replace my key and revoke ${revoked.length === 1 ? '1 device' : `${revoked.length} devices`}`}</button>
        <button class="secondary" ?disabled=${busy} @click=${() => this.go('choose')}>Back</button>
        <button class="secondary" ?disabled=${busy} @click=${this.cancel}>Cancel</button>
      </div>`
  }

  override render () {
    if (this.step === 'status' && (this.since.value?.at == null || !this.api?.canManageDevices)) return html``
    const devices = (this.devices.value ?? []).filter((d) => d.revokedAt === null)
    const heading = { status: 'Someone else has one of my devices', words: 'Enter your recovery words', choose: 'Keep or revoke your devices', confirm: 'Replace your key', rotating: 'Replace your key', done: 'Your identity has a new key' }[this.step]
    return html`
      <section class="card" aria-labelledby="rotate-heading" data-testid="rotate">
        <h2 id="rotate-heading" tabindex="-1">${heading}</h2>
        ${this.step === 'status' ? this.renderStatus() : ''}
        ${this.step === 'words' ? this.renderWords() : ''}
        ${this.step === 'choose' ? this.renderChoose(devices) : ''}
        ${this.step === 'confirm' || this.step === 'rotating' ? this.renderConfirm(devices) : ''}
        ${this.step === 'done'
          ? html`<p class="ok" data-testid="rotate-done">Done. Your friends follow your new key the next time they meet any of your devices, and from then on refuse the devices you revoked.</p>`
          : ''}
        <p class="error" role="alert" id="rotate-error" data-testid="rotate-error">${this.error}</p>
      </section>`
  }
}

customElements.define('kith-rotate', KithRotate)
declare global { interface HTMLElementTagNameMap { 'kith-rotate': KithRotate } }
