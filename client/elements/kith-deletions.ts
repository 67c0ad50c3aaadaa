// Deletion requests I sent: per item (named by kind and date, never by its
// content: "Your photo from 3 Nov"), which friends confirmed they deleted
// their copy and which are still to answer (they get it when they are back).
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { formatDate, myItemInWords, plainError, REASON_WORDS } from './format'
import type { DeletionStatus, KithApi } from '../api/app-api'
import { listView } from './list-view'

export class KithDeletions extends LitElement {
  static override styles = [sharedStyles, css`
    .head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; justify-content: space-between; }
    ul.friends { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
    ul.friends li { font-size: .875rem; border: 1px solid var(--border, #d9dde3); border-radius: 999px; padding: 2px 10px; }
    ul.friends li.confirmed { border-color: #a5d6a7; background: #f1f8f1; }
  `]

  static override properties = { api: { attribute: false }, error: { state: true } }

  declare api: KithApi
  declare error: string
  private readonly deletions = new ApiQuery(this, () => this.api, (api) => api.listDeletions())

  constructor () {
    super()
    this.error = ''
  }

  private async dismiss (d: DeletionStatus, ev: Event): Promise<void> {
    this.error = ''
    // Keyboard focus moves to the next request's Dismiss (or the previous one,
    // or the heading when none is left), not to the top of the page.
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button.dismiss')]
    const at = buttons.indexOf(ev.currentTarget as HTMLButtonElement)
    try {
      await this.api.dismissDeletion(d.id)
      await this.deletions.reload()
      await this.updateComplete
      const left = [...this.renderRoot.querySelectorAll<HTMLElement>('button.dismiss')]
      const next = left[Math.min(at, left.length - 1)] ?? this.renderRoot.querySelector<HTMLElement>('#deletions-heading')
      next?.focus()
    } catch (err) {
      this.error = plainError(err)
    }
  }

  private renderOne (d: DeletionStatus) {
    const what = myItemInWords({ type: d.itemType, ...(d.itemPhoto ? { photo: true } : {}), ...(d.itemCreatedAt !== undefined ? { createdAt: d.itemCreatedAt } : {}) })
    const confirmed = d.friends.filter((f) => f.confirmed).length
    const summary = d.friends.length === 0
      ? 'No friend had a copy.'
      : confirmed === d.friends.length
        ? (d.friends.length === 1 ? 'Done: the friend who had a copy deleted it.' : `Done: all ${d.friends.length} friends who had a copy deleted it.`)
        : `${confirmed} of ${d.friends.length} confirmed.`
    return html`
      <li data-testid="deletion">
        <div class="head">
          <div>
            <h3 data-testid="deletion-item">${what}</h3>
            <span class="meta inline-flex"><span>${REASON_WORDS[d.reason]} on <time datetime=${new Date(d.at).toISOString()}>${formatDate(d.at)}</time></span></span>
          </div>
          <button class="secondary small dismiss" @click=${(ev: Event) => this.dismiss(d, ev)}
            aria-label="Dismiss: ${what}, ${REASON_WORDS[d.reason].toLowerCase()}">Dismiss</button>
        </div>
        <p class="hint" data-testid="deletion-summary">${summary}</p>
        ${d.friends.length > 0
          ? html`
            <ul class="friends" aria-label="Friends asked to delete it">
              ${d.friends.map((f) => html`
                <li class=${f.confirmed ? 'confirmed' : ''} data-testid="deletion-friend">
                  ${f.displayName || 'A friend without a name'} — ${f.confirmed ? html`<span class="ok">confirmed ✓</span>` : html`<span class="warn">waiting…</span>`}
                </li>`)}
            </ul>`
          : ''}
      </li>`
  }

  override render () {
    const newestFirst = this.deletions.value?.slice().sort((a, b) => b.at - a.at) ?? null
    return html`
      <section class="card" aria-labelledby="deletions-heading">
        <h2 id="deletions-heading" tabindex="-1">Deletion requests</h2>
        <p class="note-box">When you delete an item or narrow who can see it, friends who have a copy are asked to delete it. Friends who are offline get the request when they are back.</p>
        ${this.deletions.error ? html`<p class="error" role="alert">${this.deletions.error}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
        ${listView(newestFirst, { label: 'Deletion requests', empty: 'No deletion requests.', key: (d) => d.id, row: (d) => this.renderOne(d) })}
      </section>`
  }
}

customElements.define('kith-deletions', KithDeletions)
declare global { interface HTMLElementTagNameMap { 'kith-deletions': KithDeletions } }
