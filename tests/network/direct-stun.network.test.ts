// Two homes behind endpoint-independent NATs (Linux MASQUERADE keeps the
// source port) with STUN: the browsers learn their public addresses and
// connect straight to each other, no relay in between.
import { describe, expect, it } from 'vitest'
import { homeAddresses, TURN_ADDRESS } from '../../scripts/lib/nat-network.mjs'
import { screenshot, type Person } from '../e2e/support/world'
import { friendsWithANote } from './support/friends'
import { natWorldPerFile } from './support/nat-world'
import { selectedPairs } from './support/peer-stats'

const world = natWorldPerFile({ ice: 'stun' })
let alice: Person, bob: Person

describe('behind two endpoint-independent NATs, with STUN', () => {
  it('Bob accepts Alice’s invite and fetches her note over a direct connection', async () => {
    ;({ alice, bob } = await friendsWithANote(world, 'A note that went straight through two NATs'))
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
