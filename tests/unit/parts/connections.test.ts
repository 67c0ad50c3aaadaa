// Connections (node-tab/connections/connections.ts): every transport goes
// through the handshake, then the session goes where it belongs (my own
// devices' registry or the friends' one); handshake failures of strangers
// are shown to the owner in the node's words only; background deliveries
// reuse open sessions and dial in a few shared slots. Real handshakes over
// the memory transport; the dialler is a stand-in the test settles.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../../shared/util/bytes'
import { addressMeeting } from '../../../shared/rendezvous/meetings'
import type { NodeMethods } from '../../../shared/protocol/protocol'
import { HandshakeError } from '../../../shared/session/handshake'
import { establishSession } from '../../../shared/session/session'
import { FrameType } from '../../../shared/wire/codec'
import { createMemoryTransportPair } from '../../../shared/wire/memory-transport'
import type { Transport } from '../../../shared/wire/transport'
import { Connections, type ConnectionsOptions } from '../../../node-tab/connections/connections'
import type { DialOptions } from '../../../node-tab/discovery/dialer'
import { RelayBook } from '../../../node-tab/discovery/tracker-relays'
import type { DialVia } from '../../../node-tab/rendezvous/meeting-plan'
import { person, type Person } from '../store-fixtures'
import { RawPeer } from '../raw-peer'
import { waitFor } from '../waiting'
import { fullDevice, serverDeviceOf, type Device } from './identities'

interface PendingDial { opts: DialOptions, settle: (transport: Transport) => void, fail: (err: Error) => void }

const built: Connections[] = []
const pendingDials: PendingDial[] = []
afterEach(() => {
  for (const dial of pendingDials.splice(0)) dial.fail(new Error('test over'))
  for (const c of built.splice(0)) c.closeEverything('test over')
})

function connectionsOf (device: Device, over: Partial<ConnectionsOptions> = {}) {
  const calls = { ownDevices: [] as string[], changes: 0, dials: [] as PendingDial[], vias: [] as DialVia[] }
  const friends = new Set<string>()
  const dial = (opts: DialOptions): Promise<Transport> => new Promise((resolve, reject) => {
    opts.meetingFor(1)
    const pending = { opts, settle: resolve, fail: reject }
    calls.dials.push(pending)
    pendingDials.push(pending)
  })
  const connections = new Connections({
    identity: device.me,
    load: async () => ({ dial: dial as never, establishSession, HandshakeError }),
    isFriend: async (key) => friends.has(key),
    isRevoked: () => false,
    handlers: () => ({ ping: (params) => params as never }),
    plan: {
      prepareDial: async () => {},
      meetingFor: (remoteKey, epoch, via) => { calls.vias.push(via); return addressMeeting(remoteKey, epoch) }
    },
    trackers: () => [],
    relays: new RelayBook(),
    rtcConfig: () => ({ iceServers: [] }),
    onOwnDevice: (deviceHex) => { calls.ownDevices.push(deviceHex) },
    onChange: () => { calls.changes++ },
    ...over
  })
  built.push(connections)
  return { connections, calls, friends }
}

/** Someone's end of a session: their identity acting as its own device. */
function peerSide (who: Person, transport: Transport) {
  return establishSession<NodeMethods, NodeMethods>(transport, { identity: who.identity, handlers: () => ({}) })
}

/** A full device with Bob as a friend, and a session I dialled to him. */
async function withFriendSession () {
  const { connections, calls, friends } = connectionsOf(await fullDevice())
  const bob = person('Bob')
  friends.add(bob.key)
  const [a, b] = createMemoryTransportPair()
  const [mine] = await Promise.all([connections.startSession(a, bob.identity.publicKey), peerSide(bob, b)])
  return { connections, calls, friends, bob, mine }
}

