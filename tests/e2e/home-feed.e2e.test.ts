// A home for what friends share, through the real UI in
// real Chromium: Alice shares, edits and shares a photo; Bob, online on his
// Home tab, sees each by himself (live hints, no button pressed); Carol, a
// friend outside the audience, never sees those items (and gets what is
// shared with all friends, so her Home is live too).
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { tab } from './support/app'
import { gradientPng } from './support/images'
import { addToGroup, befriend, createGroup, newPeople, share as shareAs, type FileToShare } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person, carol: Person

const POST = 'Sunny afternoon at the lake'
const EDITED = 'Sunny afternoon at the lake — we swam until seven'
const EVERYONE = 'Party at ours on Saturday, all welcome'
const PHOTO_CAPTION = 'The lake at sunset'

function homeItems (page: Page) {
  return page.getByTestId('home-item')
}

const homeTexts = (page: Page): Promise<string[]> => homeItems(page).allTextContents()

/** Alice posts to all friends or to her family group. */
const share = (text: string, audience: 'All friends' | 'family', file?: FileToShare): Promise<void> =>
  shareAs(alice, text, { kind: 'Post', file, to: audience === 'family' ? ['family'] : audience })

const both = (person: Person, name: string): Promise<void> => desktopAndPhone(person, name, { phoneHeight: 844 })

