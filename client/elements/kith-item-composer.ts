// Write a note or post, or share a file, with an audience. Says whom it will
// reach before sharing; after sharing, starts again from a private note
// ("Only me"), so the next item is never shared by accident.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { audienceInWords, audienceProblem, formatBytes, plainError } from './format'
import { MAX_FILE_BYTES, MAX_TEXT_CHARS, type Audience, type ItemType } from '../../shared/protocol/items'
import type { KithApi } from '../api/app-api'
import { reachInWords } from './reach'
import './kith-audience-picker'

export class KithItemComposer extends LitElement {
  static override styles = [sharedStyles, css`
    textarea { resize: vertical; min-height: 5em; }
    .file-info { margin: 6px 0 0; font-size: .9rem; }
    .reach { margin: 0; font-weight: 600; color: #3b4653; }
  `]

  static override properties = {
    api: { attribute: false },
    type: { state: true },
    text: { state: true },
    file: { state: true },
    audience: { state: true },
    busy: { state: true },
    saved: { state: true },
    message: { state: true },
    error: { state: true }
  }

  declare api: KithApi
  declare type: ItemType
  declare text: string
  declare file: File | null
  declare audience: Audience
  declare busy: boolean
  /** 0..1 while a file is being saved. */
  declare saved: number | null
  declare message: string
  declare error: string
  private readonly groups = new ApiQuery(this, () => this.api, (api) => api.listGroups())
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())

  constructor () {
    super()
    this.type = 'note'
    this.text = ''
    this.file = null
    this.audience = { kind: 'me' }
    this.busy = false
    this.saved = null
    this.message = ''
    this.error = ''
  }

  private get fileProblem (): string {
    if (this.type !== 'file' || !this.file) return ''
    return this.file.size > MAX_FILE_BYTES
      ? `This file is ${formatBytes(this.file.size)}; files can be at most ${formatBytes(MAX_FILE_BYTES)}. Pick a smaller one.`
      : ''
  }

  private pickType (type: ItemType): void {
    this.type = type
    // The file input is only shown for files; a file picked earlier is forgotten with it.
    if (type !== 'file') this.file = null
    this.error = ''
    this.message = ''
  }

  private pickFile (ev: Event): void {
    this.file = (ev.target as HTMLInputElement).files?.[0] ?? null
    this.error = ''
    this.message = ''
  }

  private async submit (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    this.message = ''
    const problem = this.type === 'file'
      ? (this.file ? this.fileProblem : 'Choose a file to share first.')
      : (this.text.trim() === '' ? 'Write something first.' : '')
    this.error = problem || audienceProblem(this.audience)
    if (this.error) return
    this.busy = true
    try {
      // The File itself goes to the store, which reads it piece by piece: a
      // large file is never read whole into memory.
      const file = this.type === 'file' && this.file
        ? { name: this.file.name, mime: this.file.type || 'application/octet-stream', content: this.file }
        : undefined
      if (file) this.saved = 0
      await this.api.createItem({ type: this.type, text: this.text.trim(), audience: this.audience, ...(file ? { file } : {}) },
        (fraction) => { this.saved = fraction })
      const who = audienceInWords(this.audience, this.groups.value ?? [])
      this.message = this.audience.kind === 'me' ? 'Saved. Only you can see it.' : `Shared with ${who.charAt(0).toLowerCase()}${who.slice(1)}.`
      // Start again from the safe default: a private note.
      this.text = ''
      this.file = null
      this.type = 'note'
      this.audience = { kind: 'me' }
      const input = this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')
      if (input) input.value = ''
    } catch (err) {
      this.error = plainError(err)
    } finally {
      this.busy = false
      this.saved = null
    }
    // Keyboard users land back on the first field, the message read out by the status region.
    await this.updateComplete
    if (!this.error) this.renderRoot.querySelector<HTMLInputElement>('input[name=type]:checked')?.focus()
  }

  override render () {
    const fileProblem = this.fileProblem
    const reach = reachInWords(this.audience, this.friends.value, this.groups.value)
    return html`
      <section class="card" aria-labelledby="compose-heading">
        <h2 id="compose-heading">Share something</h2>
        <form @submit=${this.submit} novalidate>
          <fieldset>
            <legend>Kind</legend>
            <div class="choices-inline">
              ${(['note', 'post', 'file'] as const).map((t) => html`
                <label class="choice">
                  <input type="radio" name="type" value=${t} .checked=${this.type === t} @change=${() => this.pickType(t)}>
                  ${t === 'note' ? 'Note' : t === 'post' ? 'Post' : 'File'}
                </label>`)}
            </div>
          </fieldset>
          ${this.type === 'file'
            ? html`
              <div class="field">
                <label for="file">File (up to ${formatBytes(MAX_FILE_BYTES)})</label>
                <input id="file" type="file" @change=${this.pickFile} aria-invalid=${fileProblem ? 'true' : 'false'}
                  aria-describedby="file-info">
                <p id="file-info" class="file-info ${fileProblem ? 'error' : 'hint'}" aria-live="polite">
                  ${this.file ? (fileProblem || `${this.file.name} — ${formatBytes(this.file.size)}`) : ''}
                </p>
              </div>`
            : ''}
          <div class="field">
            <label for="text">${this.type === 'file' ? 'Caption (optional)' : 'Text'}</label>
            <textarea id="text" rows="4" maxlength=${MAX_TEXT_CHARS} .value=${this.text}
              placeholder=${this.type === 'file' ? 'A few words about the file' : this.type === 'post' ? 'What’s new?' : 'A note for yourself or your friends'}
              @input=${(ev: Event) => { this.text = (ev.target as HTMLTextAreaElement).value; this.message = '' }}></textarea>
          </div>
          <kith-audience-picker .value=${this.audience} .groups=${this.groups.value ?? []} ?disabled=${this.busy}
            @audience-change=${(ev: CustomEvent<{ audience: Audience }>) => { this.audience = ev.detail.audience; this.error = '' }}></kith-audience-picker>
          <p class="reach" id="composer-reach" aria-live="polite" data-testid="composer-reach">${reach}</p>
          <div class="actions">
            <button type="submit" aria-describedby="composer-reach" ?disabled=${this.busy || fileProblem !== ''}>${this.busy ? 'Sharing…' : 'Share'}</button>
            ${this.saved !== null
              ? html`<progress max="100" value=${Math.round(this.saved * 100)} aria-label="Saving the file" data-testid="save-progress"></progress>`
              : ''}
          </div>
          <p class="error" role="alert" data-testid="composer-error">${this.error}</p>
          <p class="ok" role="status" data-testid="composer-message">${this.message}</p>
        </form>
      </section>`
  }
}

customElements.define('kith-item-composer', KithItemComposer)
declare global { interface HTMLElementTagNameMap { 'kith-item-composer': KithItemComposer } }
