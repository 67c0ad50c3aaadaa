// The Devices tab: my own devices (DESIGN §6a), linking a new one the way
// Signal does (paste its link code, compare the verification code, approve
// with a name and a role) and revoking one. A server device only lists.
import { LitElement, html, css } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import './kith-recovery-words'
import './kith-rotate'
import { formatDay, isAbort, plainError, spacedCode, timeAgo } from './format'
import { FIRST_DEVICE_NAME, MAX_DEVICE_NAME, normalizeDeviceName } from '../../shared/identity/device-certificate'
import type { DeviceRole, DevicesApi, DeviceView, LinkApproval } from '../api/devices-api'

export const ROLE_WORDS: Record<DeviceRole, string> = { full: 'Full device', server: 'Server' }

type LinkPhase = 'idle' | 'opening' | 'approving' | 'saving'

/** This device first, then the others by when they were linked, revoked ones last. */
function byShownOrder (a: DeviceView, b: DeviceView): number {
  const rank = (d: DeviceView): number => d.thisDevice ? 0 : d.revokedAt === null ? 1 : 2
  return rank(a) - rank(b) || a.linkedAt - b.linkedAt
}

export class KithDevices extends LitElement {
  static override styles = [sharedStyles, css`
    li.device .head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
    li.device .name { overflow-wrap: anywhere; }
    li.device.revoked .name, li.device.revoked .meta { color: #59636e; }
    li.device .meta { margin-top: 4px; gap: 4px 6px; }
    li.device .meta > span + span::before { content: '·'; margin-right: 6px; color: #59636e; font-weight: 400; }
    .online { color: #1b5e20; font-weight: 600; }
    .approval { background: #f3f6fb; border-radius: 10px; padding: 12px 14px; margin-top: 12px; }
    .approval h3 { margin-bottom: 8px; }
    .code-big { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 2rem; font-weight: 700; letter-spacing: .08em; color: #1d2530; background: #fff; border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 6px 14px; display: inline-block; margin: 4px 0 10px; }
    .role-hint { color: #59636e; font-size: .85rem; margin: -2px 0 6px 1.9em; }
    .result:focus { outline: none; }
    .result:focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  `]

  static override properties = {
    api: { attribute: false },
    confirming: { state: true },
    revoking: { state: true },
    listError: { state: true },
    code: { state: true },
    phase: { state: true },
    approval: { state: true },
    approveName: { state: true },
    approveRole: { state: true },
    linkError: { state: true },
    linked: { state: true },
    thisName: { state: true },
    ownName: { state: true },
    thisNameError: { state: true }
  }

  declare api: DevicesApi
  /** The key of the device whose revocation waits for a "yes". */
  declare confirming: string | null
  declare revoking: boolean
  declare listError: string
  declare code: string
  declare phase: LinkPhase
  declare approval: LinkApproval | null
  declare approveName: string
  declare approveRole: DeviceRole
  declare linkError: string
  declare linked: string
  declare thisName: string
  declare thisNameError: string
  /** This device's own name, asked while it still has the made-up one. */
  declare ownName: string
  private readonly devices = new ApiQuery(this, () => this.api, (api) => api.listDevices())
  private readonly canLinkHere = new ApiQuery(this, () => this.api, (api) => api.canLinkThisDevice())
  private abort: AbortController | null = null

