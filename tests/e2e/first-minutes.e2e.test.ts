// The first minutes of a new user, in the real app (issue 19): the backup
// reminder waits below the tab's content instead of pushing the page down
// after it has drawn and standing between the keyboard and the tabs; the
// tabs stay on one row on a phone; Devices on a fresh browser leads with
// adding it to an existing Kith; opened from a file, the app says why it
// cannot start.
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { tab } from './support/app'
import { focused } from './support/focus'
import { desktopAndPhone, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
const DIST_INDEX = fileURLToPath(new URL('../../dist/index.html', import.meta.url))

/** Watches, frame by frame from the first draw, where the tabs sit. */
const WATCH_TABS = `
  window.tabTops = []
  const watch = () => {
    const list = document.querySelector('kith-app')?.shadowRoot?.querySelector('[role=tablist]')
    if (list) {
      const top = Math.round(list.getBoundingClientRect().top + scrollY)
      if (window.tabTops.at(-1) !== top) window.tabTops.push(top)
    }
    requestAnimationFrame(watch)
  }
  requestAnimationFrame(watch)
`

declare global { interface Window { tabTops: number[] } }

const reminder = (page: Page) => page.getByTestId('backup-reminder')

async function fresh (name: string, width: number): Promise<Person> {
  const person = await world.person(name)
  await person.page.setViewportSize({ width, height: width < 500 ? 844 : 900 })
  await person.context.addInitScript(WATCH_TABS)
  await person.page.goto(world.appUrl)
  await reminder(person.page).getByText('Welcome to Kith').waitFor()
  return person
}

describe.each([1280, 390])('a fresh browser at %i px', (width) => {
  let p: Person
  beforeAll(async () => { p = await fresh(`new-${width}`, width) })

  it('the backup reminder arrives below the tab’s content: the tabs never moved', async () => {
    const page = p.page
    expect(await page.evaluate(() => window.tabTops)).toHaveLength(1)
    const order = await page.evaluate(() => {
      const root = document.querySelector('kith-app')!.shadowRoot!
      const y = (sel: string): number => root.querySelector(sel)!.getBoundingClientRect().top
      return { tabs: y('[role=tablist]'), panel: y('[role=tabpanel]:not([hidden])'), reminder: y('kith-backup-reminder') }
    })
    expect(order.tabs).toBeLessThan(order.panel)
    expect(order.panel).toBeLessThan(order.reminder)
    await screenshot(p, `first-open-${width}`)
  })

  it('the keyboard reaches the tabs first: the site name, then the current tab', async () => {
    const page = p.page
    await page.evaluate(() => { (document.activeElement as HTMLElement | null)?.blur(); window.scrollTo(0, 0) })
    const stops: string[] = []
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('Tab')
      const f = await focused(page)
      stops.push(f ? `${f.tag}:${f.id || f.text}` : 'none')
    }
    expect(stops).toEqual(['a:Kith', 'button:tab-me'])
  })

  it('the tabs stay on one row; on a phone the row scrolls and keeps the current tab in sight', async () => {
    const tabs = (): Promise<{ rows: number, selectedInSight: boolean }> => p.page.evaluate(() => {
      const root = document.querySelector('kith-app')!.shadowRoot!
      const box = root.querySelector('[role=tablist]')!.getBoundingClientRect()
      const all = [...root.querySelectorAll('[role=tab]')]
      const sel = root.querySelector('[role=tab][aria-selected=true]')!.getBoundingClientRect()
      return { rows: new Set(all.map((t) => Math.round(t.getBoundingClientRect().top))).size, selectedInSight: sel.left >= box.left - 1 && sel.right <= box.right + 1 }
    })
    expect(await tabs()).toEqual({ rows: 1, selectedInSight: true })
    await p.page.goto(`${world.appUrl}#/devices`)
    await p.page.locator('kith-devices').waitFor()
    await expect.poll(tabs).toEqual({ rows: 1, selectedInSight: true })
    await p.page.getByRole('tab', { name: 'Home' }).click()
    await expect.poll(tabs).toEqual({ rows: 1, selectedInSight: true })
    // Each keeps its full label as its name (the phone shows a shorter word of it).
    await p.page.getByRole('tab', { name: 'Me & server' }).click()
    await p.page.getByRole('tab', { name: 'My items' }).waitFor()
    await reminder(p.page).getByText('Welcome to Kith').waitFor()
  })

  it('Devices leads with “Add this browser to your Kith”', async () => {
    await tab(p.page, 'Devices')
    const first = p.page.locator('kith-devices').getByRole('heading', { level: 2 }).first()
    await expect.poll(() => first.textContent()).toBe('Add this browser to your Kith')
    await screenshot(p, `first-devices-${width}`)
  })

  it('“Not now” puts the reminder away and the keyboard back on the current tab', async () => {
    await tab(p.page, 'Me & server')
    await reminder(p.page).getByRole('button', { name: 'Not now' }).click()
    await expect.poll(() => reminder(p.page).count()).toBe(0)
    await expect.poll(async () => (await focused(p.page))?.id).toBe('tab-me')
  })
})

describe('from opening to the first invite link', () => {
  it('takes at most six actions: a name, then an invite', async () => {
    const p = await world.person('counting')
    await p.page.setViewportSize({ width: 390, height: 844 })
    let actions = 0
    const act = async (step: () => Promise<unknown>): Promise<void> => { actions++; await step() }
    await p.page.goto(world.appUrl) // opening: not counted
    await act(() => p.page.getByLabel('Name shown to friends').fill('Dana'))
    await act(() => p.page.getByRole('button', { name: 'Save name' }).click())
    await act(() => p.page.getByRole('tab', { name: 'Invites' }).click())
    await act(() => p.page.getByRole('button', { name: 'Create invite' }).click())
    const link = p.page.getByTestId('invite-link')
    await expect.poll(() => link.textContent()).toContain('#/invite/')
    expect(actions).toBeLessThanOrEqual(6)
    await desktopAndPhone(p, 'first-invite-link', { after: { width: 390, height: 844 } })
  })
})

describe('opened from a file on disk', () => {
  it('says why Kith cannot start there, instead of “Starting your server…”', async () => {
    const p = await world.person('from-file')
    await p.page.goto(`file://${DIST_INDEX}`)
    const alert = p.page.getByRole('alert')
    await expect.poll(() => alert.textContent()).toMatch(/cannot start from a file on disk.*npm start/)
    expect(await p.page.locator('#app').textContent()).not.toContain('Starting your server')
    await desktopAndPhone(p, 'first-from-file')
  })
})