describe('Connections: where a session goes', () => {
  it('a friend’s session, dialled or accepted, goes to the friends’ registry', async () => {
    const { connections, calls, friends, bob, mine } = await withFriendSession()
    expect(connections.sessions.get(bob.key)).toBe(mine)

    const carol = person('Carol')
    friends.add(carol.key)
    const [c, d] = createMemoryTransportPair()
    await Promise.all([peerSide(carol, c), connections.accept(d)])
    expect(connections.sessions.isOnline(carol.key)).toBe(true)
    expect(connections.deviceSessions.size).toBe(0)
    expect(calls.ownDevices).toEqual([])
  })

  it('another of my devices goes to the devices’ registry, by its device key, and onOwnDevice hears of it', async () => {
    const laptop = await fullDevice()
    const pi = await serverDeviceOf(laptop)
    const atLaptop = connectionsOf(laptop)
    const atPi = connectionsOf(pi)
    const [a, b] = createMemoryTransportPair()
    const [session] = await Promise.all([
      atLaptop.connections.startSession(a, laptop.me.identityKey, pi.me.credentials.device.publicKey),
      atPi.connections.accept(b)
    ])
    expect(atLaptop.connections.deviceSessions.get(pi.me.deviceHex)).toBe(session)
    expect(atLaptop.calls.ownDevices).toEqual([pi.me.deviceHex])
    expect(atPi.calls.ownDevices).toEqual([laptop.me.deviceHex])
    // Never in the friends' registry, on either side.
    expect(atLaptop.connections.sessions.size).toBe(0)
    expect(atPi.connections.sessions.size).toBe(0)
  })

  it('a dial of one device that reaches another of mine is refused', async () => {
    const laptop = await fullDevice()
    const pi = await serverDeviceOf(laptop)
    const atLaptop = connectionsOf(laptop)
    const [a, b] = createMemoryTransportPair()
    const [refused] = await Promise.all([
      atLaptop.connections.startSession(a, laptop.me.identityKey, new Uint8Array(32).fill(5)).then(() => null, (e: unknown) => e),
      connectionsOf(pi).connections.accept(b)
    ])
    expect(refused).toBeInstanceOf(HandshakeError)
    expect(atLaptop.connections.deviceSessions.size).toBe(0)
  })
})

describe('Connections: my own devices are not capped', () => {
  it('five of my devices dialling in all stay connected (the per-peer cap is for friends’ reloads and tabs)', async () => {
    const laptop = await fullDevice()
    const atLaptop = connectionsOf(laptop).connections
    const devices = await Promise.all(Array.from({ length: 5 }, () => serverDeviceOf(laptop)))
    for (const device of devices) {
      const [a, b] = createMemoryTransportPair()
      await Promise.all([connectionsOf(device).connections.startSession(a, laptop.me.identityKey, laptop.me.credentials.device.publicKey), atLaptop.accept(b)])
    }
    const open = devices.filter((d) => atLaptop.deviceSessions.get(d.me.deviceHex) !== null)
    expect(open.map((d) => d.me.deviceHex)).toEqual(devices.map((d) => d.me.deviceHex))
  })
})

describe('Connections: two sessions with one of my devices', () => {
  /** Both devices dial each other; `laptopFirst` says whose dial lands first. */
  async function crossedDials (laptopFirst: boolean) {
    const laptop = await fullDevice()
    const pi = await serverDeviceOf(laptop)
    const atLaptop = connectionsOf(laptop).connections
    const atPi = connectionsOf(pi).connections
    const laptopDials = async (): Promise<[Transport, Transport]> => {
      const [a, b] = createMemoryTransportPair()
      await Promise.all([atLaptop.startSession(a, laptop.me.identityKey, pi.me.credentials.device.publicKey), atPi.accept(b)])
      return [a, b]
    }
    const piDials = async (): Promise<[Transport, Transport]> => {
      const [a, b] = createMemoryTransportPair()
      await Promise.all([atPi.startSession(a, laptop.me.identityKey, laptop.me.credentials.device.publicKey), atLaptop.accept(b)])
      return [b, a] // [laptop's end, pi's end]
    }
    const [first, second] = laptopFirst ? [await laptopDials(), await piDials()] : [await piDials(), await laptopDials()]
    const [byLaptop, byPi] = laptopFirst ? [first, second] : [second, first]
    // Both keep the session dialled by the device with the smaller key.
    const kept = laptop.me.deviceHex < pi.me.deviceHex ? byLaptop : byPi
    const dropped = kept === byLaptop ? byPi : byLaptop
    expect(atLaptop.deviceSessions.get(pi.me.deviceHex)?.transport).toBe(kept[0])
    expect(atPi.deviceSessions.get(laptop.me.deviceHex)?.transport).toBe(kept[1])
    await waitFor(() => dropped[0].closed && dropped[1].closed)
    expect(kept[0].closed || kept[1].closed).toBe(false)
  }

  it('both keep the one whose dialler has the smaller device key (the laptop’s dial landing first)', () => crossedDials(true))
  it('both keep the one whose dialler has the smaller device key (the Pi’s dial landing first)', () => crossedDials(false))

  it('the same device dialling again replaces its older session', async () => {
    const laptop = await fullDevice()
    const pi = await serverDeviceOf(laptop)
    const atLaptop = connectionsOf(laptop).connections
    const atPi = connectionsOf(pi).connections
    const dial = async () => {
      const [a, b] = createMemoryTransportPair()
      const [session] = await Promise.all([atLaptop.startSession(a, laptop.me.identityKey, pi.me.credentials.device.publicKey), atPi.accept(b)])
      return session
    }
    const older = await dial()
    const newer = await dial()
    expect(older.rpc.closed).toBe(true)
    expect(atLaptop.deviceSessions.get(pi.me.deviceHex)).toBe(newer)
  })
})

