// Settings → Storage and backup: how much room Kith uses and whether the
// browser promised to keep it, saving an encrypted backup, and restoring one
// (in a fresh browser only).
import { LitElement, html } from 'lit'
import { sharedStyles } from './shared-styles'
import type { BackupApi, StorageInfo } from '../api/backup-api'
import { ApiQuery } from './api-query'
import { formatBytes, formatDate } from './format'
import './kith-backup-save'
import './kith-restore-form'

export class KithBackup extends LitElement {
  static override styles = sharedStyles
  static override properties = {
    api: { attribute: false },
    /** Changes whenever the app's data may have changed (re-reads the state). */
    tick: { type: Number },
    info: { state: true },
    persistMessage: { state: true }
  }

  declare api: BackupApi
  declare tick: number
  declare info: StorageInfo | null
  declare persistMessage: string

  constructor () {
    super()
    this.tick = 0
    this.info = null
    this.persistMessage = ''
  }

  /** Saved or dismissed anywhere in the app: this element shows it too. */
  private readonly backup = new ApiQuery(this, () => this.api, async (api: BackupApi) => {
    const [state, info] = await Promise.all([api.state(), api.storage()])
    this.info = info
    return state
  })

  protected override willUpdate (changed: Map<string, unknown>): void {
    if (changed.has('tick') && changed.get('tick') !== undefined) this.backup.refresh()
  }

  private async askPersist (): Promise<void> {
    const granted = await this.api.requestPersistence()
    this.info = await this.api.storage()
    this.persistMessage = granted
      ? 'Granted: this browser will keep Kith\'s data.'
      : 'Not granted this time. Browsers often decide by how much a site is used; installing Kith or bookmarking it helps. A backup keeps you safe either way.'
  }

  private storageLine () {
    const info = this.info
    if (!info) return html`<p class="hint">Checking storage…</p>`
    const used = info.usage !== null && info.quota !== null
      ? html`<p data-testid="storage-usage">Kith uses <strong>${formatBytes(info.usage)}</strong> of the <strong>${formatBytes(info.quota)}</strong> this browser lets it use.</p>`
      : html`<p class="hint">This browser does not say how much room Kith uses.</p>`
    const persisted = info.persisted === true
      ? html`<p data-testid="storage-persisted"><span class="badge green">Persistent</span> The browser will not clear Kith's data to free space.</p>`
      : info.persisted === false
        ? html`<p data-testid="storage-persisted"><span class="badge amber">Not persistent</span> The browser may clear Kith's data when space runs low.</p>
          <div class="actions"><button class="secondary small ask-persist" @click=${this.askPersist}>Ask the browser to keep Kith's data</button></div>`
        : html`<p class="hint">This browser cannot say whether it keeps Kith's data.</p>`
    return html`${used}${persisted}<p class="hint" role="status" aria-live="polite">${this.persistMessage}</p>`
  }

  override render () {
    const state = this.backup.value
    return html`
      <section class="card" aria-labelledby="backup-heading" id="storage-and-backup">
        <h2 id="backup-heading">Storage and backup</h2>
        ${this.storageLine()}
        <h3 class="space-above">Backup</h3>
        <p data-testid="last-backup">${state?.lastBackupAt ? `Last backup saved ${formatDate(state.lastBackupAt)}.` : 'No backup saved from this browser yet.'}</p>
        <kith-backup-save .api=${this.api}></kith-backup-save>
        <h3 class="space-above">Restore a backup</h3>
        ${state?.fresh
          ? html`<p class="hint lead">This browser holds no friends or items yet, so a backup can replace it: you get your address, friends and items back.</p>
            <kith-restore-form .api=${this.api}></kith-restore-form>`
          : html`<p class="hint">This browser already holds your Kith. To restore a backup, open Kith in a browser (or browser profile) that has not been used for it yet.</p>`}
      </section>`
  }
}

customElements.define('kith-backup', KithBackup)
declare global { interface HTMLElementTagNameMap { 'kith-backup': KithBackup } }
