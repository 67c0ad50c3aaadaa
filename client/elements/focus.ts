// Where keyboard focus goes after an action removed the element that had it
// (otherwise it falls to the page body and a keyboard user starts over).
import type { LitElement } from 'lit'

/**
 * After removing row number `index` of a list: the same control in the row
 * that took its place (the next one, or the previous when it was the last),
 * else the list's heading (given tabindex="-1").
 */
export async function focusAfterRemoval (host: LitElement, rows: string, index: number, control: string, heading: string): Promise<void> {
  await host.updateComplete
  const left = [...host.renderRoot.querySelectorAll<HTMLElement>(rows)]
  const row = left[Math.min(Math.max(index, 0), left.length - 1)]
  const target = row?.querySelector<HTMLElement>(control) ?? host.renderRoot.querySelector<HTMLElement>(heading)
  target?.focus()
}

/** The position of `row` among the rows, for focusAfterRemoval (-1 if absent). */
export function rowIndex (host: LitElement, rows: string, row: Element | null): number {
  return row ? [...host.renderRoot.querySelectorAll(rows)].indexOf(row) : -1
}
