// What the backup forms (saving one, saving to a folder, restoring one)
// share: the backup api, a long step shown with a progress bar and its
// error, fields side by side, a new passphrase asked twice. Not an element
// itself; KithBackupSave, KithBackupFolder and KithRestoreForm are.
import { LitElement, html, css, nothing, type PropertyDeclarations } from 'lit'
import { sharedStyles } from './shared-styles'
import type { BackupApi } from '../api/backup-api'
import { plainError } from './format'

export class BackupForm extends LitElement {
  static override styles = [sharedStyles, css`
    .fields { display: grid; gap: 8px 12px; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); }
    progress { width: 100%; }
  `]

  static override properties: PropertyDeclarations = {
    api: { attribute: false },
    busy: { state: true },
    progress: { state: true },
    error: { state: true }
  }

  declare api: BackupApi
  declare busy: boolean
  declare progress: number
  declare error: string

  constructor () {
    super()
    this.busy = false
    this.progress = 0
    this.error = ''
  }

  /** Puts the keyboard in the field `selector`. */
  protected focusField (selector: string): void {
    this.renderRoot.querySelector<HTMLInputElement>(selector)?.focus()
  }

  /** Runs the long step with the bar shown from 0. A failure becomes the
   *  form's error, and `failed` runs while the form is still busy. */
  protected async inProgress (step: (onProgress: (fraction: number) => void) => Promise<void>, failed?: () => Promise<void>): Promise<void> {
    this.busy = true
    this.progress = 0
    try {
      await step((fraction) => { this.progress = fraction })
    } catch (err) {
      this.error = plainError(err)
      await failed?.()
    } finally {
      this.busy = false
    }
  }

  /** A new passphrase and the same again, side by side (fields `pass` and
   *  `again`); `invalid` marks the first one when given. */
  protected newPassphrase (ids: { pass: string, again: string }, label: string, invalid?: boolean) {
    return html`
        <div class="fields">
          <div>
            <label for=${ids.pass}>${label}</label>
            <input id=${ids.pass} name="pass" type="password" autocomplete="new-password" ?disabled=${this.busy} aria-invalid=${invalid === undefined ? nothing : String(invalid)}>
          </div>
          <div>
            <label for=${ids.again}>The same passphrase again</label>
            <input id=${ids.again} name="again" type="password" autocomplete="new-password" ?disabled=${this.busy}>
          </div>
        </div>`
  }

  /** The submit button (its words while the step runs), and the bar then. */
  protected submitAndProgress (button: { class: string, idle: string, busy: string }, progressLabel: string) {
    return html`
        <div class="actions">
          <button type="submit" class=${button.class} ?disabled=${this.busy}>${this.busy ? button.busy : button.idle}</button>
        </div>
        ${this.busy ? html`<div class="progress"><progress max="1" .value=${this.progress} aria-label=${progressLabel}></progress></div>` : ''}`
  }
}
