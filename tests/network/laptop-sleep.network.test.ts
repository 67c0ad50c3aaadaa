// Alice's laptop sleeps: her page stops running (frozen through the
// DevTools protocol, the state Chromium puts a page in when it suspends
// it) and her home network goes away with it (the uplink is cut). It wakes:
// the network is back, then the page runs again. Nobody presses anything:
// Bob's page reconnects to her by itself and her next note reaches his feed
// without a Refresh. (An OS suspend also makes the clock jump past every
// timer; the detector for that is tested in tests/unit/network-watch.test.ts,
// as the test network cannot suspend a machine.)
import type { CDPSession } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { HOMES, setUplink } from '../../scripts/lib/nat-network.mjs'
import { feedTexts } from '../e2e/support/app'
import { screenshot, type Person } from '../e2e/support/world'
import { share } from '../e2e/support/people'
import { natWorldPerFile } from './support/nat-world'
import { connectedPair } from './support/outage'

const world = natWorldPerFile({ ice: 'stun' })
let alice: Person, bob: Person
let aliceCdp: CDPSession
const aliceHome = HOMES.find((h) => h.name === 'h1')!

afterAll(async () => {
  setUplink(aliceHome, true)
  await aliceCdp?.send('Page.setWebLifecycleState', { state: 'active' }).catch(() => {})
})

describe('a laptop sleeps and wakes', () => {
  it('Bob is connected to Alice and has her first note', async () => {
    ;({ alice, bob } = await connectedPair(world, 'Before the nap'))
  })

  it('while Alice’s page is frozen and her network gone, Bob’s page stops showing her as connected', async () => {
    aliceCdp = await alice.context.newCDPSession(alice.page)
    await aliceCdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    setUplink(aliceHome, false)
    await expect.poll(() => bob.page.getByTestId('friend-rtt').count(), { timeout: 60_000 }).toBe(0)
  })

  it('when it wakes, Bob’s page reconnects by itself and her next note arrives without a Refresh', async () => {
    setUplink(aliceHome, true)
    await aliceCdp.send('Page.setWebLifecycleState', { state: 'active' })
    const wokeAt = Date.now()
    await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 90_000 })
    // A figure for the log, not an assertion (speed lives in bench/).
    console.log(`[laptop-sleep] Bob reconnected ${((Date.now() - wokeAt) / 1000).toFixed(1)} s after Alice's page woke`)
    expect(await bob.page.getByTestId('friend-phase').textContent()).toContain('Connected securely')
    await share(alice, 'After the nap')
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain('After the nap')
    await screenshot(bob, 'network-after-sleep-bob')
  })
})
