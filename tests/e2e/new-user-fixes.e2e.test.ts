// What a new user tripped over, driven through the UI:
// the invite page names the inviter (unconfirmed until the handshake), the
// share form says whom it will reach and starts again from "Only me", a
// deletion request names the item by kind and date (never its content), and
// a friend's page shows one state at a time — including "it's my side" when
// my trackers are down, keeping the friend's saved name when they cannot be
// reached. Keyboard-only steps check where focus lands.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { refreshFeed, tab } from './support/app'
import { focused } from './support/focus'
import { openAs } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person
let link = ''

const NOTE = 'Picnic on Saturday, bring a blanket'
const SECOND = 'A second note for later'

/** At 1280 px (the size these tests use) and at 390. */
const both = (person: Person, name: string): Promise<void> =>
  desktopAndPhone(person, name, { phoneHeight: 844, after: { width: 1280, height: 900 } })

function headerText (page: Page): Promise<string> {
  return page.locator('kith-friend-view section.card').first().innerText()
}

/** Bob's page for Alice is headed with the name he saved, her address beneath. */
async function expectSavedName (): Promise<void> {
  await expect.poll(() => bob.page.getByTestId('friend-name').textContent(), { timeout: 30_000 }).toBe('Alice')
  expect((await bob.page.locator('kith-friend-view code.address').textContent())!.trim()).toBe(alice.address)
}

beforeAll(async () => {
  alice = await world.person('alice')
  bob = await world.person('bob')
  for (const p of [alice, bob]) await p.page.setViewportSize({ width: 1280, height: 900 })
  await openAs(alice, world.appUrl, 'Alice')
  await openAs(bob, world.appUrl, 'Bob')
})

