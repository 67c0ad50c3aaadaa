// Restores a backup into this browser (only a fresh one: see
// node-tab/backup/fresh.ts). The file is checked whole before anything is
// written; on success the page reloads to start the restored Kith.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import type { BackupApi } from '../backup-api'
import { BACKUP_FILE_EXTENSION } from '../../shared/backup/backup-file'
import { plainError } from './format'

export class KithRestoreForm extends LitElement {
  static override styles = [sharedStyles, css`
    .fields { display: grid; gap: 8px 12px; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); }
    progress { width: 100%; }
  `]

  static override properties = {
    api: { attribute: false },
    busy: { state: true },
    progress: { state: true },
    error: { state: true },
    done: { state: true }
  }

  declare api: BackupApi
  declare busy: boolean
  declare progress: number
  declare error: string
  declare done: boolean

  constructor () {
    super()
    this.busy = false
    this.progress = 0
    this.error = ''
    this.done = false
  }

  override focus (): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#restore-file')?.focus())
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0]
    const pass = (form.elements.namedItem('pass') as HTMLInputElement).value
    if (!file) {
      this.error = 'Choose the backup file first.'
      this.renderRoot.querySelector<HTMLInputElement>('#restore-file')?.focus()
      return
    }
    if (!pass) {
      this.error = 'Type the passphrase the backup was saved with.'
      this.renderRoot.querySelector<HTMLInputElement>('#restore-pass')?.focus()
      return
    }
    this.error = ''
    this.busy = true
    this.progress = 0
    try {
      await this.api.restore(file, pass, (f) => { this.progress = f })
      this.done = true
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('.restored')?.focus()
      // The node running now is the fresh one; the restored one starts on reload.
      setTimeout(() => location.reload(), 1500)
    } catch (err) {
      this.error = plainError(err)
      await this.updateComplete
      this.renderRoot.querySelector<HTMLInputElement>('#restore-pass')?.focus()
    } finally {
      this.busy = false
    }
  }

  override render () {
    if (this.done) return html`<p class="restored ok" role="status" tabindex="-1" data-testid="restore-status">Restored. Starting your Kith…</p>`
    return html`
      <form @submit=${this.submit}>
        <p class="hint lead">Restore a backup only where the browser it came from is gone (or will not be used again): two browsers restored from one backup would both answer friends as the same device.</p>
        <div class="fields">
          <div>
            <label for="restore-file">Backup file</label>
            <input id="restore-file" name="file" type="file" accept=${`${BACKUP_FILE_EXTENSION},application/octet-stream`} ?disabled=${this.busy}>
          </div>
          <div>
            <label for="restore-pass">Its passphrase</label>
            <input id="restore-pass" name="pass" type="password" autocomplete="current-password" ?disabled=${this.busy} aria-invalid=${this.error ? 'true' : 'false'}>
          </div>
        </div>
        <div class="actions">
          <button type="submit" class="restore" ?disabled=${this.busy}>${this.busy ? 'Checking and restoring…' : 'Restore this backup'}</button>
        </div>
        ${this.busy ? html`<div class="progress"><progress max="1" .value=${this.progress} aria-label="Restoring the backup"></progress></div>` : ''}
        <p class="error" role="alert" data-testid="restore-error">${this.error}</p>
      </form>`
  }
}

customElements.define('kith-restore-form', KithRestoreForm)
declare global { interface HTMLElementTagNameMap { 'kith-restore-form': KithRestoreForm } }
