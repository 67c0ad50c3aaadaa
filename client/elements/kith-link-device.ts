// Linking a new device the way Signal does (DESIGN §6a): paste its link
// code, compare the verification code, approve with a name and a role. Part
// of the Devices tab (kith-devices.ts), which shows the list it adds to.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { isAbort, plainError, spacedCode } from './format'
import { MAX_DEVICE_NAME, normalizeDeviceName } from '../../shared/identity/device-certificate'
import type { DeviceRole, DevicesApi, LinkApproval } from '../api/devices-api'

type LinkPhase = 'idle' | 'opening' | 'approving' | 'saving'

/** Fires `device-linked` once a device is linked (the list then reloads). */
export class KithLinkDevice extends LitElement {
  static override styles = [sharedStyles, css`
    .approval { background: #f3f6fb; border-radius: 10px; padding: 12px 14px; margin-top: 12px; }
    .approval h3 { margin-bottom: 8px; }
    .code-big { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 2rem; font-weight: 700; letter-spacing: .08em; color: #1d2530; background: #fff; border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 6px 14px; display: inline-block; margin: 4px 0 10px; }
    .role-hint { color: #59636e; font-size: .85rem; margin: -2px 0 6px 1.9em; }
    .result:focus { outline: none; }
    .result:focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  `]

  static override properties = {
    api: { attribute: false },
    unnamedHere: { attribute: false },
    code: { state: true },
    phase: { state: true },
    approval: { state: true },
    approveName: { state: true },
    approveRole: { state: true },
    linkError: { state: true },
    linked: { state: true },
    ownName: { state: true }
  }

  declare api: DevicesApi
  /** This device still has the name it was made with (FIRST_DEVICE_NAME). */
  declare unnamedHere: boolean
  declare code: string
  declare phase: LinkPhase
  declare approval: LinkApproval | null
  declare approveName: string
  declare approveRole: DeviceRole
  declare linkError: string
  declare linked: string
  /** This device's own name, asked while it still has the made-up one. */
  declare ownName: string
  private abort: AbortController | null = null

  constructor () {
    super()
    this.unnamedHere = false
    this.code = ''
    this.phase = 'idle'
    this.approval = null
    this.approveName = ''
    this.approveRole = 'full'
    this.linkError = ''
    this.linked = ''
    this.ownName = ''
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.abort?.abort()
    this.approval?.cancel()
    this.approval = null
    this.phase = 'idle'
  }

  private async focusOn (selector: string): Promise<void> {
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(selector)?.focus()
  }

  private async openCode (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.linkError = ''
    this.linked = ''
    const input = this.code.trim()
    if (!input) {
      this.linkError = 'Paste the link code the new device shows.'
      void this.focusOn('#link-code')
      return
    }
    const abort = new AbortController()
    this.abort = abort
    this.phase = 'opening'
    try {
      const approval = await this.api.openLinkCode(input, abort.signal)
      if (abort.signal.aborted) {
        approval.cancel()
        return
      }
      this.approval = approval
      this.approveName = approval.proposedName
      // A browser is the person's own laptop or phone unless they say
      // otherwise; only a device that asked to be a server (the headless
      // runner always does) is offered as one.
      this.approveRole = approval.serverOnly ? 'server' : 'full'
      this.phase = 'approving'
      void this.focusOn('#verify-heading')
    } catch (err) {
      this.phase = 'idle'
      this.linkError = abort.signal.aborted || isAbort(err)
        ? 'Cancelled. You can paste the code again.'
        : plainError(err)
      void this.focusOn('#link-code')
    } finally {
      if (this.abort === abort) this.abort = null
    }
  }

  private stopOpening (): void {
    this.abort?.abort()
  }

  private async approve (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const approval = this.approval
    if (!approval) return
    this.linkError = ''
    let name: string
    try {
      name = normalizeDeviceName(this.approveName)
    } catch (err) {
      this.linkError = plainError(err)
      void this.focusOn('#device-name')
      return
    }
    // Linking its first other device is when this one's name starts to
    // matter (both lists show it): asked here rather than made up.
    let ownName: string | null = null
    if (this.unnamedHere) {
      try {
        ownName = normalizeDeviceName(this.ownName)
      } catch {
        this.linkError = 'Give this device a name too, such as “Sam’s laptop”: your list of devices shows it.'
        void this.focusOn('#own-device-name')
        return
      }
    }
    const role: DeviceRole = approval.serverOnly ? 'server' : this.approveRole
    this.phase = 'saving'
    try {
      await approval.approve({ name, role })
    } catch (err) {
      this.phase = 'approving'
      this.linkError = plainError(err)
      return
    }
    this.approval = null
    this.phase = 'idle'
    this.code = ''
    this.linked = `Linked ${name}.`
    // After the link, not before: the new device stored this one's
    // certificate from the handshake (the old name), and a later change
    // is what sync carries over it.
    if (ownName !== null) {
      try {
        await this.api.renameThisDevice(ownName)
      } catch (err) {
        this.linkError = `This device keeps its old name: ${plainError(err)}`
      }
    }
    this.dispatchEvent(new Event('device-linked'))
    void this.focusOn('.result')
  }

