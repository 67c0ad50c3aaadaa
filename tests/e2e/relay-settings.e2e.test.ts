// Relays are the owner's choice, in real pages (DESIGN §6c): Network
// settings list the relays in use with how each is doing, take one added
// and one removed, go back to the default list (here the host's config.json,
// which names the test relay: the public defaults never come into a test),
// and "Keep everything off relays" keeps this page from opening so much as
// a WebSocket to a relay, where the same steps with relays on do.
import { describe, expect, it } from 'vitest'
import { befriend, newPeople, share } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'
import { storedMailboxEvents } from './support/mailbox'
import { DEFAULT_RELAYS } from '../../node-tab/person/config'

const world = worldPerFile({ relay: true })
let alice: Person, bob: Person
const letters = (): number => storedMailboxEvents(world)

async function openNetworkSettings (person: Person): Promise<void> {
  await person.page.goto(`${world.appUrl}#/me`)
  const list = person.page.locator('kith-relay-list')
  if (!await list.isVisible()) await person.page.getByText('Network settings').click()
  await list.waitFor()
}

const relayRow = (person: Person, url: string) => person.page.getByTestId('relay-in-use').filter({ hasText: url })

describe('Settings → Relays', () => {
  it('Alice and Bob become friends', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice Relayer', 'Bob Relayer')
    await befriend(alice, bob)
  })

  it('lists the relay in use with its status, adds and removes one (mine, then a friend’s), and goes back to the default list', async () => {
    await openNetworkSettings(bob)
    const page = bob.page
    const ours = relayRow(bob, world.relay!.url)
    await expect.poll(() => ours.getAttribute('data-health'), { timeout: 30_000 }).toBe('working')
    expect(await ours.textContent()).toMatch(/yours, connected/)

    // Not a relay address: said in words, nothing saved.
    await page.getByLabel('Add a relay').fill('https://relay.example.org')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await expect.poll(() => page.getByTestId('relay-list-status').textContent()).toMatch(/ws:\/\/ or wss:\/\//)
    expect(await page.getByTestId('relay-in-use').count()).toBe(1)

    // A relay nobody answers at: added, then said to be unreachable, with why.
    const dead = 'ws://127.0.0.1:9'
    await page.getByLabel('Add a relay').fill(dead)
    await page.getByLabel('Add a relay').press('Enter')
    await expect.poll(() => page.getByTestId('relay-list-status').textContent()).toBe(`Added ${dead}.`)
    await expect.poll(() => relayRow(bob, dead).getAttribute('data-health'), { timeout: 30_000 }).toBe('unreachable')
    expect(await relayRow(bob, dead).textContent()).toMatch(/unreachable, retrying[\s\S]*last error: “.+”/)
    await desktopAndPhone(bob, 'relays-settings')

    // Removed, by keyboard: the button is named after the relay.
    await page.getByRole('button', { name: `Remove ${dead}` }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => relayRow(bob, dead).count()).toBe(0)
    await page.getByRole('button', { name: `Remove ${world.relay!.url}` }).click()
    // Alice said the same relay works for her: it stays, as hers, until removed from her too.
    await expect.poll(() => ours.getAttribute('data-source')).toBe('friend')
    expect(await ours.textContent()).toMatch(/shared by Alice Relayer/)
    await page.getByRole('button', { name: `Remove ${world.relay!.url}` }).click()
    await expect.poll(() => page.getByTestId('relay-list-status').textContent()).toMatch(/The friends who shared it cannot add it again/)
    await page.getByTestId('no-relays').waitFor()
    await page.goto(`${world.appUrl}#/me`)
    await expect.poll(() => page.getByTestId('relays-connected').count()).toBe(0)

    // Back to the defaults: the host's list (config.json), never the public ones here.
    await openNetworkSettings(bob)
    await page.getByRole('button', { name: 'Use the default relays' }).click()
    await expect.poll(() => page.getByTestId('relay-list-status').textContent()).toBe('Back to the default relays.')
    await expect.poll(() => page.getByTestId('relay-in-use').allTextContents()).toEqual([expect.stringContaining(world.relay!.url)])
    const listed = (await page.getByTestId('relay-in-use').allTextContents()).join(' ')
    for (const pub of DEFAULT_RELAYS) expect(listed).not.toContain(pub)
    await expect.poll(() => ours.getAttribute('data-health'), { timeout: 30_000 }).toBe('working')
  })

  it('with relays on, Bob’s page opens a socket to the relay and leaves a letter for Alice when he shares', async () => {
    const sockets: string[] = []
    bob.page.on('websocket', (ws) => sockets.push(ws.url()))
    const before = letters()
    await bob.page.reload()
    await share(bob, 'With relays on')
    await expect.poll(letters, { timeout: 30_000 }).toBeGreaterThan(before)
    // Polled too: a letter the page wrote before the reload may land first,
    // while the reloaded page's socket waits for its serving half to load.
    await expect.poll(() => sockets.some((url) => url.startsWith(world.relay!.url)), { timeout: 30_000 }).toBe(true)
  })

  it('“Keep everything off relays”: the same steps open not even a WebSocket to a relay', async () => {
    await openNetworkSettings(bob)
    const page = bob.page
    const off = page.getByLabel('Keep everything off relays')
    expect(await page.locator('#relays-off-hint').textContent()).toMatch(/friends who are never online at the same time as you will not get your posts until you are/)
    await off.check()
    await expect.poll(() => page.getByTestId('relay-list-status').textContent()).toMatch(/Relays are off/)
    await page.getByTestId('relays-off-note').waitFor()
    await desktopAndPhone(bob, 'relays-off')

    const sockets: string[] = []
    page.on('websocket', (ws) => sockets.push(ws.url()))
    const before = letters()
    await page.reload()
    // The node listened (its tracker socket is up) and a post went out...
    await page.goto(`${world.appUrl}#/me`)
    await expect.poll(() => page.getByTestId('trackers-connected').textContent(), { timeout: 30_000 }).toBe('1 of 1')
    await share(bob, 'With relays off')
    await expect.poll(() => sockets.some((url) => url.startsWith(world.trackers[0]!.url))).toBe(true)
    // ...and nothing went near the relay: no socket, no letter, no status.
    expect(sockets.filter((url) => url.startsWith(world.relay!.url))).toEqual([])
    expect(letters()).toBe(before)
    expect(await page.getByTestId('relays-connected').count()).toBe(0)

    // On again: the list it kept is back in use.
    await openNetworkSettings(bob)
    await page.getByLabel('Keep everything off relays').uncheck()
    await expect.poll(() => relayRow(bob, world.relay!.url).getAttribute('data-health'), { timeout: 30_000 }).toBe('working')
    expect(sockets.some((url) => url.startsWith(world.relay!.url))).toBe(true)
  })
})
