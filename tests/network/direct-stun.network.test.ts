// Two homes behind endpoint-independent NATs (Linux MASQUERADE keeps the
// source port) with STUN: the browsers learn their public addresses and
// connect straight to each other, no relay in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { homeAddresses, TURN_ADDRESS } from '../../scripts/lib/nat-network.mjs'
import { screenshot, type Person } from '../e2e/support/world'
import { acceptInvite, createInvite, fetchNote, openAs, shareNote } from './support/friends'
import { createNatWorld, type NatWorld } from './support/nat-world'
import { selectedPairs } from './support/peer-stats'

let world: NatWorld
let alice: Person, bob: Person

beforeAll(async () => {
  world = await createNatWorld({ ice: 'stun' })
})

afterAll(async () => {
  await world?.close()
})

describe('behind two endpoint-independent NATs, with STUN', () => {
  it('Bob accepts Alice’s invite and fetches her note over a direct connection', async () => {
    alice = await world.person('alice', 'h1')
    bob = await world.person('bob', 'h2')
    const aliceAddress = await openAs(alice, world.appUrl, 'Alice')
    await openAs(bob, world.appUrl, 'Bob')
    const link = await createInvite(alice)
    await acceptInvite(bob, link, aliceAddress, 'Alice')
    await shareNote(alice, 'A note that went straight through two NATs')
    await fetchNote(bob, world.appUrl, aliceAddress, 'A note that went straight through two NATs')
    await screenshot(bob, 'network-direct-bob')
  })

  it('the selected candidate pair is server-reflexive on both ends, never a relay', async () => {
    const atBob = await selectedPairs(bob.page)
    expect(atBob.length).toBeGreaterThan(0)
    for (const pair of atBob) {
      expect(pair.local.type).not.toBe('relay')
      expect(pair.remote.type).not.toBe('relay')
      expect(pair.remote.address).not.toBe(TURN_ADDRESS)
      // Alice's router's public side: the address STUN told her about.
      expect(pair.remote.address).toBe(homeAddresses(1).public)
      expect(['srflx', 'prflx']).toContain(pair.remote.type)
    }
    const atAlice = await selectedPairs(alice.page)
    expect(atAlice.length).toBeGreaterThan(0)
    for (const pair of atAlice) {
      expect(pair.local.type).not.toBe('relay')
      expect(pair.remote.type).not.toBe('relay')
      expect(pair.remote.address).toBe(homeAddresses(2).public)
    }
  })
})