  private cancelApproval (): void {
    this.approval?.cancel()
    this.approval = null
    this.phase = 'idle'
    this.linkError = ''
    this.linked = 'Not linked. The new device was not approved.'
    void this.focusOn('#link-code')
  }

  private renderApproval (a: LinkApproval) {
    const saving = this.phase === 'saving'
    return html`
      <form class="approval" @submit=${this.approve} novalidate aria-labelledby="verify-heading" data-testid="link-approval">
        <h3 id="verify-heading" tabindex="-1">Check that the other screen shows the same code</h3>
        <p class="code-big" data-testid="verification-code">${spacedCode(a.verificationCode)}</p>
        <p class="hint lead">If the codes differ, cancel: someone else’s device may have sent that link code.</p>
        <div class="field">
          <label for="device-name">Name of the new device</label>
          <input id="device-name" maxlength=${MAX_DEVICE_NAME} autocomplete="off" .value=${this.approveName} ?disabled=${saving}
            @input=${(ev: Event) => { this.approveName = (ev.target as HTMLInputElement).value }}>
        </div>
        ${this.unnamedHere
          ? html`<div class="field">
              <label for="own-device-name">Name of this device, the one you are using now</label>
              <input id="own-device-name" maxlength=${MAX_DEVICE_NAME} autocomplete="off" placeholder="e.g. Sam’s laptop" .value=${this.ownName} ?disabled=${saving}
                @input=${(ev: Event) => { this.ownName = (ev.target as HTMLInputElement).value }}>
            </div>`
          : ''}
        <fieldset ?disabled=${saving}>
          <legend>What it may do</legend>
          <label class="choice"><input type="radio" name="role" value="full" ?disabled=${a.serverOnly} aria-describedby="role-full-hint"
            .checked=${!a.serverOnly && this.approveRole === 'full'} @change=${() => { this.approveRole = 'full' }}>Full device</label>
          <p class="role-hint" id="role-full-hint">Your own laptop or phone: holds your identity key, links and revokes devices, makes friends.</p>
          <label class="choice"><input type="radio" name="role" value="server" aria-describedby="role-server-hint"
            .checked=${a.serverOnly || this.approveRole === 'server'} @change=${() => { this.approveRole = 'server' }}>Server</label>
          <p class="role-hint" id="role-server-hint">A Pi or a computer left on: serves your friends and syncs, never holds your identity key.</p>
          ${a.serverOnly ? html`<p class="hint" data-testid="server-only">This device asked to be a server, so it cannot be a full device.</p>` : ''}
        </fieldset>
        <p class="hint" role="status" data-testid="confirm-there">${saving ? 'Now confirm on the new device: it shows your name, your address and this code.' : ''}</p>
        <div class="actions">
          <button type="submit" ?disabled=${saving}>${saving ? 'Waiting for the new device…' : 'Approve'}</button>
          <button type="button" class="secondary" ?disabled=${saving} @click=${this.cancelApproval}>Cancel</button>
        </div>
      </form>`
  }

  override render () {
    const opening = this.phase === 'opening'
    return html`
      <section class="card" aria-labelledby="link-heading">
        <h2 id="link-heading">Link a device</h2>
        ${this.approval
          ? this.renderApproval(this.approval)
          : html`
            <p class="hint lead">On the new device, open Kith’s Devices tab and choose “Add this browser to your Kith” (or start the headless runner there). It shows a link code: paste it here.</p>
            <form @submit=${this.openCode} novalidate>
              <label for="link-code">Link code</label>
              <input id="link-code" autocomplete="off" spellcheck="false" placeholder="Paste the code or the link" .value=${this.code}
                ?disabled=${opening} aria-invalid=${this.linkError ? 'true' : 'false'} aria-describedby="link-error"
                @input=${(ev: Event) => { this.code = (ev.target as HTMLInputElement).value; this.linkError = '' }}>
              <div class="actions">
                <button type="submit" ?disabled=${opening}>Submit</button>
                ${opening ? html`<button type="button" class="secondary" @click=${this.stopOpening}>Cancel</button>` : ''}
              </div>
            </form>`}
        <div role="status" aria-live="polite">
          ${opening ? html`<div class="progress" data-testid="link-progress"><span class="spinner" aria-hidden="true"></span>Looking for the new device… Keep its screen open.</div>` : ''}
          ${this.linked ? html`<p class="result ${this.linked.startsWith('Linked') ? 'ok' : ''} space-above" tabindex="-1" data-testid="link-result">${this.linked}</p>` : ''}
        </div>
        <p class="error" role="alert" id="link-error" data-testid="link-error">${this.linkError}</p>
      </section>`
  }

}

customElements.define('kith-link-device', KithLinkDevice)
declare global { interface HTMLElementTagNameMap { 'kith-link-device': KithLinkDevice } }
