// The first minutes of a new user, in the real app: #/ opens on
// a guided start (a name, then invite a friend, open a friend's invite, or
// bring an existing Kith here) and nothing on it moves; on the settings
// ("Me & server", no longer the first screen) the backup reminder waits below the tab's content instead of pushing the page down
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
  // The settings, where the reminder waits below the tab's content.
  await person.page.goto(`${world.appUrl}#/me`)
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

/** Layout shifts not caused by input (as the bench's app_cls counts them). */
const WATCH_SHIFTS = `
  window.shifts = []
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) window.shifts.push(e.value.toFixed(4) + ' ' + e.sources.map((s) => (s.node?.getRootNode()?.host?.localName ?? '') + '>' + (s.node?.localName ?? s.node?.nodeName) + ' y ' + s.previousRect.y + '→' + s.currentRect.y).join(', '))
    }
  }).observe({ type: 'layout-shift', buffered: true })
`
declare global { interface Window { shifts: string[] } }

describe.each([390, 1280])('from opening to the first invite link at %i px', (width) => {
  it('takes at most six actions: a name, then Invite a friend; nothing on the screen moved', async () => {
    const p = await world.person(`counting-${width}`)
    await p.page.setViewportSize({ width, height: width < 500 ? 844 : 900 })
    await p.context.addInitScript(WATCH_SHIFTS)
    let actions = 0
    const act = async (step: () => Promise<unknown>): Promise<void> => { actions++; await step() }
    await p.page.goto(world.appUrl) // opening: not counted
    const guide = p.page.getByTestId('start-guide')
    await guide.waitFor()
    // The first screen is the guide, not the settings: no tabs, no address.
    expect(await p.page.getByRole('tab').count()).toBe(0)
    expect(await p.page.getByTestId('my-address').count()).toBe(0)
    await screenshot(p, `start-guide-${width}`)
    await act(() => p.page.getByLabel('Name shown to friends').fill('Dana'))
    await act(() => p.page.getByRole('button', { name: 'Save name' }).click())
    await p.page.getByText('Saved. Friends see this name.').waitFor()
    await act(() => p.page.getByRole('button', { name: 'Invite a friend' }).click())
    const link = p.page.getByTestId('invite-link')
    await expect.poll(() => link.textContent()).toContain('#/invite/')
    expect(actions).toBeLessThanOrEqual(6)
    // The keyboard is on the link to send.
    await expect.poll(async () => (await focused(p.page))?.testid).toBe('invite-link')
    await p.page.getByRole('img', { name: /QR code of the invite link/ }).waitFor()
    expect(await p.page.evaluate(() => window.shifts)).toEqual([])
    await screenshot(p, `start-invite-link-${width}`)
  })
})

describe('the guided start', () => {
  it('asks for the name before an invite: a friend accepting sees it', async () => {
    const p = await world.person('no-name-yet')
    await p.page.goto(world.appUrl)
    await p.page.getByRole('button', { name: 'Invite a friend' }).click()
    await p.page.getByRole('alert').filter({ hasText: 'First, type the name your friend will see' }).waitFor()
    expect(await p.page.getByTestId('invite-link').count()).toBe(0)
    expect((await focused(p.page))?.id).toBe('start-name')
  })

  it('“Open a friend’s invite” takes a pasted link to the invite; once a friend, each opens on Home', async () => {
    const alice = await world.person('guide-alice')
    await alice.page.goto(world.appUrl)
    await alice.page.getByLabel('Name shown to friends').fill('Alice')
    await alice.page.getByRole('button', { name: 'Save name' }).click()
    await alice.page.getByText('Saved. Friends see this name.').waitFor()
    alice.shownName = 'Alice'
    await alice.page.getByRole('button', { name: 'Invite a friend' }).click()
    const link = (await alice.page.getByTestId('invite-link').filter({ hasText: '#/invite/' }).textContent())!.trim()
    alice.address = decodeURIComponent(link.match(/#\/invite\/([^/]+)/)![1]!)

    const bob = await world.person('guide-bob')
    await bob.page.goto(world.appUrl)
    await bob.page.getByRole('button', { name: 'Open a friend’s invite' }).click()
    // The way's panel loads when chosen: focus lands in its field once it is there.
    await expect.poll(async () => (await focused(bob.page))?.id).toBe('friend-address')
    await desktopAndPhone(bob, 'start-open-invite')
    await bob.page.getByLabel('Address or link').fill(link)
    await bob.page.getByRole('button', { name: 'Open', exact: true }).click()
    // The invite page asks a newcomer's name itself.
    await bob.page.getByLabel('Your name (your friend will see it)').fill('Bob')
    await bob.page.getByRole('button', { name: 'Accept invite' }).click()
    await expect.poll(() => bob.page.url(), { timeout: 60_000 }).toContain(`#/friend/${alice.address}`)
    // Alice has a name and now a friend: her guide gives way to Home, and #/ opens there.
    await expect.poll(() => alice.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected'), { timeout: 30_000 }).toBe('true')
    await alice.page.goto(`${world.appUrl}#/friends`)
    await alice.page.goto(world.appUrl)
    await expect.poll(() => alice.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected')).toBe('true')
    expect(await alice.page.getByTestId('start-guide').count()).toBe(0)
    await bob.page.goto(world.appUrl)
    await expect.poll(() => bob.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected')).toBe('true')
  })

  it('“I already use Kith” offers restoring a backup and adding this browser to an existing Kith', async () => {
    const p = await world.person('existing')
    await p.page.goto(world.appUrl)
    await p.page.getByRole('button', { name: 'I already use Kith' }).click()
    await p.page.getByLabel('Backup file').waitFor()
    await desktopAndPhone(p, 'start-existing')
    await p.page.getByRole('link', { name: 'Add this browser to your Kith' }).click()
    const first = p.page.locator('kith-devices').getByRole('heading', { level: 2 }).first()
    await expect.poll(() => first.textContent()).toBe('Add this browser to your Kith')
  })

  it('“Skip the guide” opens Home, and #/ keeps opening there', async () => {
    const p = await world.person('skipping')
    await p.page.goto(world.appUrl)
    await p.page.getByRole('button', { name: 'Skip the guide' }).click()
    await expect.poll(() => p.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected')).toBe('true')
    await expect.poll(async () => (await focused(p.page))?.id).toBe('tab-home')
    await p.page.goto(`${world.appUrl}#/`)
    await p.page.reload()
    await expect.poll(() => p.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected')).toBe('true')
    expect(await p.page.getByTestId('start-guide').count()).toBe(0)
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
