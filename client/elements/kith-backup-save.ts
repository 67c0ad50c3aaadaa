// Saves an encrypted backup: a passphrase typed twice, then the file is made
// piece by piece and handed to the browser as a download.
import { html } from 'lit'
import type { SavedBackup } from '../api/backup-api'
import { BackupForm } from './backup-form'
import { formatBytes } from './format'

export const MIN_PASSPHRASE = 8

export class KithBackupSave extends BackupForm {
  static override properties = {
    saved: { state: true }
  }

  declare saved: (SavedBackup & { url: string }) | null

  constructor () {
    super()
    this.saved = null
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    if (this.saved) URL.revokeObjectURL(this.saved.url)
  }

  /** Puts the keyboard in the first field (when the form is opened from a reminder). */
  override focus (): void {
    void this.updateComplete.then(() => this.focusField('#backup-pass'))
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const pass = (form.elements.namedItem('pass') as HTMLInputElement).value
    const again = (form.elements.namedItem('again') as HTMLInputElement).value
    this.error = pass.length < MIN_PASSPHRASE
      ? `Use a passphrase of at least ${MIN_PASSPHRASE} characters (a few words are easy to remember and hard to guess).`
      : pass !== again ? 'The two passphrases are not the same.' : ''
    if (this.error) return this.focusField(pass.length < MIN_PASSPHRASE ? '#backup-pass' : '#backup-again')
    await this.inProgress(async (onProgress) => {
      const saved = await this.api.save(pass, onProgress)
      if (this.saved) URL.revokeObjectURL(this.saved.url)
      this.saved = { ...saved, url: URL.createObjectURL(saved.blob) }
      form.reset()
      await this.updateComplete
      this.renderRoot.querySelector<HTMLAnchorElement>('a.download')?.click()
      this.renderRoot.querySelector<HTMLElement>('.saved')?.focus()
    })
  }

  override render () {
    return html`
      <form @submit=${this.submit} aria-describedby="backup-save-hint">
        <p id="backup-save-hint" class="hint lead">The backup holds your identity, friends, groups, items with their files, invites and settings, encrypted with a passphrase. Without the passphrase nobody can open it — not even you, so write it down. It does not hold your recovery words: Kith never keeps those anywhere, so keep them on paper.</p>
        ${this.newPassphrase({ pass: 'backup-pass', again: 'backup-again' }, 'Passphrase', Boolean(this.error && !this.saved))}
        ${this.submitAndProgress({ class: 'save-backup', idle: 'Save a backup', busy: 'Saving…' }, 'Saving the backup')}
        <p class="error" role="alert">${this.error}</p>
        ${this.saved
          ? html`<p class="saved ok" tabindex="-1" data-testid="backup-saved">Saved ${this.saved.fileName} (${formatBytes(this.saved.blob.size)}). Keep it somewhere other than this device.
              <a class="download" href=${this.saved.url} download=${this.saved.fileName}>Download it again</a></p>`
          : ''}
      </form>`
  }
}

customElements.define('kith-backup-save', KithBackupSave)
declare global { interface HTMLElementTagNameMap { 'kith-backup-save': KithBackupSave } }
