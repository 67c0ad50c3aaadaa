// Two homes behind symmetric NATs (--random-fully: a new public port for
// every destination), so no address learned from STUN works for the other
// side: the connection goes through the TURN relay. And what the relay sees:
// a capture on its interface holds the relayed traffic, but no note text,
// name or key in any form (the data channel is DTLS end to end).
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import bs58 from 'bs58'
import { homeAddresses, RELAY_PORTS, startCapture, TURN_ADDRESS } from '../../scripts/lib/nat-network.mjs'
import { parseAddress } from '../../shared/identity/identity'
import { screenshot, type Person } from '../e2e/support/world'
import { friendsWithANote } from './support/friends'
import { natWorldPerFile } from './support/nat-world'
import { selectedPairs } from './support/peer-stats'
import { udpDatagrams } from './support/pcap'

const world = natWorldPerFile({ ice: 'turn' })
let alice: Person, bob: Person
const marker = randomBytes(6).toString('hex')
const NOTE = `Secret picnic plan ${marker}`
const ALICE = `Alice ${marker.slice(0, 4)}`
const BOB = `Bob ${marker.slice(4, 8)}`
let capture: Buffer

describe('behind two symmetric NATs, with TURN', () => {
  it('Bob accepts Alice’s invite and fetches her note through the relay, which is captured', async () => {
    const recording = await startCapture(`${world.turn.logFile}.pcap`)
    try {
      ;({ alice, bob } = await friendsWithANote(world, NOTE, { homes: ['h3', 'h4'], names: [ALICE, BOB] }))
      await screenshot(bob, 'network-relay-bob')
    } finally {
      capture = await recording.stop()
    }
  })

  it('the selected candidate pair uses the relay', async () => {
    const pairs = [...await selectedPairs(alice.page), ...await selectedPairs(bob.page)]
    expect(pairs.length).toBeGreaterThan(0)
    for (const pair of pairs) expect([pair.local.type, pair.remote.type]).toContain('relay')
  })

  it('the relay carried the traffic: both homes sent datagrams through its relay ports', () => {
    const datagrams = udpDatagrams(capture)
    const relayed = datagrams.filter((d) => (d.dst === TURN_ADDRESS || d.src === TURN_ADDRESS) &&
      [d.srcPort, d.dstPort].some((p) => p >= RELAY_PORTS.min && p <= RELAY_PORTS.max))
    const viaTurnPort = datagrams.filter((d) => d.dst === TURN_ADDRESS && d.dstPort === 3478)
    expect(viaTurnPort.length).toBeGreaterThan(0)
    const relayedBytes = [...relayed, ...viaTurnPort].reduce((n, d) => n + d.payload.length, 0)
    // The handshake, profile, feed and note: kilobytes, not a few probes.
    expect(relayedBytes).toBeGreaterThan(4_000)
    const talkers = new Set(viaTurnPort.map((d) => d.src))
    expect(talkers).toContain(homeAddresses(3).public)
    expect(talkers).toContain(homeAddresses(4).public)
  })

  it('what the relay saw holds no note text, name or key; it does hold the plain TURN username, so the search works', () => {
    const seen = Buffer.concat(udpDatagrams(capture).map((d) => d.payload))
    // Control: STUN/TURN attributes travel in the clear, so a plain string
    // that did pass through is found by the same search.
    expect(seen.includes(Buffer.from(world.turn.username))).toBe(true)
    const secrets: Array<[string, Buffer]> = [
      ['note text', Buffer.from(NOTE)],
      ['note marker', Buffer.from(marker)],
      ['Alice’s name', Buffer.from(ALICE)],
      ['Bob’s name', Buffer.from(BOB)]
    ]
    for (const [who, address] of [['Alice', alice.address], ['Bob', bob.address]] as const) {
      const key = Buffer.from(parseAddress(address))
      secrets.push([`${who}’s address`, Buffer.from(address)])
      secrets.push([`${who}’s key, raw`, key])
      secrets.push([`${who}’s key, hex`, Buffer.from(key.toString('hex'))])
      secrets.push([`${who}’s key, HEX`, Buffer.from(key.toString('hex').toUpperCase())])
      secrets.push([`${who}’s key, base58`, Buffer.from(bs58.encode(key))])
      secrets.push([`${who}’s key, base64`, Buffer.from(key.toString('base64'))])
    }
    const found = secrets.filter(([, bytes]) => seen.includes(bytes)).map(([what]) => what)
    expect(found).toEqual([])
  })
})