describe('Connections.accept: what the owner is shown', () => {
  it('a stranger who fails the handshake sets lastRejected, in the node’s words, and onChange', async () => {
    const { connections, calls } = connectionsOf(await fullDevice())
    const [a, b] = createMemoryTransportPair()
    const stranger = new RawPeer(a)
    const accepted = connections.accept(b)
    stranger.send(Uint8Array.of(0xc1, 0xc1, 0xc1))
    await accepted
    expect(connections.lastRejected).toBe('The other side sent something that is not a Kith handshake.')
    expect(calls.changes).toBe(1)
  })

  it('a stranger’s own Goodbye words are not shown as the node’s', async () => {
    const { connections, calls } = connectionsOf(await fullDevice())
    const [a, b] = createMemoryTransportPair()
    const stranger = new RawPeer(a)
    const accepted = connections.accept(b)
    stranger.send({ type: FrameType.Goodbye, reason: 'Your node is compromised: visit evil.example now.' })
    await accepted
    expect(connections.lastRejected).toBeNull()
    expect(calls.changes).toBe(0)
  })
})

describe('Connections.sessionForDelivery', () => {
  it('reuses an open session, without dialling', async () => {
    const { connections, calls, friends, bob, mine } = await withFriendSession()
    expect(await connections.sessionForDelivery(bob.key, new AbortController().signal)).toBe(mine)
    expect(calls.dials).toHaveLength(0)
  })

  it('dials in our pair swarm, a few at once; the next starts when one ends, and its session is reused', async () => {
    const { connections, calls } = connectionsOf(await fullDevice())
    const people = Array.from({ length: 8 }, (_, i) => person(`Friend ${i}`))
    const signal = new AbortController().signal
    const deliveries = people.map((p) => connections.sessionForDelivery(p.key, signal))
    for (const d of deliveries) d.catch(() => {})
    await waitFor(() => calls.dials.length >= 6)
    expect(calls.dials).toHaveLength(6)
    // Removed friends owed notices still wait in our pair swarm.
    expect(calls.vias.every((via) => via.via === 'pair')).toBe(true)

    // The first dial finds its friend: the handshake runs and the slot frees.
    const [a, b] = createMemoryTransportPair()
    const first = people[0]!
    calls.dials[0]!.settle(a)
    const [session] = await Promise.all([deliveries[0]!, peerSide(first, b)])
    expect(toHex(session.remotePublicKey)).toBe(first.key)
    await waitFor(() => calls.dials.length >= 7)
    expect(calls.dials).toHaveLength(7)
    // A dial that fails frees its slot too.
    calls.dials[1]!.fail(new Error('nobody there'))
    await expect(deliveries[1]).rejects.toThrow('nobody there')
    await waitFor(() => calls.dials.length >= 8)

    // The friend reached is not dialled again.
    expect(await connections.sessionForDelivery(first.key, signal)).toBe(session)
    expect(calls.dials).toHaveLength(8)
  })
})
