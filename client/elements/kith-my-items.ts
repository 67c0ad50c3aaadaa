// My items, newest first: what each one is, when, and who can see it; change
// its audience or delete it (with a confirm step).
import { LitElement, html, css } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { audienceInWords, audienceProblem, excerpt, formatBytes, formatDate, notShownWhy, plainError, sameAudience, TYPE_WORDS } from './format'
import { MAX_TEXT_CHARS, type Audience } from '../../shared/protocol/items'
import type { GroupSummary, KithApi, MyItem } from '../api/app-api'
import { safeFileUrl, type SafeFileUrl } from './safe-file-url'
import { cleanFileName } from '../files/safe-file'
import { confirmDelete, rowError, RowStates } from './row-states'
import './kith-audience-picker'

const PAGE = 50

interface RowState {
  mode: 'view' | 'audience' | 'confirm-delete' | 'edit'
  draft?: Audience
  /** The text being edited. */
  text?: string
  busy?: boolean
  error?: string
}

export class KithMyItems extends LitElement {
  static override styles = [sharedStyles, css`
    .head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
    .file { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; font-size: .9rem; }
    .editor { margin-top: 10px; }
    textarea { resize: vertical; min-height: 5em; }
    img.preview { display: block; max-width: 100%; max-height: 240px; border-radius: 8px; margin-top: 8px; }
  `]

  static override properties = {
    api: { attribute: false },
    limit: { state: true },
    files: { state: true }
  }

  declare api: KithApi
  declare limit: number
  private readonly rows = new RowStates<RowState>(this, { attribute: 'data-item', heading: '#items-heading', reload: () => this.items.reload() })
  /** My files the owner asked to see, by item id, typed from their bytes. */
  declare files: Record<string, { saved?: SafeFileUrl, error?: string, busy?: boolean }>
  // One more than shown tells whether there is more.
  private readonly items = new ApiQuery(this, () => this.api, (api) => api.listMyItems({ limit: this.limit + 1 }))
  private readonly groups = new ApiQuery(this, () => this.api, (api) => api.listGroups())

  constructor () {
    super()
    this.limit = PAGE
    this.files = {}
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    for (const f of Object.values(this.files)) if (f.saved) URL.revokeObjectURL(f.saved.url)
    this.files = {}
  }

  /** A deleted item's file must not live on in an object URL. */
  protected override willUpdate (): void {
    const items = this.items.value
    if (!items) return
    const ids = new Set(items.map((i) => i.id))
    const gone = Object.keys(this.files).filter((id) => !ids.has(id))
    if (gone.length === 0) return
    const files = { ...this.files }
    for (const id of gone) {
      const url = files[id]?.saved?.url
      if (url) URL.revokeObjectURL(url)
      delete files[id]
    }
    this.files = files
  }

  private async saveAudience (item: MyItem, draft: Audience): Promise<void> {
    const problem = audienceProblem(draft)
    if (problem) return this.rows.set(item.id, { mode: 'audience', draft, error: problem })
    if (sameAudience(draft, item.audience)) return this.rows.set(item.id, null)
    await this.rows.save(item.id, { mode: 'audience', draft }, () => this.api.setAudience(item.id, draft), '.change-audience')
  }

  private async saveText (item: MyItem, text: string): Promise<void> {
    if (text.length > MAX_TEXT_CHARS) return this.rows.set(item.id, { mode: 'edit', text, error: `A text can be at most ${MAX_TEXT_CHARS.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.` })
    if (text.trim() === '') return this.rows.set(item.id, { mode: 'edit', text, error: 'Write something, or delete the item instead.' })
    if (text === item.text) return this.rows.close(item.id, '.edit-text')
    await this.rows.save(item.id, { mode: 'edit', text }, () => this.api.editItemText(item.id, text), '.edit-text')
  }

  private deleteItem (item: MyItem): Promise<void> {
    return this.rows.remove(item.id, { mode: 'confirm-delete' }, () => this.api.deleteItem(item.id), '.delete')
  }

  private async loadFile (item: MyItem): Promise<void> {
    this.files = { ...this.files, [item.id]: { busy: true } }
    try {
      const file = await this.api.myFile(item.id)
      // A file I got from elsewhere is as hostile as a friend's: typed from its bytes too.
      const saved = file ? await safeFileUrl(file, item.file?.name ?? '') : undefined
      if (!this.isConnected) {
        if (saved) URL.revokeObjectURL(saved.url)
        return
      }
      this.files = { ...this.files, [item.id]: saved ? { saved } : { error: 'The file’s content is missing on this device.' } }
    } catch (err) {
      this.files = { ...this.files, [item.id]: { error: plainError(err) } }
    }
  }

  private renderFile (item: MyItem) {
    const meta = item.file
    if (!meta) return ''
    const f = this.files[item.id]
    const saved = f?.saved
    const name = saved?.name ?? cleanFileName(meta.name)
    const size = formatBytes(meta.size)
    return html`
      <div class="file">
        ${saved
          ? html`<a class="save" href=${saved.url} download=${saved.name} data-testid="my-file-link">Save ${saved.name} to your device (${size})</a>`
          : html`
            <span><strong>${name}</strong> · ${size}</span>
            <button class="secondary small" ?disabled=${f?.busy === true} @click=${() => this.loadFile(item)} aria-label="Download ${name} (${size})">${f?.busy ? 'Preparing…' : 'Download'}</button>`}
        ${f?.error ? html`<span class="error" role="alert">${f.error}</span>` : ''}
      </div>
      ${saved?.previewable
        ? html`<img class="preview" src=${saved.url} alt=${item.text || name} data-testid="my-file-preview">`
        : saved ? html`<p class="hint">${notShownWhy(meta)}</p>` : ''}`
  }