  constructor () {
    super()
    this.confirming = null
    this.revoking = false
    this.listError = ''
    this.code = ''
    this.phase = 'idle'
    this.approval = null
    this.approveName = ''
    this.approveRole = 'full'
    this.linkError = ''
    this.linked = ''
    this.thisName = ''
    this.thisNameError = ''
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

  // — revoking —

  private askRevoke (d: DeviceView): void {
    this.listError = ''
    this.confirming = d.key
    void this.focusOn('.confirm [data-confirm-text]')
  }

  private keep (d: DeviceView): void {
    this.confirming = null
    void this.focusOn(`[data-revoke="${d.key}"]`)
  }

  private async revoke (d: DeviceView): Promise<void> {
    this.revoking = true
    try {
      await this.api.revokeDevice(d.key)
      this.confirming = null
      await this.devices.reload()
      void this.focusOn('#devices-heading')
    } catch (err) {
      this.listError = plainError(err)
    } finally {
      this.revoking = false
    }
  }

  // — linking a new device —

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
    this.devices.refresh()
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

  /** This device still has the name it was made with (FIRST_DEVICE_NAME). */
  private get unnamedHere (): boolean {
    return this.devices.value?.some((d) => d.thisDevice && d.name === FIRST_DEVICE_NAME) ?? false
  }

  // — this browser as another device —

  private linkThisBrowser (ev: SubmitEvent): void {
    ev.preventDefault()
    // Asked, not made up: the list of devices shows this name on every device.
    let name: string
    try {
      name = normalizeDeviceName(this.thisName)
    } catch {
      this.thisNameError = 'Give this browser a name you will recognise in your list of devices, such as “Work laptop”.'
      void this.focusOn('#this-device-name')
      return
    }
    location.hash = `#/link?name=${encodeURIComponent(name)}`
  }

  // — rendering —

  private lastSeen (d: DeviceView) {
    if (d.revokedAt !== null || d.thisDevice) return ''
    if (d.online) return html`<span class="online"><span class="dot open" aria-hidden="true"></span>online now</span>`
    return html`<span>last seen ${d.lastSeenAt === null ? 'never' : timeAgo(d.lastSeenAt)}</span>`
  }

  private renderConfirm (d: DeviceView) {
    return html`
      <div class="confirm" role="group" aria-labelledby="confirm-text-${d.key}">
        <p id="confirm-text-${d.key}" data-confirm-text tabindex="-1"><strong>Revoke “${d.name}”?</strong></p>
        <p>It stops syncing at once, and your friends refuse it once they are told (friends who are offline are told when they are back).</p>
        ${d.role === 'full'
          ? html`<p class="warn" data-testid="full-device-warning">It was a full device, so it held your identity key. If it was lost or stolen, treat your identity as exposed: revoking does not take that key back.</p>`
          : ''}
        <div class="actions">
          <button class="danger" ?disabled=${this.revoking} @click=${() => this.revoke(d)}>${this.revoking ? 'Revoking…' : `Revoke ${d.name}`}</button>
          <button class="secondary" ?disabled=${this.revoking} @click=${() => this.keep(d)}>Keep it</button>
        </div>
      </div>`
  }

  private renderDevice (d: DeviceView) {
    const revoked = d.revokedAt !== null
    const canRevoke = this.api.canManageDevices && !this.api.rotated && !d.thisDevice && !revoked
    return html`
      <li class="device ${revoked ? 'revoked' : ''}" data-testid="device" aria-labelledby="device-name-${d.key}">
        <div class="head">
          <strong class="name" id="device-name-${d.key}">${d.name}</strong>
          ${d.thisDevice ? html`<span class="badge green">This device</span>` : ''}
          <span class="badge ${revoked ? 'grey' : d.role === 'full' ? '' : 'amber'}">${ROLE_WORDS[d.role]}</span>
          ${d.revokedAt !== null ? html`<span class="badge red" data-testid="revoked">Revoked ${formatDay(d.revokedAt)}</span>` : ''}
        </div>
        <div class="meta">
          <span>linked ${formatDay(d.linkedAt)}</span>
          ${this.lastSeen(d)}
          ${d.pendingChanges === null ? '' : html`<span data-testid="device-sync">${d.pendingChanges === 0 ? 'in sync' : `${d.pendingChanges.toLocaleString('en')} ${d.pendingChanges === 1 ? 'change' : 'changes'} to catch up`}</span>`}
        </div>
        ${canRevoke && this.confirming !== d.key
          ? html`<div class="actions">
              <button class="danger secondary small" data-revoke=${d.key} aria-label="Revoke ${d.name}" @click=${() => this.askRevoke(d)}>Revoke</button>
            </div>`
          : ''}
        ${canRevoke && this.confirming === d.key ? this.renderConfirm(d) : ''}
      </li>`
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

  private renderLink () {
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

  private renderLinkThisBrowser () {
    return html`
      <section class="card" aria-labelledby="this-browser-heading" data-testid="add-this-browser">
        <h2 id="this-browser-heading">Add this browser to your Kith</h2>
        <p class="hint lead">Already use Kith on another laptop or phone? This browser has no friends or items of its own yet, so it can become one of your devices there. It shows a code that you approve on that device.</p>
        <form @submit=${this.linkThisBrowser} novalidate>
          <label for="this-device-name">Name for this browser</label>
          <input id="this-device-name" maxlength=${MAX_DEVICE_NAME} autocomplete="off" placeholder="e.g. Work laptop" .value=${this.thisName}
            aria-invalid=${this.thisNameError ? 'true' : 'false'} aria-describedby="this-name-error"
            @input=${(ev: Event) => { this.thisName = (ev.target as HTMLInputElement).value; this.thisNameError = '' }}>
          <p class="error" role="alert" id="this-name-error">${this.thisNameError}</p>
          <div class="actions"><button type="submit">Show a link code</button></div>
        </form>
      </section>`
  }

  override render () {
    const devices = this.devices.value
    const manage = this.api?.canManageDevices ?? false
    // A browser with nothing of its own yet is most likely a new device of
    // someone who already uses Kith: that comes first.
    const fresh = this.canLinkHere.value === true
    return html`
      ${fresh ? this.renderLinkThisBrowser() : ''}
      <section class="card" aria-labelledby="devices-heading">
        <h2 id="devices-heading" tabindex="-1">My devices</h2>
        ${manage ? '' : html`<p class="note-box" data-testid="server-note">This is a server device: devices are linked and revoked from a full device (your own laptop or phone).</p>`}
        ${manage && this.api.rotated ? html`<p class="note-box" data-testid="rotated-note">You replaced your key with your recovery words. Linking a new device is not possible after that yet; to revoke a device, use your recovery words again below.</p>` : ''}
        ${this.devices.error ? html`<p class="error" role="alert">Could not load your devices: ${this.devices.error}</p>` : ''}
        ${this.listError ? html`<p class="error" role="alert">${this.listError}</p>` : ''}
        ${devices === null
          ? html`<p class="hint">Loading…</p>`
          : html`<ul class="entries" aria-label="My devices">${repeat([...devices].sort(byShownOrder), (d) => d.key, (d) => this.renderDevice(d))}</ul>`}
      </section>
      <kith-recovery-words .api=${this.api}></kith-recovery-words>
      <kith-rotate .api=${this.api}></kith-rotate>
      ${manage && !this.api.rotated ? this.renderLink() : ''}`
  }
}

customElements.define('kith-devices', KithDevices)
declare global { interface HTMLElementTagNameMap { 'kith-devices': KithDevices } }
