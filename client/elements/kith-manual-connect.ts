// "Connect without a tracker", on a friend's page: when no tracker works,
// two friends swap two codes by any channel (chat, mail, a QR code on a
// screen). One side makes a connection code and sends it; the other pastes
// it and sends back the answer code it gets; the first pastes that, and the
// connection forms. Both codes are sealed (only the friend can open them)
// and work once, for ten minutes.
import { LitElement, css, html, type PropertyValues } from 'lit'
import { sharedStyles } from './shared-styles'
import { copyOrSelect } from './clipboard'
import { qrDataUrl } from './qr'
import type { KithApi } from '../api/app-api'

type Step =
  | { kind: 'idle' }
  | { kind: 'busy', what: string }
  | { kind: 'my-code', code: string, qr: string | null }
  | { kind: 'my-answer', code: string, qr: string | null }
  | { kind: 'connected' }

export class KithManualConnect extends LitElement {
  static override styles = [sharedStyles, css`
    textarea.code { font-family: ui-monospace, monospace; font-size: .8rem; word-break: break-all; }
    img.qr { display: block; width: min(100%, 320px); margin-top: 8px; }
    h3 { margin: 16px 0 6px; font-size: 1rem; }
  `]

  static override properties = {
    api: { attribute: false },
    address: { type: String },
    friendName: { type: String, attribute: 'friend-name' },
    reachable: { type: Boolean },
    step: { state: true },
    message: { state: true },
    error: { state: true }
  }

  declare api: KithApi
  declare address: string
  declare friendName: string
  /** Connected to the friend already (by a tracker or otherwise). */
  declare reachable: boolean
  declare step: Step
  declare message: string
  declare error: string

  constructor () {
    super()
    this.address = ''
    this.friendName = ''
    this.reachable = false
    this.step = { kind: 'idle' }
    this.message = ''
    this.error = ''
  }

