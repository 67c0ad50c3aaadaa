// "Hide my IP address from friends": Bob's browser gathers only relay
// candidates (iceTransportPolicy 'relay'), so Alice's browser never learns
// his home's public (NAT) address or his LAN address, only the relay's.
import { describe, expect, it } from 'vitest'
import { homeAddresses, TURN_ADDRESS } from '../../scripts/lib/nat-network.mjs'
import { SCREENSHOT_DIR, type Person } from '../e2e/support/world'
import { befriend, fetchNote, share } from '../e2e/support/people'
import { aliceAndBob } from './support/friends'
import { natWorldPerFile } from './support/nat-world'
import { configsUsed, remoteAddressesSeen, selectedPairs } from './support/peer-stats'
import { setHideMyIp } from './support/settings'

// Endpoint-independent NATs with STUN and TURN: a direct path would work,
// so only the setting keeps Bob's address from Alice.
const world = natWorldPerFile({ ice: 'turn' })
let alice: Person, bob: Person

describe('relay-only privacy mode', () => {
  it('Bob turns on “Hide my IP address from friends”, then becomes Alice’s friend and fetches her note', async () => {
    ;({ alice, bob } = await aliceAndBob(world))
    expect(await setHideMyIp(bob, true)).toBe('Saved. Reconnected with the new settings.')
    for (const width of [1280, 390]) {
      await bob.page.setViewportSize({ width, height: 900 })
      await bob.page.getByLabel('Hide my IP address from friends').scrollIntoViewIfNeeded()
      await bob.page.screenshot({ path: `${SCREENSHOT_DIR}/network-privacy-setting-${width}.png` })
    }
    await bob.page.setViewportSize({ width: 900, height: 900 })
    await befriend(alice, bob)
    await share(alice, 'A note for a friend who hides his address')
    await fetchNote(bob, world.appUrl, alice, 'A note for a friend who hides his address')
  })

  it('the setting survives a reload, and every connection Bob makes is relay-only', async () => {
    await bob.page.reload()
    await bob.page.getByTestId('feed-state').waitFor()
    await fetchNote(bob, world.appUrl, alice, 'A note for a friend who hides his address')
    const configs = await configsUsed(bob.page)
    expect(configs.length).toBeGreaterThan(0)
    for (const config of configs) expect(config?.iceTransportPolicy).toBe('relay')
    const atBob = await selectedPairs(bob.page)
    expect(atBob.length).toBeGreaterThan(0)
    for (const pair of atBob) expect(pair.local.type).toBe('relay')
  })

  it('Alice’s browser saw only the relay’s address for Bob, never his NAT or LAN address', async () => {
    const seen = await remoteAddressesSeen(alice.page)
    const bobHome = homeAddresses(2)
    expect(seen).toContain(TURN_ADDRESS)
    expect(seen).not.toContain(bobHome.public)
    expect(seen).not.toContain(bobHome.lan)
    // Hidden (empty) prflx addresses aside, nothing but the relay.
    expect(seen.filter((a) => a && a !== TURN_ADDRESS)).toEqual([])
    const atAlice = await selectedPairs(alice.page)
    expect(atAlice.length).toBeGreaterThan(0)
    for (const pair of atAlice) expect(pair.remote.address === TURN_ADDRESS || (pair.remote.type === 'prflx' && !pair.remote.address)).toBe(true)
  })
})
