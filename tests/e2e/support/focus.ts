// What has keyboard focus, looking through shadow roots (document.activeElement
// stops at the outermost custom element).
import type { Page } from 'playwright-core'

export interface Focused { tag: string, text: string, id: string, testid: string, name: string, value: string, checked: boolean | null, within: string[] }

export function focused (page: Page): Promise<Focused | null> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    const within: string[] = []
    while (el?.shadowRoot?.activeElement) {
      within.push(el.tagName.toLowerCase())
      el = el.shadowRoot.activeElement
    }
    if (!el || el === document.body) return null
    const input = el as HTMLInputElement
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.textContent ?? '').trim().slice(0, 200),
      id: el.id,
      testid: el.getAttribute('data-testid') ?? '',
      name: el.getAttribute('name') ?? '',
      value: typeof input.value === 'string' ? input.value : '',
      checked: typeof input.checked === 'boolean' && el.tagName === 'INPUT' ? input.checked : null,
      within
    }
  })
}