  private renderActions (item: MyItem, row: RowState | undefined, groups: GroupSummary[]) {
    const what = TYPE_WORDS[item.type].toLowerCase()
    if (row?.mode === 'audience') {
      const draft = row.draft ?? item.audience
      return html`
        <div class="editor">
          <kith-audience-picker .value=${draft} .groups=${groups} legend="Who can see this ${what}" ?disabled=${row.busy === true}
            @audience-change=${(ev: CustomEvent<{ audience: Audience }>) => this.rows.set(item.id, { mode: 'audience', draft: ev.detail.audience })}></kith-audience-picker>
          <p class="hint">Friends who lose access are asked to delete their copies.</p>
          <div class="actions">
            <button class="small" ?disabled=${row.busy === true} @click=${() => this.saveAudience(item, draft)}>${row.busy ? 'Saving…' : 'Save audience'}</button>
            <button class="secondary small" ?disabled=${row.busy === true} @click=${() => this.rows.close(item.id, '.change-audience')}>Cancel</button>
          </div>
          ${rowError(row)}
        </div>`
    }
    if (row?.mode === 'edit') {
      const text = row.text ?? item.text
      const id = `edit-${item.id}`
      return html`
        <form class="editor" @submit=${(ev: Event) => { ev.preventDefault(); void this.saveText(item, text) }}>
          <label for=${id}>Text of this ${what}</label>
          <textarea id=${id} rows="5" maxlength=${MAX_TEXT_CHARS} .value=${text} ?disabled=${row.busy === true} aria-describedby="${id}-hint"
            @input=${(ev: Event) => this.rows.set(item.id, { mode: 'edit', text: (ev.target as HTMLTextAreaElement).value })}
            @keydown=${(ev: KeyboardEvent) => { if (ev.key === 'Escape') this.rows.close(item.id, '.edit-text') }}></textarea>
          <p class="hint" id="${id}-hint">Friends who can see it get the new text the next time they sync (at once if they are online).</p>
          <div class="actions">
            <button class="small" type="submit" ?disabled=${row.busy === true}>${row.busy ? 'Saving…' : 'Save text'}</button>
            <button class="secondary small" type="button" ?disabled=${row.busy === true} @click=${() => this.rows.close(item.id, '.edit-text')}>Cancel</button>
          </div>
          ${rowError(row)}
        </form>`
    }
    if (row?.mode === 'confirm-delete') {
      return confirmDelete(row, {
        label: 'Confirm deleting',
        question: `Delete this ${what}?`,
        hint: 'It is removed from this device for good, and every friend who has a copy is asked to delete it.',
        yes: 'Yes, delete',
        onYes: () => this.deleteItem(item),
        onKeep: () => this.rows.close(item.id, '.delete')
      })
    }
    return html`
      <div class="actions">
        ${item.type !== 'file'
          ? html`<button class="secondary small edit-text" @click=${() => this.rows.open(item.id, { mode: 'edit', text: item.text }, 'textarea')}>Edit text</button>`
          : ''}
        <button class="secondary small change-audience" @click=${() => this.rows.set(item.id, { mode: 'audience', draft: item.audience })}>Change audience</button>
        <button class="danger secondary small delete" @click=${() => this.rows.open(item.id, { mode: 'confirm-delete' }, '.confirm-yes')}>Delete</button>
      </div>`
  }

  override render () {
    const all = this.items.value
    const groups = this.groups.value ?? []
    const shown = all?.slice(0, this.limit) ?? []
    return html`
      <section class="card" aria-labelledby="items-heading">
        <h2 id="items-heading" tabindex="-1">My items</h2>
        ${this.items.error ? html`<p class="error" role="alert">Could not load your items: ${this.items.error}</p>` : ''}
        ${all === null
          ? html`<p class="hint" role="status">Loading…</p>`
          : shown.length === 0
            ? html`<p class="empty">Nothing yet. Share a note, a post or a file above.</p>`
            : html`
              <ul class="entries" aria-label="My items">
                ${repeat(shown, (item) => item.id, (item) => html`
                  <li data-testid="my-item" data-item=${item.id}>
                    <div class="head">
                      <span class="badge">${TYPE_WORDS[item.type]}</span>
                      <span class="meta">
                        <time datetime=${new Date(item.createdAt).toISOString()}>${formatDate(item.createdAt)}</time>
                        <span>Visible to: <strong data-testid="my-item-audience">${audienceInWords(item.audience, groups)}</strong></span>
                      </span>
                    </div>
                    ${item.text ? html`<p class="body-text">${excerpt(item.text)}</p>` : ''}
                    ${this.renderFile(item)}
                    ${this.renderActions(item, this.rows.get(item.id), groups)}
                  </li>`)}
              </ul>
              ${all.length > this.limit
                ? html`<div class="actions"><button class="secondary" @click=${() => { this.limit += PAGE; this.items.refresh() }}>Show more</button></div>`
                : ''}`}
      </section>`
  }
}

customElements.define('kith-my-items', KithMyItems)
declare global { interface HTMLElementTagNameMap { 'kith-my-items': KithMyItems } }
