// A home's uplink drops for a few seconds and comes back, as when a router
// reconnects or Wi-Fi roams. The side that dialled (Bob) sees its connection
// lose its path, restarts ICE on that same RTCPeerConnection, and sends the
// new offer sealed through the pair swarm; Alice's listener hands it to the
// live session (by a tag only the two ends can compute), which answers on
// its own connection. The session survives: no new RTCPeerConnection, no
// new handshake, and Alice's next note reaches Bob without anyone pressing
// anything. (A cut too long for a restart ends in a fresh dial instead:
// uplink-cut.network.test.ts.)
import { afterAll, describe, expect, it } from 'vitest'
import { HOMES, setUplink } from '../../scripts/lib/nat-network.mjs'
import { feedTexts } from '../e2e/support/app'
import { screenshot, type Person } from '../e2e/support/world'
import { share } from '../e2e/support/people'
import { natWorldPerFile } from './support/nat-world'
import { connectedPair } from './support/outage'
import { peerConnections, type PeerConnectionView } from './support/peer-stats'

const world = natWorldPerFile({ ice: 'stun' })
let alice: Person, bob: Person
const aliceHome = HOMES.find((h) => h.name === 'h1')!
let before: PeerConnectionView[] = []
/** Bob's connections that carry sessions with Alice (one he dialled, and
 *  maybe one she dialled to hint him of a note). */
let sessions: number[] = []
const statesOf = async (): Promise<string[]> => { const now = await peerConnections(bob.page); return sessions.map((i) => now[i]!.state) }

afterAll(async () => {
  setUplink(aliceHome, true)
})

describe('a brief uplink cut heals by an ICE restart', () => {
  it('Bob is connected to Alice and has her first note', async () => {
    ;({ alice, bob } = await connectedPair(world, 'Before the cut', { logConsole: true }))
    // Let the dials' spare offers close: only the sessions' connections stay.
    await expect.poll(async () => (await peerConnections(bob.page)).filter((pc) => pc.state === 'new' || pc.state === 'connecting').length, { timeout: 30_000 }).toBe(0)
    before = await peerConnections(bob.page)
    sessions = before.flatMap((pc, i) => pc.state === 'connected' ? [i] : [])
    expect(sessions.length).toBeGreaterThan(0)
  })

  it('while Alice’s uplink is down, Bob’s connection loses its path', async () => {
    setUplink(aliceHome, false)
    await expect.poll(async () => (await statesOf()).every((state) => state !== 'connected'), { timeout: 30_000 }).toBe(true)
    // Down a little longer, so ICE cannot simply find the old path again:
    // the restart has begun while the uplink was still away.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
  })

  it('once it is back, the same connection is connected again after an ICE restart, and her next note arrives by itself', async () => {
    setUplink(aliceHome, true)
    const restoredAt = Date.now()
    await expect.poll(statesOf, { timeout: 30_000 }).toEqual(sessions.map(() => 'connected'))
    console.log(`[ice-restart] Bob's connection was back ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after Alice's uplink came back`)
    const after = await peerConnections(bob.page)
    // The same RTCPeerConnection, with new ICE credentials (a restart), and
    // no new one made (a fresh dial makes new ones, then a new handshake).
    expect(after).toHaveLength(before.length)
    for (const i of sessions) expect(after[i]!.localUfrag).not.toBe(before[i]!.localUfrag)
    await bob.page.getByTestId('friend-rtt').waitFor({ timeout: 30_000 })
    expect(await bob.page.getByTestId('friend-phase').textContent()).toContain('Connected securely')
    await share(alice, 'After the restart')
    const sharedAt = Date.now()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain('After the restart')
    console.log(`[ice-restart] her next note reached Bob's feed ${((Date.now() - sharedAt) / 1000).toFixed(1)} s after she shared it`)
    // Still the one connection: the note came over the restarted session.
    expect(await peerConnections(bob.page)).toHaveLength(before.length)
    await screenshot(bob, 'network-ice-restart-bob')
  })
})
