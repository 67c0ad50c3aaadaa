// Saves an encrypted backup: a passphrase typed twice, then the file is made
// piece by piece and handed to the browser as a download.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import type { BackupApi, SavedBackup } from '../backup-api'
import { formatBytes, plainError } from './format'

export const MIN_PASSPHRASE = 8

export class KithBackupSave extends LitElement {
  static override styles = [sharedStyles, css`
    .fields { display: grid; gap: 8px 12px; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); }
    progress { width: 100%; }
  `]

  static override properties = {
    api: { attribute: false },
    busy: { state: true },
    progress: { state: true },
    error: { state: true },
    saved: { state: true }
  }

  declare api: BackupApi
  declare busy: boolean
  declare progress: number
  declare error: string
  declare saved: (SavedBackup & { url: string }) | null

  constructor () {
    super()
    this.busy = false
    this.progress = 0
    this.error = ''
    this.saved = null
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    if (this.saved) URL.revokeObjectURL(this.saved.url)
  }

  /** Puts the keyboard in the first field (when the form is opened from a reminder). */
  override focus (): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#backup-pass')?.focus())
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const pass = (form.elements.namedItem('pass') as HTMLInputElement).value
    const again = (form.elements.namedItem('again') as HTMLInputElement).value
    this.error = pass.length < MIN_PASSPHRASE
      ? `Use a passphrase of at least ${MIN_PASSPHRASE} characters (a few words are easy to remember and hard to guess).`
      : pass !== again ? 'The two passphrases are not the same.' : ''
    if (this.error) {
      this.renderRoot.querySelector<HTMLInputElement>(pass.length < MIN_PASSPHRASE ? '#backup-pass' : '#backup-again')?.focus()
      return
    }
    this.busy = true
    this.progress = 0
    try {
      const saved = await this.api.save(pass, (f) => { this.progress = f })
      if (this.saved) URL.revokeObjectURL(this.saved.url)
      this.saved = { ...saved, url: URL.createObjectURL(saved.blob) }
      form.reset()
      await this.updateComplete
      this.renderRoot.querySelector<HTMLAnchorElement>('a.download')?.click()
      this.renderRoot.querySelector<HTMLElement>('.saved')?.focus()
    } catch (err) {
      this.error = plainError(err)
    } finally {
      this.busy = false
    }
  }

  override render () {
    return html`
      <form @submit=${this.submit} aria-describedby="backup-save-hint">
        <p id="backup-save-hint" class="hint lead">The backup holds your identity, friends, groups, items with their files, invites and settings, encrypted with a passphrase. Without the passphrase nobody can open it — not even you, so write it down.</p>
        <div class="fields">
          <div>
            <label for="backup-pass">Passphrase</label>
            <input id="backup-pass" name="pass" type="password" autocomplete="new-password" ?disabled=${this.busy} aria-invalid=${this.error && !this.saved ? 'true' : 'false'}>
          </div>
          <div>
            <label for="backup-again">The same passphrase again</label>
            <input id="backup-again" name="again" type="password" autocomplete="new-password" ?disabled=${this.busy}>
          </div>
        </div>
        <div class="actions">
          <button type="submit" class="save-backup" ?disabled=${this.busy}>${this.busy ? 'Saving…' : 'Save a backup'}</button>
        </div>
        ${this.busy ? html`<div class="progress"><progress max="1" .value=${this.progress} aria-label="Saving the backup"></progress></div>` : ''}
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
