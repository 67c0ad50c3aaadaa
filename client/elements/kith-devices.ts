// The Devices tab: my own devices (DESIGN §6a), revoking one, linking a new
// one (kith-link-device.ts) and this browser becoming one of them. A server
// device only lists.
import { LitElement, html, css } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import './kith-recovery-words'
import './kith-rotate'
import './kith-link-device'
import { formatDay, plainError, timeAgo } from './format'
import { FIRST_DEVICE_NAME, MAX_DEVICE_NAME, normalizeDeviceName } from '../../shared/identity/device-certificate'
import type { DeviceRole, DevicesApi, DeviceView } from '../api/devices-api'

export const ROLE_WORDS: Record<DeviceRole, string> = { full: 'Full device', server: 'Server' }

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
  `]

  static override properties = {
    api: { attribute: false },
    confirming: { state: true },
    revoking: { state: true },
    listError: { state: true },
    thisName: { state: true },
    thisNameError: { state: true }
  }

  declare api: DevicesApi
  /** The key of the device whose revocation waits for a "yes". */
  declare confirming: string | null
  declare revoking: boolean
  declare listError: string
  declare thisName: string
  declare thisNameError: string
  private readonly devices = new ApiQuery(this, () => this.api, (api) => api.listDevices())
  private readonly canLinkHere = new ApiQuery(this, () => this.api, (api) => api.canLinkThisDevice())

  constructor () {
    super()
    this.confirming = null
    this.revoking = false
    this.listError = ''
    this.thisName = ''
    this.thisNameError = ''
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
    const canRevoke = this.api.canManageDevices && this.api.signingElsewhere === null && !d.thisDevice && !revoked
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
        ${manage && this.api.signingElsewhere ? html`<p class="note-box" data-testid="rotated-note">${this.api.signingElsewhere}</p>` : ''}
        ${this.devices.error ? html`<p class="error" role="alert">Could not load your devices: ${this.devices.error}</p>` : ''}
        ${this.listError ? html`<p class="error" role="alert">${this.listError}</p>` : ''}
        ${devices === null
          ? html`<p class="hint">Loading…</p>`
          : html`<ul class="entries" aria-label="My devices">${repeat([...devices].sort(byShownOrder), (d) => d.key, (d) => this.renderDevice(d))}</ul>`}
      </section>
      <kith-recovery-words .api=${this.api}></kith-recovery-words>
      <kith-rotate .api=${this.api}></kith-rotate>
      ${manage && this.api.signingElsewhere === null
        ? html`<kith-link-device .api=${this.api} .unnamedHere=${this.unnamedHere} @device-linked=${() => this.devices.refresh()}></kith-link-device>`
        : ''}`
  }
}

customElements.define('kith-devices', KithDevices)
declare global { interface HTMLElementTagNameMap { 'kith-devices': KithDevices } }
