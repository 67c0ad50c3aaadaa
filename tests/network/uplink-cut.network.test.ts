// A home loses its uplink (the router's public side goes down, as when a
// laptop sleeps or a home router reboots) and gets it back. The friend's
// page notices the connection is gone, and reconnects by itself once the
// network is back, without anyone pressing anything: Alice's node rechecks
// its tracker sockets as soon as her peer connection loses its path, retries
// every few seconds while no tracker answers; Bob's side restarts ICE on the
// same session (ice-restart.network.test.ts), or, if that has not worked
// within 8 s, dials afresh (a new connection and handshake). A note shared afterwards
// reaches Bob by itself, with no Refresh: a session that opens syncs, and
// Alice's node hints Bob of the new note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOMES, setUplink } from '../../scripts/lib/nat-network.mjs'
import { feedTexts } from '../e2e/support/app'
import { screenshot, type Person } from '../e2e/support/world'
import { acceptInvite, createInvite, fetchNote, openAs, shareNote } from './support/friends'
import { createNatWorld, type NatWorld } from './support/nat-world'

let world: NatWorld
let alice: Person, bob: Person
let aliceAddress = ''
const aliceHome = HOMES.find((h) => h.name === 'h1')!

beforeAll(async () => {
  world = await createNatWorld({ ice: 'stun' })
})

afterAll(async () => {
  setUplink(aliceHome, true)
  await world?.close()
})

describe('a home’s uplink is cut and restored', () => {
  it('Bob is connected to Alice and has her first note', async () => {
    alice = await world.person('alice', 'h1')
    bob = await world.person('bob', 'h2')
    aliceAddress = await openAs(alice, world.appUrl, 'Alice')
    await openAs(bob, world.appUrl, 'Bob')
    const link = await createInvite(alice)
    await acceptInvite(bob, link, aliceAddress, 'Alice')
    await shareNote(alice, 'Before the cut')
    await fetchNote(bob, world.appUrl, aliceAddress, 'Before the cut')
    await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 30_000 })
  })

  it('with Alice’s uplink down, Bob’s page stops showing her as connected', async () => {
    setUplink(aliceHome, false)
    // No round trip shown: pings go unanswered. (The session itself is kept
    // for an ICE restart for a while, so the phase may still say connected.)
    await expect.poll(() => bob.page.getByTestId('friend-rtt').count(), { timeout: 60_000 }).toBe(0)
    await screenshot(bob, 'network-uplink-down-bob')
  })

  it('once it is back, Bob’s page reconnects by itself, and her next note arrives without a Refresh', async () => {
    setUplink(aliceHome, true)
    const restoredAt = Date.now()
    // Nothing is pressed on Bob's page: the connection comes back on its own.
    await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 90_000 })
    // A figure for the log, not an assertion (speed lives in bench/).
    console.log(`[uplink-cut] Bob reconnected ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after Alice's uplink came back`)
    expect(await bob.page.getByTestId('friend-phase').textContent()).toContain('Connected securely')
    await shareNote(alice, 'After the cut')
    const sharedAt = Date.now()
    // Nothing pressed here either: the note must turn up in Bob's feed.
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain('After the cut')
    console.log(`[uplink-cut] her next note reached Bob's feed ${((Date.now() - sharedAt) / 1000).toFixed(1)} s after she shared it`)
    await screenshot(bob, 'network-uplink-restored-bob')
  })
})
