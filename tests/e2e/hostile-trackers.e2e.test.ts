// Four trackers, three of them broken the ways public ones break: one takes
// sockets but relays nothing, one drops every socket after three seconds,
// one holds every message for three seconds; one works. Two friends still
// connect and share, and the status says which trackers work and what is
// wrong with the others. All four are strict (Aquatic's rules).
import { describe, expect, it } from 'vitest'
import { feedTexts, refreshFeed } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'

const world = worldPerFile({
  trackers: [
    { behaviour: 'black-hole' },
    { behaviour: 'flapping', flapAfterMs: 3_000 },
    { behaviour: 'slow', slowDelayMs: 3_000 },
    { behaviour: 'good' }
  ]
})
let alice: Person, bob: Person
const NOTE = 'Picnic by the river on Saturday'

const [BLACK_HOLE, FLAPPING, SLOW, GOOD] = [0, 1, 2, 3]

function healthOf (person: Person, index: number): Promise<string | null> {
  return person.page.getByTestId('tracker-health').filter({ hasText: world.trackers[index]!.url }).getAttribute('data-health')
}

/** Evidence against the black hole takes a dial whose offers went out through
 *  it while its socket was open, answered through the others. The dialler
 *  sends as soon as one tracker is open (a slow one must not slow a connect),
 *  and through the others as they open while it waits; but Bob's dials so
 *  far were answered right after a page load (accepting the invite): on a
 *  busy machine, before the black hole's socket opened. Then
 *  Bob dials Alice once more from this page, whose four sockets have long
 *  been open: Alice's page reloads, which ends their session, and Bob's
 *  feed of her is refreshed. */
async function blackHoleFoundOutBy (person: Person, friend: Person): Promise<void> {
  for (let dials = 0; ; dials++) {
    try {
      await expect.poll(() => healthOf(person, BLACK_HOLE), { timeout: 15_000 }).toBe('not-relaying')
      return
    } catch (err) {
      if (dials === 3) throw err
    }
    await expect.poll(() => healthOf(person, BLACK_HOLE)).toMatch(/^(working|not-relaying)$/) // its socket is open
    await friend.page.reload()
    await friend.page.evaluate(() => { location.hash = '#/me' })
    await friend.page.getByTestId('my-address').waitFor() // the node is back
    await person.page.evaluate((address) => { location.hash = `#/friend/${address}` }, friend.address)
    await refreshFeed(person.page)
    await person.page.evaluate(() => { location.hash = '#/me' })
    await person.page.getByTestId('my-address').waitFor()
  }
}

describe('with a black hole, a flapping and a slow tracker besides one good one', () => {
  it('two people become friends and one sees what the other shares', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')
    await befriend(alice, bob)
    await share(alice, NOTE)

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
    await blackHoleFoundOutBy(bob, alice)
    // Polled: on a busy machine a status may still be settling here. Each
    // tracker's health is read beside the count, so a failure says which
    // one is not what it should be (once, beside another run, this read
    // "0 of 4" for 30 s, and which tracker was off was not known).
    const summary = async (): Promise<string> =>
      `${await bob.page.getByTestId('trackers-connected').textContent()}: ${(await Promise.all(world.trackers.map((_, i) => healthOf(bob, i)))).join(', ')}`
    await expect.poll(summary, { timeout: 30_000 }).toMatch(/^1 of 4:/)
    const list = async (): Promise<string> => (await bob.page.getByTestId('tracker-health').allTextContents()).join('\n')
    await expect.poll(list, { timeout: 30_000 }).toMatch(/keeps dropping the connection/)
    await expect.poll(list, { timeout: 30_000 }).toMatch(/slow to answer/)
    await expect.poll(list, { timeout: 30_000 }).toMatch(/offers do not seem to get through it/)
    // Network settings list the same four, as Bob's own, with their health.
    await bob.page.getByText('Network settings').click()
    const inUse = bob.page.getByTestId('tracker-in-use')
    await expect.poll(() => inUse.count()).toBe(4)
    await expect.poll(() => inUse.filter({ hasText: world.trackers[GOOD]!.url }).textContent(), { timeout: 30_000 }).toMatch(/yours, working/)
    await desktopAndPhone(bob, ['60-hostile-trackers-status-1280', '61-hostile-trackers-status-390'])
  })
})