  /** The friend's name as I saved it, for when they are offline (no profile yet). */
  private savedName = ''
  /** Codes are for friends only; someone else's page shows none of this. */
  private isFriend = false

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (!changed.has('address') && !changed.has('api')) return
    if (!this.api || !this.address) return
    const address = this.address
    void this.api.listFriends().then((friends) => {
      if (address !== this.address) return
      const friend = friends.find((f) => f.address === this.address)
      this.isFriend = friend !== undefined
      this.savedName = friend?.displayName ?? ''
      this.requestUpdate()
    }, () => {})
  }

  /** Whether the last thing done was on my side of the exchange (I started). */
  private started = false

  private get name (): string {
    return this.friendName || this.savedName || 'your friend'
  }

  private async focusOn (selector: string): Promise<void> {
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus()
  }

  private async makeCode (): Promise<void> {
    this.started = true
    this.error = ''
    this.message = ''
    this.step = { kind: 'busy', what: 'Making a connection code…' }
    try {
      const code = await this.api.makeConnectionCode(this.address)
      this.step = { kind: 'my-code', code, qr: await qrDataUrl(code) }
      this.message = `Send this code to ${this.name} any way you like, then paste the answer code they send back below. It works once, for ten minutes; keep this page open.`
      await this.focusOn('#my-code')
    } catch (err) {
      this.fail(err)
    }
  }

  private async answer (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.started = false
    const field = this.renderRoot.querySelector<HTMLTextAreaElement>('#their-code')!
    this.error = ''
    this.message = ''
    await this.busyWhile('Opening their code…', async () => {
      const { answerCode, connected } = await this.api.answerConnectionCode(this.address, field.value)
      field.value = ''
      this.step = { kind: 'my-answer', code: answerCode, qr: await qrDataUrl(answerCode) }
      this.message = `Send this answer code back to ${this.name}. You are connected as soon as they paste it; keep this page open.`
      await this.focusOn('#my-answer')
      connected.then(() => this.connected(), (err: unknown) => this.fail(err))
    })
  }

  private async complete (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.started = true
    const field = this.renderRoot.querySelector<HTMLTextAreaElement>('#their-answer')!
    this.error = ''
    await this.busyWhile('Connecting…', async () => {
      await this.api.completeConnection(this.address, field.value)
      this.connected()
    })
  }

  /** Shows `what` as under way while `step` runs. If it fails, a code of mine
   *  still waiting for its answer stays on screen (a mistyped answer does not
   *  spend it: try again with the right one). */
  private async busyWhile (what: string, step: () => Promise<void>): Promise<void> {
    const shown = this.step
    this.step = { kind: 'busy', what }
    try {
      await step()
    } catch (err) {
      if (shown.kind === 'my-code') this.step = shown
      this.fail(err)
    }
  }

  private connected (): void {
    this.step = { kind: 'connected' }
    this.message = `Connected to ${this.name} without a tracker.`
    this.error = ''
    void this.focusOn('[role=status]')
  }

  private fail (err: unknown): void {
    if (this.step.kind === 'busy') this.step = { kind: 'idle' }
    this.error = err instanceof Error ? err.message : 'That did not work.'
    void this.focusOn('[role=alert]')
  }

  private async copy (code: string, selector: string): Promise<void> {
    const copied = await copyOrSelect(code, this.renderRoot.querySelector(selector))
    this.message = copied ? 'Copied.' : 'Selected: press Ctrl+C (or ⌘C) to copy.'
  }

  private codeBox (id: string, label: string, code: string, qr: string | null) {
    return html`
      <label for=${id}>${label}</label>
      <textarea id=${id} class="code" rows="5" readonly data-testid=${id} .value=${code}></textarea>
      <div class="actions"><button class="secondary small" @click=${() => this.copy(code, `#${id}`)}>Copy code</button></div>
      ${qr ? html`<img class="qr" src=${qr} alt=${`QR code of the ${label.toLowerCase()}. ${this.name} can scan it with a phone camera.`}>` : ''}`
  }

  override render () {
    // Not needed while connected, unless an exchange of codes is under way
    // or just ended here (its outcome, or what went wrong, stays in sight).
    const untouched = this.step.kind === 'idle' && !this.error && !this.message
    if (!this.isFriend || (this.reachable && untouched)) return html``
    const s = this.step
    const busy = s.kind === 'busy'
    // Words go next to what they are about: under my code while I started.
    const mineFirst = s.kind === 'my-code' || (s.kind === 'busy' && this.started)
    const feedback = html`
      <p class="hint" role="status" aria-live="polite" tabindex="-1" data-testid="manual-connect-status">${busy ? s.what : this.message}</p>
      ${this.error ? html`<p class="error" role="alert" tabindex="-1" data-testid="manual-connect-error">${this.error}</p>` : ''}`
    return html`
      <details class="card" data-testid="manual-connect">
        <summary><strong>Connect without a tracker</strong></summary>
        <p class="hint lead space-above">When no tracker works, swap two codes with ${this.name} through any channel: a chat, an email, a QR code on your screen. Only ${this.name} can open them, and each works once, for ten minutes.</p>

        <h3>If you start</h3>
        <div class="actions"><button ?disabled=${busy} @click=${this.makeCode}>Make a connection code</button></div>
        ${s.kind === 'my-code'
          ? html`
            ${this.codeBox('my-code', 'Your connection code', s.code, s.qr)}
            <form @submit=${this.complete}>
              <label for="their-answer">Paste their answer code</label>
              <textarea id="their-answer" class="code" rows="3" spellcheck="false" required></textarea>
              <div class="actions"><button type="submit">Connect</button></div>
            </form>`
          : ''}
        ${mineFirst ? feedback : ''}

        <h3>If ${this.name} started</h3>
        <form @submit=${this.answer}>
          <label for="their-code">Paste their connection code</label>
          <textarea id="their-code" class="code" rows="3" spellcheck="false" required ?disabled=${busy}></textarea>
          <div class="actions"><button type="submit" ?disabled=${busy}>Make my answer code</button></div>
        </form>
        ${s.kind === 'my-answer' ? this.codeBox('my-answer', 'Your answer code', s.code, s.qr) : ''}

        ${!mineFirst ? feedback : ''}
      </details>`
  }
}

customElements.define('kith-manual-connect', KithManualConnect)
declare global { interface HTMLElementTagNameMap { 'kith-manual-connect': KithManualConnect } }
