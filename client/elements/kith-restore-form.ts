// Restores a backup into this browser (only a fresh one: see
// node-tab/backup/fresh.ts). The file is checked whole before anything is
// written; on success the page reloads to start the restored Kith.
import { html } from 'lit'
import { BACKUP_FILE_EXTENSION } from '../../shared/backup/backup-file'
import { BackupForm } from './backup-form'

export class KithRestoreForm extends BackupForm {
  static override properties = {
    done: { state: true }
  }

  declare done: boolean

  constructor () {
    super()
    this.done = false
  }

  override focus (): void {
    void this.updateComplete.then(() => this.focusField('#restore-file'))
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0]
    const pass = (form.elements.namedItem('pass') as HTMLInputElement).value
    if (!file) {
      this.error = 'Choose the backup file first.'
      return this.focusField('#restore-file')
    }
    if (!pass) {
      this.error = 'Type the passphrase the backup was saved with.'
      return this.focusField('#restore-pass')
    }
    this.error = ''
    await this.inProgress(async (onProgress) => {
      await this.api.restore(file, pass, onProgress)
      this.done = true
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>('.restored')?.focus()
      // The node running now is the fresh one; the restored one starts on reload.
      setTimeout(() => location.reload(), 1500)
    }, async () => {
      await this.updateComplete
      this.focusField('#restore-pass')
    })
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
        ${this.submitAndProgress({ class: 'restore', idle: 'Restore this backup', busy: 'Checking and restoring…' }, 'Restoring the backup')}
        <p class="error" role="alert" data-testid="restore-error">${this.error}</p>
      </form>`
  }
}

customElements.define('kith-restore-form', KithRestoreForm)
declare global { interface HTMLElementTagNameMap { 'kith-restore-form': KithRestoreForm } }
