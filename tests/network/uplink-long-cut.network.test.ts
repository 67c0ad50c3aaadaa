// A home's uplink is cut for 20 s, long enough for Alice's node to give up
// its tracker socket (the probe goes unanswered) and reconnect once the
// network is back, while the tracker still holds her old, dead socket: a
// stock tracker keeps relaying offers for a peer id to the socket that first
// announced it, so her new socket must use a fresh peer id to be reached
// (tracker-connection.ts). Before that, Bob's page never reconnected. The
// short cut (uplink-cut.network.test.ts) keeps the old socket alive instead.
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

describe('a home’s uplink is cut for 20 s and restored', () => {
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

  it('stays down for 20 s', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20_000))
  }, 30_000)

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
