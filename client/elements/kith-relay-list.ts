// The relays this device uses, like the tracker list beside it: each with
// where it came from and how it is doing (in words, with the relay's own
// last complaint), a way to add and remove one, to go back to the default
// list, and to keep everything off relays. Shown in Network settings.
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import { RELAY_HEALTH_WORDS } from './health-words'
import { SharedBy } from './shared-by'
import type { KithApi } from '../api/app-api'
import type { TrackerStatus } from '../../node-tab/discovery/tracker-client'
import { normalizeTrackerUrl } from '../../shared/rendezvous/tracker-urls'

export class KithRelayList extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    api: { attribute: false },
    status: { attribute: false },
    message: { state: true },
    error: { state: true },
    busy: { state: true }
  }

  declare api: KithApi
  declare status: TrackerStatus[]
  declare message: string
  declare error: boolean
  declare busy: boolean
  private readonly sharedBy = new SharedBy(this, () => this.api)

  constructor () {
    super()
    this.status = []
    this.message = ''
    this.error = false
    this.busy = false
  }

  /** Runs one change, then says how it went where a screen reader hears it. */
  private async change (run: () => Promise<void>, done: string, focus?: string): Promise<void> {
    this.busy = true
    try {
      await run()
      this.message = done
      this.error = false
    } catch (err) {
      this.message = err instanceof Error ? err.message : String(err)
      this.error = true
    }
    this.busy = false
    this.requestUpdate()
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(focus ?? '[data-testid=relay-list-status]')?.focus()
  }

  private add (ev: SubmitEvent): void {
    ev.preventDefault()
    const input = (ev.target as HTMLFormElement).elements.namedItem('relay') as HTMLInputElement
    const url = normalizeTrackerUrl(input.value.trim())
    if (url === null) {
      this.message = 'A relay is a ws:// or wss:// address, e.g. wss://relay.example.org, without a user name or password.'
      this.error = true
      return
    }
    const mine = this.api.configuredRelays()
    if (mine.includes(url)) {
      this.message = `${url} is already in your list.`
      this.error = true
      return
    }
    void this.change(async () => {
      await this.api.saveConfig({ relays: [...mine, url] })
      input.value = ''
    }, `Added ${url}.`, '#add-relay')
  }

  private removeRelay (url: string, source: string): void {
    void this.change(async () => {
      if (source === 'friend') await this.api.removeSharedRelay(url)
      else await this.api.saveConfig({ relays: this.api.configuredRelays().filter((r) => r !== url) })
    }, source === 'friend' ? `Removed ${url}. The friends who shared it cannot add it again.` : `Removed ${url}.`)
  }

  private reset (): void {
    void this.change(() => this.api.resetRelays(), 'Back to the default relays.')
  }

  private setOff (ev: Event): void {
    const off = (ev.target as HTMLInputElement).checked
    void this.change(() => this.api.saveConfig({ relaysOff: off }),
      off ? 'Relays are off: nothing goes to or comes from any relay.' : 'Relays are on again.', '.relays-off')
  }

  private sourceWords (source: string, from: readonly string[] | undefined): string {
    if (source === 'friend') return this.sharedBy.words(from)
    return 'yours'
  }

  private entry (relay: { url: string, source: string, from?: string[] }) {
    const status = this.status.find((s) => s.url === relay.url)
    const health = status?.health
    const trouble = health !== undefined && health !== 'working' && health !== 'connecting' && status?.lastError
    return html`<li data-testid="relay-in-use" data-source=${relay.source} data-health=${health ?? 'none'}>
      <code>${relay.url}</code> — ${this.sourceWords(relay.source, relay.from)}${health ? html`, ${RELAY_HEALTH_WORDS[health]}` : ''}
      ${trouble ? html`<span class="hint" data-testid="relay-last-error"> (last error: “${status!.lastError}”)</span>` : ''}
      <button class="secondary small" ?disabled=${this.busy} aria-label=${`Remove ${relay.url}`} @click=${() => this.removeRelay(relay.url, relay.source)}>Remove</button>
    </li>`
  }

  override render () {
    const off = this.api.config.relaysOff === true
    const list = this.api.relayList()
    return html`
      <h3 id="relays-in-use">Relays</h3>
      <p class="hint">Nostr relays, run by independent people, are a second way for friends to find you when trackers are down, and hold sealed posts for friends who are offline until they open Kith. They see your IP address and sealed bytes, never your data, your name or who your friends are.</p>
      <div class="field">
        <label><input type="checkbox" class="relays-off" aria-describedby="relays-off-hint" .checked=${off} ?disabled=${this.busy} @change=${this.setOff}> Keep everything off relays</label>
        <p class="hint" id="relays-off-hint">Nothing goes to or comes from any relay. What it costs: friends who are never online at the same time as you will not get your posts until you are, you will not get theirs until they are, and while every tracker is down nobody can find you.</p>
      </div>
      ${off
        ? html`<p data-testid="relays-off-note">Relays are off. Your list is kept for when you turn them on again.</p>`
        : html`
          ${list.length === 0
            ? html`<p class="hint" data-testid="no-relays">No relays: friends find you through trackers only, and nothing waits for friends who are offline.</p>`
            : html`<ul aria-labelledby="relays-in-use" data-testid="relays-in-use">${list.map((r) => this.entry(r))}</ul>`}
          <form class="space-above" @submit=${this.add} novalidate>
            <label for="add-relay">Add a relay</label>
            <div class="row">
              <input id="add-relay" name="relay" type="text" aria-invalid=${this.error ? 'true' : 'false'} aria-describedby="relay-list-status" inputmode="url" spellcheck="false" autocomplete="off" placeholder="wss://relay.example.org" ?disabled=${this.busy}>
              <button type="submit" class="secondary" ?disabled=${this.busy}>Add</button>
            </div>
          </form>
          <div class="row space-above"><button class="secondary reset-relays" ?disabled=${this.busy} @click=${this.reset}>Use the default relays</button></div>`}
      <p class=${this.error ? 'error' : 'hint'} id="relay-list-status" role="status" aria-live="polite" tabindex="-1" data-testid="relay-list-status">${this.message}</p>`
  }
}

customElements.define('kith-relay-list', KithRelayList)
declare global { interface HTMLElementTagNameMap { 'kith-relay-list': KithRelayList } }
