// The new device's side of linking (DESIGN §6a): show a single-use link code
// (text and QR) until a full device of the owner opens it, then the
// verification code to compare, then "linked" (the page reloads as that
// person's device). Driven by a LinkingSession.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { copyOrSelect } from './clipboard'
import { countdown, spacedCode } from './format'
import { ChangeListener } from './listen'
import { qrDataUrl } from './qr'
import { shortAddress } from '../../shared/identity/identity'
import type { LinkingSession, LinkingState } from '../api/devices-api'

const HEADINGS: Record<LinkingState['step'], string> = {
  waiting: 'Link this browser to your Kith',
  confirming: 'Compare the codes',
  accepting: 'Link this browser?',
  linked: 'Linked',
  failed: 'Linking did not work'
}

export class KithLinkThisDevice extends LitElement {
  static override styles = [sharedStyles, css`
    .shown { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
    .shown img { width: 200px; height: 200px; max-width: 100%; background: #fff; border-radius: 8px; padding: 6px; border: 1px solid var(--border, #d9dde3); box-sizing: border-box; }
    .shown .text { flex: 1; min-width: 220px; }
    ol.steps { margin: 0 0 10px; padding-left: 1.3em; }
    ol.steps li { margin-bottom: 4px; }
    .code-big { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 2.25rem; font-weight: 700; letter-spacing: .08em; color: #1d2530; background: #f3f6fb; border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 6px 16px; display: inline-block; margin: 4px 0 12px; }
    h2:focus { outline: none; }
    h2:focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  `]

  static override properties = {
    session: { attribute: false },
    copied: { state: true },
    qr: { state: true },
    now: { state: true }
  }

  declare session: LinkingSession
  declare copied: string
  /** The QR code of `qrFor`, once made. */
  declare qr: string | null
  declare now: number
  private qrFor = ''
  private shownStep: LinkingState['step'] | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  protected readonly changes = new ChangeListener(this, () => this.session)

  constructor () {
    super()
    this.copied = ''
    this.qr = null
    this.now = Date.now()
  }

  override connectedCallback (): void {
    super.connectedCallback()
    this.requestUpdate() // restarts the countdown if it was shown before
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.tick(false)
  }

