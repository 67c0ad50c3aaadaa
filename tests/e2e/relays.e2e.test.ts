// Relays as a second rendezvous, in real pages: Alice and Bob become friends
// while the tracker works; then every tracker is down and only the relay (a
// stock Nostr relay from npm, strict as public ones are) is up, both reload,
// and they connect live through it. Then what the relay saw during the whole
// run is searched for who they are: no address, public key, name, note text
// or SDP may appear (the TURN test's check, for relays).
import { describe, expect, it } from 'vitest'
import { loadCrypto } from '../../shared/crypto/crypto'
import { parseAddress } from '../../shared/identity/identity'
import { toBase64, toHex } from '../../shared/util/bytes'
import { feedTexts, refreshFeed } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { desktopAndPhone, screenshot, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ relay: true })
let alice: Person, bob: Person
// Names and a note unlikely to turn up by chance in sealed base64.
const NOTE = 'Lanterns at the old boathouse, Thursday at nine'
const ALICE = 'Alice Marlowe'
const BOB = 'Bob Quennell'

async function expectLive (person: Person, friend: Person): Promise<void> {
  await person.page.goto(`${world.appUrl}#/friend/${friend.address}`)
  await person.page.getByTestId('friend-name').filter({ hasText: friend.shownName }).waitFor({ timeout: 60_000 })
  await person.page.getByTestId('friend-rtt').waitFor({ timeout: 60_000 })
  // A live round trip was measured (shown to the person in words).
  expect(await person.page.getByTestId('friend-rtt').getAttribute('data-rtt-ms')).toMatch(/^\d+\.\d$/)
}

describe('every tracker down, the relay up', () => {
  it('two people become friends while the tracker works, and one sees what the other shares', async () => {
    ;[alice, bob] = await newPeople(world, ALICE, BOB)
    await befriend(alice, bob)
    await share(alice, NOTE)
    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page), { timeout: 30_000 }).toEqual([expect.stringContaining(NOTE)])
  })

  it('with every tracker stopped, both reload and connect live through the relay alone', async () => {
    for (const tracker of world.trackers) await tracker.close()
    const before = world.relay!.seen().length
    await alice.page.reload()
    await bob.page.reload()
    await expectLive(bob, alice)
    await alice.page.goto(`${world.appUrl}#/me`)
    // Alice's side of it (either may also have dialled the other: at least one session).
    await expect.poll(async () => Number(await alice.page.getByTestId('peers-connected').textContent()), { timeout: 30_000 }).toBeGreaterThan(0)
    await expect.poll(() => alice.page.getByTestId('trackers-connected').textContent()).toBe('0 of 1')
    // The offers and answers went by the relay: both kinds of event passed through it since.
    const since = world.relay!.seen().slice(before).join('\n')
    expect(since).toContain('"kind":25050')
    expect(since).toContain('"kind":25051')
    await screenshot(bob, '90-relays-bob-live-without-trackers')
  })

  it('Bob’s status says the relay works while no tracker does; Network settings list it, and removing it leaves no relay', async () => {
    await bob.page.goto(`${world.appUrl}#/me`)
    await expect.poll(() => bob.page.getByTestId('relays-connected').textContent(), { timeout: 30_000 }).toBe('1 of 1')
    expect(await bob.page.getByTestId('relay-health').getAttribute('data-health')).toBe('working')
    expect(await bob.page.getByTestId('trackers-connected').textContent()).toBe('0 of 1')
    // Reachable through the relay alone: online, not "not reachable yet".
    expect(await bob.page.getByTestId('node-summary').textContent()).toMatch(/^\s*Online/)
    await bob.page.getByText('Network settings').click()
    expect(await bob.page.getByTestId('relay-in-use').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^\\s*${world.relay!.url} — yours, connected`))])
    await desktopAndPhone(bob, ['91-relays-status-1280', '92-relays-status-390'])
    // Removed from my list, it is still the one Alice said works for her; removed again, it is gone.
    const row = bob.page.getByTestId('relay-in-use')
    await bob.page.getByRole('button', { name: `Remove ${world.relay!.url}` }).click()
    await expect.poll(() => row.getAttribute('data-source')).toBe('friend')
    await bob.page.getByRole('button', { name: `Remove ${world.relay!.url}` }).click()
    await bob.page.getByTestId('no-relays').waitFor()
    await expect.poll(() => bob.page.getByTestId('relay-health').count()).toBe(0)
    expect(await bob.page.getByTestId('relays-connected').count()).toBe(0)
  })

  it('what the relay saw names nobody: no address, public key, name, note or SDP', async () => {
    await loadCrypto() // parseAddress checks the address's checksum
    const seen = world.relay!.seen().join('\n') + JSON.stringify(world.relay!.stored())
    expect(seen.length).toBeGreaterThan(0)
    const secrets: string[] = [NOTE, ALICE, BOB, 'Marlowe', 'Quennell']
    for (const person of [alice, bob]) {
      const key = parseAddress(person.address)
      secrets.push(person.address, toHex(key), toBase64(key), toBase64(key).replace(/=+$/, ''))
    }
    for (const secret of secrets) expect(seen, `the relay saw “${secret}”`).not.toContain(secret)
    // Sealed offers and answers: no SDP or ICE candidate (an IP address) in the clear.
    expect(seen).not.toMatch(/a=candidate|a=fingerprint|v=0\\r\\n|typ host|typ srflx/)
  })
})
