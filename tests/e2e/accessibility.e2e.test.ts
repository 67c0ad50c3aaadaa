// axe-core on every screen, at desktop and phone widths: no violations of
// WCAG 2.x A and AA (and axe's best practices) anywhere a person goes, in
// the light of real data (a friend, a note, an invite, a deletion).
// axe is run through the DevTools protocol (page.evaluate), which the
// app's Content-Security-Policy does not govern; it looks into every open
// shadow root, so Lit's components are checked too.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { refreshFeed, tab } from './support/app'
import { acceptInvite, createInvite, openAs, share } from './support/people'
import { screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
let alice: Person, bob: Person
let link = ''

interface Violation { id: string, impact: string | null, help: string, nodes: string[] }

/** axe's violations on the page as it is now, each with the elements it names. */
async function violations (page: Page): Promise<Violation[]> {
  await page.evaluate(AXE)
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string, impact: string | null, help: string, nodes: Array<{ target: unknown[] }> }> }> } }).axe
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }))
  })
}

async function clean (person: Person, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await person.page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
    await screenshot(person, `a11y-${name}-${width}`)
    expect(await violations(person.page), `${name} at ${width} px`).toEqual([])
  }
}

beforeAll(async () => {
  alice = await world.person('alice')
  bob = await world.person('bob')
  await openAs(alice, world.appUrl, 'Alice')
  await openAs(bob, world.appUrl, 'Bob')
  await share(alice, 'Picnic on Saturday at noon')
  link = await createInvite(alice, 'Bob')
})

describe('no accessibility violations', () => {
  it('the guided start: first, with an invite link, with restoring open', async () => {
    const carol = await world.person('carol')
    await carol.page.goto(world.appUrl)
    await carol.page.getByTestId('start-guide').waitFor()
    await clean(carol, 'start')
    await carol.page.getByLabel('Name shown to friends').fill('Carol')
    await carol.page.getByRole('button', { name: 'Save name' }).click()
    await carol.page.getByText('Saved. Friends see this name.').waitFor()
    await carol.page.getByRole('button', { name: 'Invite a friend' }).click()
    await carol.page.getByRole('img', { name: /QR code of the invite link/ }).waitFor()
    await clean(carol, 'start-invite')
    await carol.page.getByRole('button', { name: 'I already use Kith' }).click()
    await carol.page.getByLabel('Backup file').waitFor()
    await clean(carol, 'start-existing')
  })

  it('Me & server, on a first start', () => clean(bob, 'me'))
  it('Invites, with a link on screen', () => clean(alice, 'invites'))

  it('the invite page', async () => {
    await bob.page.goto(link)
    await bob.page.getByRole('button', { name: 'Accept invite' }).waitFor()
    await clean(bob, 'invite-page')
  })

  it('a friend page, with what they share', async () => {
    await acceptInvite(bob, link, alice)
    await refreshFeed(bob.page)
    await bob.page.getByTestId('feed-item').first().waitFor({ timeout: 30_000 })
    await clean(bob, 'friend-page')
  })

  it('Home', async () => {
    await bob.page.goto(world.appUrl)
    await tab(bob.page, 'Home')
    await bob.page.getByText('Picnic on Saturday').first().waitFor({ timeout: 30_000 })
    await clean(bob, 'home')
  })

  it('Friends', async () => {
    await tab(alice.page, 'Friends')
    await alice.page.getByTestId('friend-entry').first().waitFor()
    await clean(alice, 'friends')
  })

  it('My items, with a deletion request', async () => {
    await tab(alice.page, 'My items')
    await alice.page.getByTestId('my-item').first().getByRole('button', { name: 'Delete' }).click()
    await alice.page.getByRole('button', { name: 'Yes, delete' }).click()
    await alice.page.getByTestId('deletion').first().waitFor()
    await clean(alice, 'my-items')
  })

  it('Groups', async () => {
    await tab(alice.page, 'Groups')
    await alice.page.getByLabel('New group name').fill('Climbing club')
    await alice.page.getByRole('button', { name: 'Create group' }).click()
    await alice.page.getByTestId('group').first().waitFor()
    await clean(alice, 'groups')
  })

  it('Devices', async () => {
    await tab(alice.page, 'Devices')
    await alice.page.locator('kith-devices').waitFor()
    await clean(alice, 'devices')
  })

  it('Network settings, open, with the relay list (a relay that cannot be reached, its last error, the off switch)', async () => {
    await alice.page.goto(`${world.appUrl}#/me`)
    await alice.page.getByText('Network settings').click()
    await alice.page.getByLabel('Add a relay').fill('ws://127.0.0.1:9')
    await alice.page.getByRole('button', { name: 'Add', exact: true }).click()
    await alice.page.getByTestId('relay-last-error').waitFor({ timeout: 30_000 })
    await clean(alice, 'network-settings')
  })

  it('the check itself finds a violation: an image without a text alternative', async () => {
    await alice.page.evaluate(() => {
      const img = document.createElement('img')
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='
      document.querySelector('kith-app')!.shadowRoot!.append(img)
    })
    expect((await violations(alice.page)).map((v) => v.id)).toContain('image-alt')
  })
})
