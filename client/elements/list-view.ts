// A card's list, said the same way on every tab: "Loading…" until it has
// loaded, a line of its own when there is nothing in it, else its rows.
import { html } from 'lit'
import { repeat } from 'lit/directives/repeat.js'

export function listView<T> (items: readonly T[] | null, opts: { label: string, empty: string, key: (item: T) => unknown, row: (item: T) => unknown }) {
  return items === null
    ? html`<p class="hint">Loading…</p>`
    : items.length === 0
      ? html`<p class="empty">${opts.empty}</p>`
      : html`<ul class="entries" aria-label=${opts.label}>${repeat(items, opts.key, opts.row)}</ul>`
}