describe('a new user’s path', () => {
  it('creating an invite by keyboard puts focus on the link, which carries Alice’s name; Done returns focus', async () => {
    const page = alice.page
    await tab(page, 'Invites')
    await page.getByLabel('Label (only you see it)').focus()
    await page.keyboard.type('Bob')
    await page.keyboard.press('Enter')
    const shown = page.getByTestId('invite-link')
    await expect.poll(() => shown.textContent()).toContain('#/invite/')
    link = (await shown.textContent())!.trim()
    expect(link).toMatch(/\?from=Alice$/)
    // Made at 127.0.0.1: the page says a phone could not open it.
    expect(await page.getByTestId('invite-local-only').textContent()).toMatch(/opens only on a computer running Kith there/)
    await expect.poll(async () => (await focused(page))?.testid).toBe('invite-link')
    await both(alice, 'invites-link-shown')
    await page.getByRole('button', { name: 'Done' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await focused(page))?.text).toBe('Create invite')
  })

  it('the invite page says who invites, unconfirmed; an edited name is cleaned and cut', async () => {
    await bob.page.goto(link)
    const who = bob.page.getByTestId('inviter')
    await expect.poll(() => who.textContent()).toMatch(/says they are\s+Alice\s+— not yet confirmed/)
    await both(bob, 'invite-page-hint')

    const hostile = `\u202eecilA\u202c ${'\u200b'.repeat(5)}Mallory\u0007${'x'.repeat(300)}`
    await bob.page.goto(link.replace(/\?from=.*$/, `?from=${encodeURIComponent(hostile)}`))
    const hint = bob.page.getByTestId('inviter-hint')
    await expect.poll(() => hint.textContent()).toContain('Mallory')
    const text = (await hint.locator('strong').textContent())!
    expect(text).not.toMatch(/[\u202a-\u202e\u200b\u0007]/)
    expect([...text].length).toBeLessThanOrEqual(80)
    // Old links, without a name, still work and say only the address.
    await bob.page.goto(link.replace(/\?from=.*$/, ''))
    await expect.poll(() => who.textContent()).toMatch(/invited you to be friends on Kith/)
    expect(await who.textContent()).not.toMatch(/says they are/)
  })

  it('after accepting (by keyboard), the friend page has the confirmed name, focus and one state', async () => {
    await bob.page.goto(link)
    await bob.page.getByRole('button', { name: 'Accept invite' }).focus()
    await bob.page.keyboard.press('Enter')
    await expect.poll(() => bob.page.url(), { timeout: 60_000 }).toContain(`#/friend/${alice.address}`)
    // By keyboard, focus lands on the friend's name rather than falling to the page.
    await expect.poll(async () => (await focused(bob.page))?.id).toBe('friend-heading')
    await bob.page.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 30_000 })
    await expect.poll(() => headerText(bob.page), { timeout: 30_000 }).toMatch(/Connected securely · (Up to date|nothing fetched yet)/)
    expect(await bob.page.getByTestId('feed-state').count()).toBe(1) // the fetch state is said once, in the header
    // Connected: how quickly Alice answers is said in words, and the box for
    // connecting without a tracker is out of the way.
    expect(await bob.page.getByTestId('friend-rtt').textContent()).not.toMatch(/\d\s*ms|Round trip/)
    await expect.poll(() => bob.page.getByTestId('manual-connect').count()).toBe(0)
    await both(bob, 'friend-connected')
  })

  it('the share form says whom it reaches, resets to a private note, and focus returns to the first field', async () => {
    const page = alice.page
    await tab(page, 'My items')
    const reach = page.getByTestId('composer-reach')
    await expect.poll(() => reach.textContent()).toBe('Only you')
    expect(await page.getByRole('radio', { name: 'Only me' }).isChecked()).toBe(true)
    await page.getByRole('radio', { name: 'Post', exact: true }).check()
    await page.getByRole('radio', { name: 'All friends' }).check()
    await expect.poll(() => reach.textContent()).toBe('Will reach 1 friend')
    await page.getByRole('radio', { name: 'Selected groups' }).check()
    await expect.poll(() => reach.textContent()).toBe('') // no group chosen: said as an error on Share
    await page.getByRole('radio', { name: 'All friends' }).check()
    await both(alice, 'composer-reach')
    // By keyboard: type the text, then Share with Enter on the button.
    await page.getByLabel('Text', { exact: true }).focus()
    await page.keyboard.type(NOTE)
    await page.getByRole('button', { name: 'Share' }).focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('my-item').filter({ hasText: NOTE }).waitFor()
    await expect.poll(() => page.getByTestId('composer-message').textContent()).toMatch(/Shared with all friends/)
    expect(await page.getByRole('radio', { name: 'Only me' }).isChecked()).toBe(true)
    expect(await page.getByRole('radio', { name: 'Note', exact: true }).isChecked()).toBe(true)
    expect(await reach.textContent()).toBe('Only you')
    expect(await page.getByLabel('Text', { exact: true }).inputValue()).toBe('')
    await expect.poll(async () => { const f = await focused(page); return f && `${f.name}:${f.value}:${f.checked}` }).toBe('type:note:true')
    await both(alice, 'composer-after-share')
  })

  it('a deletion request names the item by kind and date, never its text; focus moves on after each step', async () => {
    await bob.page.bringToFront()
    await refreshFeed(bob.page)
    await bob.page.getByTestId('feed-item').filter({ hasText: NOTE }).waitFor()
    const page = alice.page
    // A second item, only for Alice, so there is a next row to land on.
    await page.getByLabel('Text', { exact: true }).fill(SECOND)
    await page.getByRole('button', { name: 'Share' }).click()
    await page.getByTestId('my-item').filter({ hasText: SECOND }).waitFor()
    const row = page.getByTestId('my-item').filter({ hasText: NOTE })
    await row.getByRole('button', { name: 'Delete' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await focused(page))?.text).toBe('Yes, delete')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('my-item').filter({ hasText: NOTE }).count()).toBe(0)
    // The row that took its place: the other note's Delete button.
    await expect.poll(async () => (await focused(page))?.text).toBe('Delete')

    const deletion = page.getByTestId('deletion').first()
    const today = await page.evaluate(() => new Date().toLocaleDateString(undefined, { dateStyle: 'medium' }))
    await expect.poll(() => deletion.getByTestId('deletion-item').textContent()).toBe(`Your post from ${today}`)
    expect(await deletion.textContent()).not.toContain('Picnic')
    await expect.poll(() => deletion.getByTestId('deletion-summary').textContent(), { timeout: 30_000 }).toMatch(/Done|confirmed/)
    await both(alice, 'deletion-request')
    await deletion.getByRole('button', { name: /^Dismiss/ }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('deletion').count()).toBe(0)
    await expect.poll(async () => (await focused(page))?.id).toBe('deletions-heading')
  })

  it('a friend who went away shows "Not reachable" with the last sync, never "Up to date"', async () => {
    const header = (): Promise<string> => headerText(bob.page)
    // Settled first: a sync still running when Alice leaves is rightly shown
    // as "queued until they are back", which is not what this test is about.
    await expect.poll(header, { timeout: 30_000 }).toMatch(/Up to date/)
    await alice.page.close() // Alice goes offline
    await expect.poll(header, { timeout: 60_000 }).toMatch(/Not reachable after \d+ seconds — still trying · (your request is queued until they are back \()?last synced (just now|\d+ minutes ago)/)
    expect(await header()).not.toMatch(/Up to date/i)
    expect(await header()).toMatch(/Their tab may be closed or offline/)
    await expectSavedName()
    // Now the box for connecting without a tracker is offered again.
    await expect.poll(() => bob.page.getByTestId('manual-connect').count()).toBe(1)
    await both(bob, 'friend-not-reachable')
  })

  it('when my own trackers are down, it says so instead of blaming their tab', async () => {
    for (const t of world.trackers) await t.close()
    await bob.page.reload()
    const header = (): Promise<string> => headerText(bob.page)
    await expect.poll(header, { timeout: 60_000 }).toMatch(/Kith can’t reach any tracker right now, so it can’t find anyone — check your connection or Network settings/)
    expect(await header()).not.toMatch(/tab may be closed|Up to date/i)
    // Reloaded, unreachable and without trackers: still the name Bob saved.
    await expectSavedName()
    await both(bob, 'friend-no-trackers')
  })
})
