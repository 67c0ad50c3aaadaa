// A calm, dismissible card below the tab's content (never above the tabs,
// where arriving after the first draw it moved the page): on first use (save a backup later, or restore
// one now), once there is something to keep, and when changes have gone
// unsaved for a week (see node-tab/backup/reminder.ts).
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import type { BackupApi, BackupState } from '../api/backup-api'
import { formatDay } from './format'
import { ApiQuery } from './api-query'

/** The card's two forms load when one is asked for (or with the Me tab's
 *  views, after the first screen): the card itself is on the first screen. */
const loadForm = (form: 'save' | 'restore'): Promise<unknown> => form === 'save' ? import('./kith-backup-save') : import('./kith-restore-form')

export class KithBackupReminder extends LitElement {
  static override styles = [sharedStyles, css`
    .card { background: #f6f9ff; border-color: #c9d6f5; }
    .space-above { display: block; }
  `]

  static override properties = {
    api: { attribute: false },
    tick: { type: Number },
    open: { state: true }
  }

  declare api: BackupApi
  declare tick: number
  /** Which form the card shows, once asked. */
  declare open: 'save' | 'restore' | null

  constructor () {
    super()
    this.tick = 0
    this.open = null
  }

  /** Saved or dismissed anywhere in the app: this card follows. */
  private readonly backup = new ApiQuery(this, () => this.api, (api: BackupApi) => api.state())

  protected override willUpdate (changed: Map<string, unknown>): void {
    if (changed.has('tick') && changed.get('tick') !== undefined) this.backup.refresh()
  }

  private get state (): BackupState | null {
    return this.backup.value
  }

  private async dismiss (): Promise<void> {
    const reminder = this.state?.reminder
    if (!reminder) return
    await this.api.dismiss(reminder)
    this.open = null
    await this.backup.reload()
    this.close()
  }

  private async show (form: 'save' | 'restore'): Promise<void> {
    await loadForm(form).catch(() => { /* offline and not cached: the card says so by staying as it was */ })
    this.open = form
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(form === 'save' ? 'kith-backup-save' : 'kith-restore-form')?.focus()
  }

  private words () {
    switch (this.state?.reminder) {
      case 'welcome': return html`
        <h2 id="reminder-heading">Welcome to Kith</h2>
        <p>Your identity, friends and items live only in this browser. Once you have added some, save a backup so that losing this browser does not mean losing them.</p>
        <p>Used Kith before? Restore your backup here, before making friends in this browser.</p>
        <div class="actions">
          ${this.open === 'restore' ? '' : html`<button class="secondary" @click=${() => this.show('restore')}>Restore from a backup</button>`}
          <button class="secondary dismiss" @click=${this.dismiss}>Not now</button>
        </div>`
      case 'first-backup': return html`
        <h2 id="reminder-heading">Save a backup</h2>
        <p>Your identity, friends and items live only in this browser. If its data is cleared or the device is lost, a backup is the only way back to them.</p>
        <div class="actions">
          ${this.open === 'save' ? '' : html`<button @click=${() => this.show('save')}>Save a backup</button>`}
          <button class="secondary dismiss" @click=${this.dismiss}>Later</button>
        </div>`
      case 'stale': return html`
        <h2 id="reminder-heading">Time for a new backup</h2>
        <p>Your last backup is from ${formatDay(this.state.lastBackupAt!)}, and things have changed since.</p>
        <div class="actions">
          ${this.open === 'save' ? '' : html`<button @click=${() => this.show('save')}>Save a backup</button>`}
          <button class="secondary dismiss" @click=${this.dismiss}>Later</button>
        </div>`
      default: return null
    }
  }

  private close (): void {
    this.open = null
    // The card is gone: the keyboard goes back to the tab it sits under.
    void this.updateComplete.then(() => {
      const root = this.getRootNode() as Document | ShadowRoot
      root.querySelector<HTMLElement>('[role=tab][aria-selected=true]')?.focus()
    })
  }

  override render () {
    // Saved from this card: it stays until closed, showing where the file went.
    const words = this.words() ?? (this.open === 'save'
      ? html`<h2 id="reminder-heading">Backup saved</h2>
        <div class="actions"><button class="secondary close" @click=${this.close}>Close</button></div>`
      : null)
    if (!words) return ''
    return html`
      <section class="card" aria-labelledby="reminder-heading" data-testid="backup-reminder">
        ${words}
        ${this.open === 'save' ? html`<kith-backup-save class="space-above" .api=${this.api}></kith-backup-save>` : ''}
        ${this.open === 'restore' && this.state?.fresh ? html`<kith-restore-form class="space-above" .api=${this.api}></kith-restore-form>` : ''}
      </section>`
  }
}

customElements.define('kith-backup-reminder', KithBackupReminder)
declare global { interface HTMLElementTagNameMap { 'kith-backup-reminder': KithBackupReminder } }
