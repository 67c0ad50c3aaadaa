// Does anything stick out of a phone-wide page? The page's own scroll width,
// every element (through shadow roots) whose box reaches past the viewport,
// and every element that sticks out of its card — unless an ancestor that
// scrolls or clips sideways (a tab strip) holds it inside.
import type { Page } from 'playwright-core'

export interface Overflow { scrollWidth: number, viewport: number, wide: string[], outOfCard: string[] }

export function overflow (page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth
    const wide: string[] = []
    const outOfCard: string[] = []
    const parentOf = (el: Element): Element | null => el.parentElement ?? ((el.getRootNode() as ShadowRoot).host ?? null)
    const heldInside = (el: Element, right = vw): boolean => {
      for (let a = parentOf(el); a; a = parentOf(a)) {
        const ox = getComputedStyle(a).overflowX
        if (ox !== 'visible') return a.getBoundingClientRect().right <= right + 0.5
      }
      return false
    }
    const cardOf = (el: Element): Element | null => {
      for (let a = parentOf(el); a; a = parentOf(a)) if (a.classList.contains('card')) return a
      return null
    }
    const describe = (el: Element): string => {
      const host = (el.getRootNode() as ShadowRoot).host
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''
      return `${host ? `${host.tagName.toLowerCase()} › ` : ''}${el.tagName.toLowerCase()}${cls} (${Math.round(el.getBoundingClientRect().right)} px): ${(el.textContent ?? '').trim().slice(0, 40)}`
    }
    const visit = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        const r = el.getBoundingClientRect()
        if (r.width > 0 && r.height > 0 && (r.right > vw + 0.5 || r.left < -0.5) && !heldInside(el)) wide.push(describe(el))
        const card = r.width > 0 && r.height > 0 ? cardOf(el) : null
        if (card) {
          const c = card.getBoundingClientRect()
          if ((r.right > c.right + 0.5 || r.left < c.left - 0.5) && !heldInside(el, c.right)) outOfCard.push(describe(el))
        }
        if (el.shadowRoot) visit(el.shadowRoot)
      }
    }
    visit(document)
    return { scrollWidth: document.documentElement.scrollWidth, viewport: vw, wide, outOfCard }
  })
}
