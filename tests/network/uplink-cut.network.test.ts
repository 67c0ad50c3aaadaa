// A home loses its uplink (the router's public side goes down, as when a
// laptop sleeps or a home router reboots) and gets it back, once briefly and
// once for 20 s. The friend's page notices the connection is gone, and
// reconnects by itself once the network is back, without anyone pressing
// anything: Alice's node rechecks its tracker sockets as soon as her peer
// connection loses its path, retries every few seconds while no tracker
// answers; Bob's side restarts ICE on the same session
// (ice-restart.network.test.ts), or, if that has not worked within 8 s,
// dials afresh (a new connection and handshake). A note shared afterwards
// reaches Bob by itself, with no Refresh: a session that opens syncs, and
// Alice's node hints Bob of the new note.
//
// The 20 s cut is long enough for Alice's node to give up its tracker
// socket and reconnect while the tracker still holds her old, dead one: a
// stock tracker keeps relaying offers for a peer id to the socket that first
// announced it, so her new socket must use a fresh peer id to be reached
// (tracker-connection.ts). Before that, Bob's page never reconnected.
import { afterAll, describe, expect, it } from 'vitest'
import { HOMES, setUplink } from '../../scripts/lib/nat-network.mjs'
import { screenshot } from '../e2e/support/world'
import { natWorldPerFile } from './support/nat-world'
import { connectedPair, nextNoteArrivesByItself, type Pair } from './support/outage'

const aliceHome = HOMES.find((h) => h.name === 'h1')!

describe.each([
  { cut: 'briefly', holdMs: 0, shot: 'network-uplink' },
  { cut: 'for 20 s', holdMs: 20_000, shot: 'network-uplink-long' }
])('a home’s uplink is cut $cut and restored', ({ cut, holdMs, shot }) => {
  const world = natWorldPerFile({ ice: 'stun' })
  let pair: Pair

  afterAll(() => {
    setUplink(aliceHome, true)
  })

  it('Bob is connected to Alice and has her first note', async () => {
    pair = await connectedPair(world, 'Before the cut')
  })

  it('with Alice’s uplink down, Bob’s page stops showing her as connected', async () => {
    setUplink(aliceHome, false)
    // No round trip shown: pings go unanswered. (The session itself is kept
    // for an ICE restart for a while, so the phase may still say connected.)
    await expect.poll(() => pair.bob.page.getByTestId('friend-rtt').count(), { timeout: 60_000 }).toBe(0)
    await screenshot(pair.bob, `${shot}-down-bob`)
    await new Promise((resolve) => setTimeout(resolve, holdMs))
  }, 90_000)

  it('once it is back, Bob’s page reconnects by itself, and her next note arrives without a Refresh', async () => {
    setUplink(aliceHome, true)
    const restoredAt = Date.now()
    // Nothing is pressed on Bob's page: the connection comes back on its own.
    await pair.bob.page.getByTestId('friend-rtt').waitFor({ timeout: 90_000 })
    // Figures for the log, not assertions (speed lives in bench/).
    console.log(`[uplink-cut ${cut}] Bob reconnected ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after Alice's uplink came back`)
    expect(await pair.bob.page.getByTestId('friend-phase').textContent()).toContain('Connected securely')
    const took = await nextNoteArrivesByItself(pair, 'After the cut')
    console.log(`[uplink-cut ${cut}] her next note reached Bob's feed ${took.toFixed(1)} s after she shared it`)
    await screenshot(pair.bob, `${shot}-restored-bob`)
  })
})