describe('Home: what friends share, live', () => {
  it('Alice invites Bob (in her family group) and Carol (not in it)', async () => {
    ;[alice, bob, carol] = await newPeople(world, 'Alice', 'Bob', 'Carol')
    await createGroup(alice, 'family')
    await befriend(alice, bob)
    await befriend(alice, carol)
    await addToGroup(alice, 'Bob', 'family')
  })

  it('Home is the first tab for someone with friends, and opening it reaches them', async () => {
    for (const p of [bob, carol]) {
      await p.page.goto(world.appUrl)
      await expect.poll(() => p.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected')).toBe('true')
      await p.page.getByRole('heading', { name: 'Shared with you' }).waitFor()
    }
    // Both are online with Alice: her Friends tab says so.
    await expect.poll(async () => (await alice.page.getByTestId('friend-presence').allTextContents()).map((t) => t.trim()), { timeout: 60_000 }).toEqual(['Online', 'Online'])
  })

  it('Bob sees Alice’s new post on Home without pressing anything, marked new; Carol, outside its audience, does not', async () => {
    await share(POST, 'family')
    const item = homeItems(bob.page).filter({ hasText: POST })
    // Within 5 s, and nothing pressed on Bob's side.
    await item.waitFor({ timeout: 5_000 })
    expect(await item.getByTestId('item-owner').textContent()).toBe('Alice')
    expect(await item.getByTestId('unread').count()).toBe(1)

    // Carol's Home is live too (she gets what all friends get), but never the family post.
    await share(EVERYONE, 'All friends')
    await homeItems(carol.page).filter({ hasText: EVERYONE }).waitFor({ timeout: 5_000 })
    await homeItems(bob.page).filter({ hasText: EVERYONE }).waitFor({ timeout: 5_000 })
    expect((await homeTexts(carol.page)).join('\n')).not.toContain(POST)
    await both(bob, 'home-1-bob-new-items')
  })

  it('Alice edits the post; Bob sees the new text by himself', async () => {
    await tab(alice.page, 'My items')
    const mine = alice.page.getByTestId('my-item').filter({ hasText: POST })
    await mine.getByRole('button', { name: 'Edit text' }).click()
    const field = mine.getByLabel('Text of this post')
    // Focus goes to the text to edit.
    await expect.poll(() => field.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true)
    await field.fill(EDITED)
    await both(alice, 'home-2-alice-edit-form')
    await mine.getByRole('button', { name: 'Save text' }).click()
    await alice.page.getByTestId('my-item').filter({ hasText: EDITED }).waitFor()

    await homeItems(bob.page).filter({ hasText: EDITED }).waitFor({ timeout: 5_000 })
    expect((await homeTexts(bob.page)).filter((t) => t.includes(POST))).toHaveLength(1) // replaced, not added
  })

  it('a photo shows as a thumbnail on Bob’s Home and opens full size; Escape closes it', async () => {
    await share(PHOTO_CAPTION, 'family', { name: 'lake.png', mimeType: 'image/png', buffer: gradientPng(960, 640) })
    const item = homeItems(bob.page).filter({ hasText: PHOTO_CAPTION })
    await item.waitFor({ timeout: 10_000 })
    const thumb = item.getByTestId('file-preview')
    await thumb.waitFor({ timeout: 30_000 })
    // A downscaled copy inline (the full photo is 960 px wide).
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(720)

    // Filters: only files, only from Alice.
    await bob.page.getByLabel('Kind').selectOption({ label: 'Files' })
    await expect.poll(() => homeItems(bob.page).count()).toBe(1)
    await bob.page.getByLabel('From').selectOption({ label: 'Alice' })
    await expect.poll(() => homeItems(bob.page).count()).toBe(1)
    await both(bob, 'home-3-bob-filtered-photo')
    await bob.page.getByLabel('Kind').selectOption({ label: 'All kinds' })
    await expect.poll(() => homeItems(bob.page).count()).toBe(3)

    await item.getByRole('button', { name: /^Open Photo: The lake at sunset full size/ }).click()
    const viewer = bob.page.getByTestId('photo-viewer')
    await viewer.waitFor()
    await expect.poll(() => bob.page.getByTestId('photo-full').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(960)
    await both(bob, 'home-4-bob-photo-viewer')
    await bob.page.keyboard.press('Escape')
    await viewer.waitFor({ state: 'hidden' })
    // Focus is back on the thumbnail that opened it.
    expect(await item.locator('button.thumb').evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true)

    // One press saves it under its cleaned name.
    const download = bob.page.waitForEvent('download')
    const save = item.getByRole('button', { name: /^Save to device: lake\.png/ })
    // Its accessible name starts with the words on it (WCAG 2.5.3, label in name).
    const visible = (await save.textContent())!.trim()
    expect(visible).toBe('Save to device')
    expect(await save.getAttribute('aria-label')).toContain(visible)
    await save.click()
    expect((await download).suggestedFilename()).toBe('lake.png')

    // Carol never gets the photo.
    expect((await homeTexts(carol.page)).join('\n')).not.toContain(PHOTO_CAPTION)
  })

  it('a large photo is fetched only on “Show photo”, then opens full size', async () => {
    await share('The big panorama', 'family', { name: 'panorama.png', mimeType: 'image/png', buffer: gradientPng(1200, 400, 9 * 1024 * 1024) })
    const item = homeItems(bob.page).filter({ hasText: 'The big panorama' })
    await item.waitFor({ timeout: 10_000 })
    const show = item.getByRole('button', { name: /^Show photo panorama\.png/ })
    await show.waitFor()
    expect(await item.getByTestId('file-preview').count()).toBe(0) // nothing fetched by itself
    await show.click()
    const viewer = bob.page.getByTestId('photo-viewer').filter({ has: bob.page.getByRole('heading', { name: 'The big panorama' }) })
    await viewer.waitFor({ timeout: 30_000 })
    await expect.poll(() => viewer.getByTestId('photo-full').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1200)
    await viewer.getByRole('button', { name: 'Close' }).click()
    await viewer.waitFor({ state: 'hidden' })
    expect(await item.locator('button.thumb').evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true)
  })

  it('Mark all read clears the markers, and read stays read after a reload', async () => {
    await tab(bob.page, 'My items')
    await tab(bob.page, 'Home') // a new visit: what was shown before is read now
    await expect.poll(() => bob.page.getByTestId('unread').count()).toBe(0)
    // Away from Home, the Home tab counts what is new.
    await tab(bob.page, 'Friends')
    await share('One more for the family', 'family')
    await expect.poll(() => bob.page.getByRole('tab', { name: /^Home/ }).textContent(), { timeout: 5_000 }).toMatch(/Home \(1 new\)/)
    await both(bob, 'home-5-bob-unread-tab')
    await tab(bob.page, 'Home')
    const fresh = homeItems(bob.page).filter({ hasText: 'One more for the family' })
    await fresh.waitFor({ timeout: 5_000 })
    expect(await fresh.getByTestId('unread').count()).toBe(1)
    await bob.page.getByRole('button', { name: 'Mark all read' }).click()
    await expect.poll(() => bob.page.getByTestId('unread').count()).toBe(0)
    await bob.page.reload()
    await homeItems(bob.page).first().waitFor()
    expect(await bob.page.getByTestId('unread').count()).toBe(0)
  })

  it('with notifications on, an item that arrives while the tab is hidden notifies who shared what kind, never the content', async () => {
    // The browser's permission and tab visibility, under the test's control.
    await bob.context.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>
      const shown: unknown[] = []
      w.__shown = shown
      let hidden = false
      w.__setHidden = (h: boolean) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')) }
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => hidden ? 'hidden' : 'visible' })
      w.Notification = class {
        static permission = 'granted'
        static requestPermission = async (): Promise<string> => 'granted'
        onclick: unknown = null
        constructor (title: string, options?: { body?: string }) { shown.push({ title, body: options?.body ?? null }) }
        close (): void {}
      }
    })
    await bob.page.reload()
    const box = bob.page.getByLabel('Tell me when a friend shares something while Kith is in the background')
    expect(await box.isChecked()).toBe(false) // off by default
    await box.click()
    await expect.poll(() => box.isChecked()).toBe(true) // ticked once it is saved
    await bob.page.reload()
    await homeItems(bob.page).first().waitFor()
    await expect.poll(() => box.isChecked()).toBe(true) // the choice is kept
    await expect.poll(() => alice.page.getByTestId('friend-presence').filter({ hasText: 'Online' }).count(), { timeout: 60_000 }).toBe(2)

    await bob.page.evaluate(() => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(true))
    await share('A secret plan for the weekend', 'family')
    const shown = (): Promise<unknown> => bob.page.evaluate(() => (window as unknown as { __shown: unknown[] }).__shown)
    await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: 'Alice shared a post', body: null }])
    // Shown on Home while hidden, but not read: read once Bob comes back.
    const item = homeItems(bob.page).filter({ hasText: 'A secret plan for the weekend' })
    await item.waitFor()
    expect(await bob.page.getByTestId('unread-count').textContent()).toMatch(/1 unread in all/)
    await bob.page.evaluate(() => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(false))
    await expect.poll(() => bob.page.getByTestId('unread-count').textContent()).not.toMatch(/unread in all/)
    expect(await item.getByTestId('unread').count()).toBe(1) // still marked for this visit
    expect(await shown()).toHaveLength(1)
  })
})
