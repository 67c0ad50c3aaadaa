// The state of each row of a list an element shows (a form open on it, a
// delete to confirm, saving, or why saving failed), and the steps such rows
// share: open and close with focus where a keyboard user expects it, save
// with the row busy, delete with focus moving to the row that took its place.
import { html, type LitElement } from 'lit'
import { focusAfterRemoval, rowIndex } from './focus'
import { plainError } from './format'

export interface RowState { busy?: boolean, error?: string }

export class RowStates<S extends RowState> {
  private rows: Record<string, S> = {}

  /** Rows are `li[<attribute>="<id>"]` in the host's shadow root; `heading`
   *  (tabindex="-1") takes focus once the last row is gone; `reload` loads
   *  the list again after a change. */
  constructor (private readonly host: LitElement, private readonly opts: { attribute: string, heading: string, reload: () => Promise<void> }) {}

  get (id: string): S | undefined {
    return this.rows[id]
  }

  set (id: string, state: S | null): void {
    const rows = { ...this.rows }
    if (state) rows[id] = state
    else delete rows[id]
    this.rows = rows
    this.host.requestUpdate()
  }

  /** Focus on `selector` within the row, once it has rendered. */
  async focusIn (id: string, selector: string): Promise<void> {
    await this.host.updateComplete
    this.host.renderRoot.querySelector<HTMLElement>(`[${this.opts.attribute}="${id}"] ${selector}`)?.focus()
  }

  /** Sets the row's state, then puts focus on `selector` in it. */
  open (id: string, state: S, selector: string): void {
    this.set(id, state)
    void this.focusIn(id, selector)
  }

  /** Back to the plain row, focus on `selector` (what opened the form). */
  close (id: string, selector: string): void {
    this.set(id, null)
    void this.focusIn(id, selector)
  }

  /** Makes `change` with the row busy and loads the list again; then closes
   *  the row (focus on `selector`), or keeps it in `state` with what went wrong. */
  async save (id: string, state: S, change: () => Promise<unknown>, selector: string): Promise<void> {
    this.set(id, { ...state, busy: true })
    try {
      await change()
      await this.opts.reload()
      this.close(id, selector)
    } catch (err) {
      this.set(id, { ...state, error: plainError(err) })
    }
  }

  /** Makes `change`, which removes the row, with it busy in `state`, and
   *  loads the list again; focus then goes to `control` in the row that took
   *  its place (or to the heading). */
  async remove (id: string, state: S, change: () => Promise<unknown>, control: string): Promise<void> {
    const { attribute, heading } = this.opts
    const rows = `li[${attribute}]`
    const index = rowIndex(this.host, rows, this.host.renderRoot.querySelector(`li[${attribute}="${id}"]`))
    this.set(id, { ...state, busy: true })
    try {
      await change()
      await this.opts.reload()
      this.set(id, null)
      await focusAfterRemoval(this.host, rows, index, control, heading)
    } catch (err) {
      this.set(id, { ...state, error: plainError(err) })
    }
  }
}

/** Why the row's last step failed, read out as it appears. */
export function rowError (row: RowState) {
  return row.error ? html`<p class="error" role="alert">${row.error}</p>` : ''
}

/** A row's delete, to confirm: what is asked and what follows, then
 *  Yes (busy while it runs) or Keep it. */
export function confirmDelete (row: RowState, opts: { label: string, question: string, hint: string, yes: string, onYes: () => unknown, onKeep: () => unknown }) {
  return html`
    <div class="confirm" role="group" aria-label=${opts.label}>
      <p><strong>${opts.question}</strong></p>
      <p class="hint">${opts.hint}</p>
      <div class="actions">
        <button class="danger small confirm-yes" ?disabled=${row.busy === true} @click=${opts.onYes}>${row.busy ? 'Deleting…' : opts.yes}</button>
        <button class="secondary small" ?disabled=${row.busy === true} @click=${opts.onKeep}>Keep it</button>
      </div>
      ${rowError(row)}
    </div>`
}
