// Four trackers, three of them broken the ways public ones break: one takes
// sockets but relays nothing, one drops every socket after three seconds,
// one holds every message for three seconds; one works. Two friends still
// connect and share, and the status says which trackers work and what is
// wrong with the others. All four are strict (Aquatic's rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { feedTexts, refreshFeed, setName, tab } from './support/app'
import { createWorld, openApp, screenshot, type Person, type World } from './support/world'

let world: World
let alice: Person, bob: Person
let aliceAddress = ''
const NOTE = 'Picnic by the river on Saturday'

beforeAll(async () => {
  world = await createWorld({
    trackers: [
      { behaviour: 'black-hole' },
      { behaviour: 'flapping', flapAfterMs: 3_000 },
      { behaviour: 'slow', slowDelayMs: 3_000 },
      { behaviour: 'good' }
    ]
  })
})

afterAll(async () => {
  await world?.close()
})

const [BLACK_HOLE, FLAPPING, SLOW, GOOD] = [0, 1, 2, 3]

function healthOf (person: Person, index: number): Promise<string | null> {
  return person.page.getByTestId('tracker-health').filter({ hasText: world.trackers[index]!.url }).getAttribute('data-health')
}

describe('with a black hole, a flapping and a slow tracker besides one good one', () => {
  it('two people become friends and one sees what the other shares', async () => {
    alice = await world.person('alice')
    bob = await world.person('bob')
    aliceAddress = await openApp(alice, world.appUrl)
    await setName(alice, 'Alice')
    await openApp(bob, world.appUrl)
    await setName(bob, 'Bob')

    await tab(alice.page, 'Invites')
    await alice.page.getByLabel('Label (only you see it)').fill('for Bob')
    await alice.page.getByRole('button', { name: 'Create invite' }).click()
    const link = alice.page.getByTestId('invite-link')
    await expect.poll(() => link.textContent()).toContain('#/invite/')
    const inviteLink = (await link.textContent())!.trim()

    await bob.page.goto(inviteLink)
    await bob.page.getByRole('button', { name: 'Accept invite' }).click()
    await expect.poll(() => bob.page.url(), { timeout: 60_000 }).toContain(`#/friend/${aliceAddress}`)
    await bob.page.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 30_000 })

    await tab(alice.page, 'My items')
    await alice.page.getByRole('radio', { name: 'Note', exact: true }).check()
    await alice.page.getByLabel('Text', { exact: true }).fill(NOTE)
    await alice.page.getByRole('radio', { name: 'All friends' }).check()
    await alice.page.getByRole('button', { name: 'Share' }).click()
    await alice.page.getByTestId('my-item').filter({ hasText: NOTE }).waitFor()

    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page)).toEqual([expect.stringContaining(NOTE)])
  })

  it('the status says which trackers work, and what is wrong with each of the others', async () => {
    // Bob's node dialled Alice through all four: it knows the most. The same
    // page (a hash change, not a reload), so what it learnt is still there.
    await bob.page.evaluate(() => { location.hash = '#/me' })
    await bob.page.getByTestId('my-address').waitFor()
    await expect.poll(() => healthOf(bob, GOOD), { timeout: 30_000 }).toBe('working')
    await expect.poll(() => healthOf(bob, SLOW), { timeout: 30_000 }).toBe('slow')
    await expect.poll(() => healthOf(bob, FLAPPING), { timeout: 60_000 }).toBe('keeps-dropping')
    await expect.poll(() => healthOf(bob, BLACK_HOLE), { timeout: 30_000 }).toBe('not-relaying')
    await expect.poll(() => bob.page.getByTestId('trackers-connected').textContent()).toBe('1 of 4')
    const list = await bob.page.getByTestId('tracker-health').allTextContents()
    expect(list.join('\n')).toMatch(/keeps dropping the connection/)
    expect(list.join('\n')).toMatch(/slow to answer/)
    expect(list.join('\n')).toMatch(/offers do not seem to get through it/)
    // Network settings list the same four, as Bob's own, with their health.
    await bob.page.getByText('Network settings').click()
    const inUse = bob.page.getByTestId('tracker-in-use')
    await expect.poll(() => inUse.count()).toBe(4)
    expect(await inUse.filter({ hasText: world.trackers[GOOD]!.url }).textContent()).toMatch(/yours, working/)
    await bob.page.setViewportSize({ width: 1280, height: 900 })
    await screenshot(bob, '60-hostile-trackers-status-1280')
    await bob.page.setViewportSize({ width: 390, height: 900 })
    await screenshot(bob, '61-hostile-trackers-status-390')
  })
})
