// Settings → Backups to a folder: where the browser can write to a folder
// the person picks (File System Access), Kith saves the encrypted backup
// there by itself (client/backup-folder/). Elsewhere it says so, and the
// download above stays the way to back up.
import { html, css } from 'lit'
import type { KithApi } from '../api/app-api'
import type { FolderBackups, FolderStatus } from '../backup-folder/folder-backups'
import { BackupForm } from './backup-form'
import { MIN_PASSPHRASE } from './kith-backup-save'
import { formatDate, plainError } from './format'
import { KEEP_BACKUPS } from '../backup-folder/folder-files'

export class KithBackupFolder extends BackupForm {
  static override styles = [...BackupForm.styles as [], css`
    .space-above { margin-top: 12px; }
  `]

  static override properties = {
    app: { attribute: false },
    status: { state: true },
    message: { state: true }
  }

  /** The whole api (the folder backups count friends, devices and items). */
  declare app: KithApi
  declare status: FolderStatus | null
  declare message: string
  private folders: FolderBackups | null = null

  constructor () {
    super()
    this.status = null
    this.message = ''
  }

  private readonly onChange = (): void => { void this.refresh() }

  override connectedCallback (): void {
    super.connectedCallback()
    void this.attach()
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.folders?.removeEventListener('change', this.onChange)
  }

  private async attach (): Promise<void> {
    // The folder code (and the backup format it writes) loads with this section, not before.
    const { folderBackupsFor } = await import('../backup-folder/folder-backups')
    this.folders = folderBackupsFor(this.app)
    this.folders.addEventListener('change', this.onChange)
    await this.refresh()
  }

  private async refresh (): Promise<void> {
    if (this.folders) this.status = await this.folders.status()
  }

  private async setUp (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const pass = (form.elements.namedItem('pass') as HTMLInputElement).value
    const again = (form.elements.namedItem('again') as HTMLInputElement).value
    this.message = ''
    this.error = pass.length < MIN_PASSPHRASE
      ? `Use a passphrase of at least ${MIN_PASSPHRASE} characters (a few words are easy to remember and hard to guess).`
      : pass !== again ? 'The two passphrases are not the same.' : ''
    if (this.error) return this.focusField(pass.length < MIN_PASSPHRASE ? '#folder-pass' : '#folder-again')
    let handle: FileSystemDirectoryHandle
    try {
      handle = await this.folders!.pick() // first, while the press still counts as one
    } catch (err) {
      if ((err as Error).name !== 'AbortError') this.error = plainError(err)
      return
    }
    await this.inProgress(async (onProgress) => {
      await this.folders!.setUp(handle, pass, onProgress)
      form.reset()
      this.message = `Saved the first backup to ${handle.name}.`
    })
  }

  private async writeNow (): Promise<void> {
    this.message = ''
    this.error = ''
    await this.inProgress(async () => {
      const name = await this.folders!.writeNow()
      this.message = `Saved ${name}.`
    })
  }

  private async allow (): Promise<void> {
    this.error = ''
    const granted = await this.folders!.allow().catch((err: unknown) => { this.error = plainError(err); return false })
    if (!granted && !this.error) this.error = 'The browser did not allow it. Press Allow again, or choose the folder anew.'
  }

  private async stop (): Promise<void> {
    this.message = ''
    await this.folders!.stop()
    this.message = 'Stopped. The backups already in the folder stay there.'
  }

  private body (s: FolderStatus) {
    switch (s.kind) {
      case 'unsupported': return html`<p class="hint" data-testid="folder-unsupported">This browser cannot save to a folder you choose (Chrome and Edge on a computer can). Save a backup as a file above, and keep it somewhere safe.</p>`
      case 'none': return html`
        <p class="hint lead" id="folder-hint">Pick a folder once (for example one your Dropbox, Drive or OneDrive keeps in sync): Kith saves the encrypted backup there every day and after important changes, and keeps the newest ${KEEP_BACKUPS}. The passphrase is not kept; Kith keeps a key made from it in this browser, which can write backups but not reveal the passphrase.</p>
        <form @submit=${this.setUp} aria-describedby="folder-hint">
          ${this.newPassphrase({ pass: 'folder-pass', again: 'folder-again' }, 'Passphrase for these backups')}
          ${this.submitAndProgress({ class: 'choose-folder', idle: 'Choose a folder and start', busy: 'Saving the first backup…' }, 'Saving the first backup')}
        </form>`
      case 'needs-permission': return html`
        <p role="alert" data-testid="folder-permission">Kith needs permission to write to <strong>${s.folder}</strong>. Browsers ask again after a restart.</p>
        <div class="actions"><button @click=${this.allow}>Allow</button>
          <button class="secondary" @click=${this.stop}>Stop backing up to this folder</button></div>`
      case 'ready': return html`
        <p data-testid="folder-ready">Kith saves a backup to <strong>${s.folder}</strong> every day and after important changes (a new friend, a new device, many new items), and keeps the newest ${KEEP_BACKUPS} there.</p>
        <p data-testid="folder-last">${s.last ? `Last saved there ${formatDate(s.last.at)}.` : 'Nothing saved there yet.'}</p>
        ${s.error ? html`<p class="error" data-testid="folder-error">The last try failed: ${s.error}</p>` : ''}
        <div class="actions">
          <button class="secondary write-now" ?disabled=${this.busy} @click=${this.writeNow}>${this.busy ? 'Saving…' : 'Save a backup there now'}</button>
          <button class="secondary" ?disabled=${this.busy} @click=${this.stop}>Stop backing up to this folder</button>
        </div>`
    }
  }

  override render () {
    return html`
      <section class="card" aria-labelledby="folder-heading">
        <h2 id="folder-heading">Backups to a folder</h2>
        ${this.status ? this.body(this.status) : html`<p class="hint">Checking…</p>`}
        <p class="error" role="alert">${this.error}</p>
        <p class="hint" role="status" aria-live="polite" data-testid="folder-status">${this.message}</p>
      </section>`
  }
}

customElements.define('kith-backup-folder', KithBackupFolder)
declare global { interface HTMLElementTagNameMap { 'kith-backup-folder': KithBackupFolder } }