  /** The countdown runs only while a code is waiting on screen. */
  private tick (on: boolean): void {
    if (on && !this.timer) this.timer = setInterval(() => { this.now = Date.now() }, 1000)
    if (!on && this.timer) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  protected override willUpdate (): void {
    const state = this.session?.state
    const text = state && (state.step === 'waiting' || state.step === 'confirming') ? state.codeText : ''
    if (text !== this.qrFor) {
      this.qrFor = text
      this.qr = null
      this.copied = ''
      if (text) void qrDataUrl(text).then((qr) => { if (this.qrFor === text) this.qr = qr })
    }
  }

  protected override updated (): void {
    const step = this.session?.state.step ?? null
    this.tick(this.isConnected && step === 'waiting')
    if (step === this.shownStep) return
    // Not on first showing: the page has just opened and the person reads from the top.
    const moved = this.shownStep !== null
    this.shownStep = step
    // The buttons of the last step are gone: put focus where the new one starts.
    if (moved) this.renderRoot.querySelector<HTMLElement>('h2')?.focus()
  }

  private async copy (text: string): Promise<void> {
    this.copied = await copyOrSelect(text, this.renderRoot.querySelector('[data-testid="link-code-text"]'))
      ? 'Code copied. Paste it on your other device.'
      : 'Copying was not allowed here; the code is selected, press Ctrl+C.'
  }

  private cancel (): void {
    this.session.cancel()
    location.hash = '#/devices'
  }

  /** One sentence per step for screen readers, spoken when it changes. */
  private spoken (state: LinkingState): string {
    switch (state.step) {
      case 'waiting': return state.codeText ? 'A link code is shown. Waiting for your other device.' : ''
      case 'confirming': return `Your other device opened the code. Check that it shows ${spacedCode(state.verificationCode)}, then approve there.`
      case 'accepting': return `Approved on the other device. Link this browser to ${state.ownerName || 'this person'}'s Kith? Confirm here.`
      case 'linked': return 'Linked.'
      case 'failed': return ''
    }
  }

  private renderWaiting (state: Extract<LinkingState, { step: 'waiting' }>) {
    // The linking code is still loading (client/api/lazy-linking.ts): a moment.
    if (!state.codeText) return html`<p class="hint" role="status">Making a link code…</p>`
    const left = countdown(state.expiresAt, this.now)
    return html`
      <div class="shown">
        ${this.qr && left ? html`<img src=${this.qr} alt="QR code of the link code. Scan it with your other device’s camera.">` : ''}
        <div class="text">
          <ol class="steps">
            <li>On your laptop or phone where Kith runs as you, open <strong>Devices</strong> → <strong>Link a device</strong>.</li>
            <li>Paste this code there, or scan the QR code.</li>
          </ol>
          <code class="address" data-testid="link-code-text">${state.codeText}</code>
          <p class="hint" data-testid="link-expiry">${left ? `It works once and expires ${left}.` : html`<strong class="warn">This code has expired.</strong> Get a new one.`}</p>
          <div class="actions">
            ${left ? html`<button @click=${() => this.copy(state.codeText)}>Copy code</button>` : ''}
            <button class=${left ? 'secondary' : ''} @click=${() => this.session.restart()}>New code</button>
            <button class="secondary" @click=${this.cancel}>Cancel</button>
          </div>
          <p class="hint" role="status" aria-live="polite">${this.copied}</p>
        </div>
      </div>`
  }

  private renderState (state: LinkingState) {
    switch (state.step) {
      case 'waiting': return this.renderWaiting(state)
      case 'confirming': return html`
        <p>A device of <strong title=${state.ownerAddress}>${shortAddress(state.ownerAddress)}</strong> opened this code. Check that it shows:</p>
        <p class="code-big" data-testid="link-verification">${spacedCode(state.verificationCode)}</p>
        <p><strong>Approve on that device.</strong> If it shows another code, cancel here.</p>
        <div class="actions"><button class="secondary" @click=${this.cancel}>Cancel</button></div>`
      case 'accepting': return html`
        <p>This browser is about to become <strong data-testid="link-device-name">${state.deviceName}</strong>,
          ${state.role === 'full' ? 'a full device' : 'a server'} of:</p>
        <p class="owner"><strong data-testid="link-owner-name">${state.ownerName || '(no name set)'}</strong><br>
          <code class="address" data-testid="link-owner-address">${state.ownerAddress}</code></p>
        <p>Verification code: <span class="code-big" data-testid="link-verification">${spacedCode(state.verificationCode)}</span></p>
        <p class="hint">Link it only if this is you, and your other device shows the same code.
          ${state.role === 'full' ? 'A full device holds your identity: it can make friends and link devices.' : ''}</p>
        ${state.confirmed
          ? html`<p class="hint" role="status">Linking…</p>`
          : html`<div class="actions">
              <button @click=${() => this.session.confirm()}>Link this browser</button>
              <button class="secondary" @click=${this.cancel}>Cancel</button>
            </div>`}`
      case 'linked': return html`
        <p class="ok" data-testid="link-linked">Linked. Opening Kith as <strong title=${state.ownerAddress}>${shortAddress(state.ownerAddress)}</strong>…</p>`
      case 'failed': return html`
        <p class="error" role="alert" data-testid="link-failed">${state.message}</p>
        <div class="actions">
          <button @click=${() => this.session.restart()}>Try again</button>
        </div>`
    }
  }

  override render () {
    const state = this.session?.state
    if (!state) return html`<section class="card"><p class="hint">Starting…</p></section>`
    return html`
      <section class="card" aria-labelledby="link-this-heading" data-step=${state.step}>
        ${state.step === 'linked' ? '' : html`<p><a href="#/devices">← Back to my server</a></p>`}
        <h2 id="link-this-heading" tabindex="-1">${HEADINGS[state.step]}</h2>
        ${this.renderState(state)}
        <p class="visually-hidden" role="status" aria-live="polite">${this.spoken(state)}</p>
      </section>`
  }
}

customElements.define('kith-link-this-device', KithLinkThisDevice)
declare global { interface HTMLElementTagNameMap { 'kith-link-this-device': KithLinkThisDevice } }
