// Trackers friends share: Carol uses only tracker 2, Bob only tracker 1,
// Alice both. Carol's offers reach Alice through tracker 2, so Alice knows
// it relays; when Bob connects, Alice tells him, and Bob's Network settings
// list it as shared by Alice, after his own. Bob removes it, and Alice
// cannot add it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setName, tab } from './support/app'
import { createWorld, openApp, screenshot, type Person, type World } from './support/world'

let world: World
let alice: Person, bob: Person, carol: Person
let aliceAddress = ''

beforeAll(async () => {
  world = await createWorld({ trackerCount: 2 })
})

afterAll(async () => {
  await world?.close()
})

async function useOnly (person: Person, trackerUrl: string): Promise<void> {
  await person.page.getByText('Network settings').click()
  await person.page.getByLabel('Trackers, one per line').fill(trackerUrl)
  await person.page.getByRole('button', { name: 'Save settings' }).click()
  await person.page.getByText('Saved. Reconnected with the new settings.').waitFor()
}

async function befriendAlice (person: Person, label: string): Promise<void> {
  await tab(alice.page, 'Invites')
  await alice.page.getByLabel('Label (only you see it)').fill(label)
  await alice.page.getByRole('button', { name: 'Create invite' }).click()
  const link = alice.page.getByTestId('invite-link').filter({ hasText: '#/invite/' }).last()
  await link.waitFor()
  await person.page.goto((await link.textContent())!.trim())
  await person.page.getByRole('button', { name: 'Accept invite' }).click()
  await expect.poll(() => person.page.url(), { timeout: 60_000 }).toContain(`#/friend/${aliceAddress}`)
  await person.page.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 30_000 })
}

const shared = (): ReturnType<Person['page']['getByTestId']> => bob.page.getByTestId('tracker-in-use').filter({ hasText: world.trackers[1]!.url })

describe('trackers shared by friends', () => {
  it('Bob learns from Alice a tracker that works for her, listed after his own as shared by Alice', async () => {
    alice = await world.person('alice')
    bob = await world.person('bob')
    carol = await world.person('carol')
    aliceAddress = await openApp(alice, world.appUrl)
    await setName(alice, 'Alice')
    for (const [p, n, t] of [[bob, 'Bob', 0], [carol, 'Carol', 1]] as const) {
      await openApp(p, world.appUrl)
      await setName(p, n)
      await useOnly(p, world.trackers[t]!.url)
    }
    await befriendAlice(carol, 'for Carol') // through tracker 2 only
    await befriendAlice(bob, 'for Bob') // through tracker 1 only

    await bob.page.evaluate(() => { location.hash = '#/me' })
    await bob.page.getByText('Network settings').click()
    await expect.poll(() => shared().count(), { timeout: 30_000 }).toBe(1)
    expect(await shared().textContent()).toMatch(/shared by Alice/)
    const order = await bob.page.getByTestId('tracker-in-use').allTextContents()
    expect(order[0]).toContain(world.trackers[0]!.url)
    await bob.page.setViewportSize({ width: 1280, height: 900 })
    await screenshot(bob, '80-shared-trackers-1280')
    await bob.page.setViewportSize({ width: 390, height: 900 })
    await screenshot(bob, '81-shared-trackers-390')
    await bob.page.setViewportSize({ width: 900, height: 900 })
  })

  it('Bob removes it; reconnecting to Alice does not bring it back', async () => {
    await bob.page.getByRole('button', { name: `Remove ${world.trackers[1]!.url}` }).click()
    await bob.page.getByText(/cannot add it again/).waitFor()
    await expect.poll(() => shared().count()).toBe(0)
    await bob.page.reload()
    await bob.page.goto(`${world.appUrl}#/friend/${aliceAddress}`)
    await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 60_000 })
    await bob.page.evaluate(() => { location.hash = '#/me' })
    await bob.page.getByText('Network settings').click()
    await bob.page.getByTestId('tracker-in-use').first().waitFor()
    // Bob's node asks Alice again once the session is up (a round trip on
    // an open channel); the same check in tests/unit/shared-trackers waits
    // for the answer exactly.
    await bob.page.waitForTimeout(2_000)
    expect(await shared().count()).toBe(0)
  })
})
