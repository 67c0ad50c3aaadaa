// Every screen at a phone's width (390 px): nothing sticks out sideways, not
// even with long names, a long caption word or an invite link on screen.
// Screenshots of each under test-results/screenshots/phone-*.png.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { refreshFeed, tab } from './support/app'
import { overflow } from './support/overflow'
import { createInvite, openAs, share } from './support/people'
import { screenshot, worldPerFile, type Person } from './support/world'

const WIDTH = 390
const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person
let link = ''

const LONG_NAME = 'Alexandra-Konstantina Papadopoulou-Featherstonehaugh'
const LONG_WORD = 'Supercalifragilisticexpialidocious'.repeat(3)

async function noOverflow (person: Person, name: string): Promise<void> {
  await person.page.evaluate(() => document.fonts.ready)
  await screenshot(person, `phone-${name}`)
  const o = await overflow(person.page)
  expect(o.viewport, name).toBe(WIDTH)
  expect(o.scrollWidth, `${name}: page scroll width`).toBeLessThanOrEqual(WIDTH)
  expect(o.wide, `${name}: elements wider than the viewport`).toEqual([])
  expect(o.outOfCard, `${name}: elements sticking out of their card`).toEqual([])
}

/** Opens a tab and, once `ready` shows, checks it. */
async function tabFits (person: Person, name: string, ready: Locator, shot: string): Promise<void> {
  await tab(person.page, name)
  await ready.waitFor()
  await noOverflow(person, shot)
}

beforeAll(async () => {
  alice = await world.person('alice')
  bob = await world.person('bob')
  for (const p of [alice, bob]) await p.page.setViewportSize({ width: WIDTH, height: 844 })
  await openAs(alice, world.appUrl, LONG_NAME)
  await openAs(bob, world.appUrl, 'Bob')
  // Alice shares a note with a long word, then invites Bob.
  await share(alice, `A word that does not fit: ${LONG_WORD}`)
  link = await createInvite(alice, 'Bob from the climbing club, the one with the red van')
})

describe(`at ${WIDTH} px wide`, () => {
  it('Invites, with a link on screen', async () => {
    await noOverflow(alice, 'invites')
  })

  it('the invite page', async () => {
    await bob.page.goto(link)
    await bob.page.getByRole('button', { name: 'Accept invite' }).waitFor()
    await noOverflow(bob, 'invite-page')
  })

  it('the friend page, with what they share', async () => {
    await bob.page.getByRole('button', { name: 'Accept invite' }).click()
    await expect.poll(() => bob.page.url(), { timeout: 60_000 }).toContain(`#/friend/${alice.address}`)
    await bob.page.getByTestId('friend-name').filter({ hasText: 'Alexandra' }).waitFor({ timeout: 30_000 })
    await refreshFeed(bob.page)
    await bob.page.getByTestId('feed-item').first().waitFor()
    await noOverflow(bob, 'friend-page')
  })

  it('Home, with what friends share', async () => {
    await bob.page.goto(world.appUrl)
    await tab(bob.page, 'Home')
    await bob.page.getByText(LONG_WORD.slice(0, 30), { exact: false }).first().waitFor({ timeout: 30_000 })
    await noOverflow(bob, 'home')
  })

  it('Me & server (settings)', () => tabFits(bob, 'Me & server', bob.page.getByTestId('my-address'), 'me-settings'))

  it('My items, with a deletion request', async () => {
    const page = alice.page
    await tab(page, 'My items')
    await page.getByTestId('my-item').first().getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByTestId('deletion').first().waitFor()
    await page.getByRole('radio', { name: 'Selected groups' }).check()
    await noOverflow(alice, 'my-items-deletions')
  })

  it('Groups, with a long group name and a member', async () => {
    const page = alice.page
    await tab(page, 'Groups')
    await page.getByLabel('New group name').fill('Climbing club and everyone from the Thursday evenings')
    await page.getByRole('button', { name: 'Create group' }).click()
    await page.getByTestId('group').first().waitFor()
    await noOverflow(alice, 'groups')
  })

  it('Friends', () => tabFits(alice, 'Friends', alice.page.getByTestId('friend-entry').first(), 'friends'))
  it('Devices', () => tabFits(alice, 'Devices', alice.page.locator('kith-devices'), 'devices'))

  it('a friend page for someone not reachable, and a page for a stranger', async () => {
    await alice.page.goto(`${world.appUrl}#/friend/${bob.address}`)
    await alice.page.getByTestId('friend-phase').waitFor()
    await noOverflow(alice, 'friend-page-alice-side')
  })

  it('the check itself sees an element too wide, even inside a shadow root', async () => {
    const page = alice.page
    await page.evaluate(() => {
      const card = document.querySelector('kith-app')!.shadowRoot!.querySelector('kith-friend-view')!.shadowRoot!.querySelector('section')!
      const wide = document.createElement('div')
      wide.className = 'too-wide'
      wide.style.width = '600px'
      wide.textContent = 'x'
      card.append(wide)
    })
    const o = await overflow(page)
    expect(o.wide.some((w) => w.includes('div.too-wide'))).toBe(true)
    expect(o.scrollWidth).toBeGreaterThan(WIDTH)
    expect(o.outOfCard.some((w) => w.includes('div.too-wide'))).toBe(true)
  })
})
