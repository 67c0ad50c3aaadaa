// Attack: exhausting a node's connections. Whoever can get an answer at all
// (a stranger in the address swarm of a discoverable node, whoever holds an
// invite link, even a spent or withdrawn one, which stays reachable for a
// while, or one hostile friend) opens session after session and keeps them.
// Each is an RTCPeerConnection (Chromium allows ~500 per page); answer slots
// bound only connections being set up. Without a bound on open sessions
// nobody else could connect.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession, type Session } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import type { IncomingSessionLimits } from '../../node-tab/connections/incoming-sessions'
import type { SessionLimits } from '../../node-tab/connections/session-limits'
import { AT_CAPACITY } from '../../node-tab/connections/sessions'
import { KithError } from '../../shared/wire/errors'
import { inviteMeeting, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt } from '../../shared/rendezvous/rendezvous'
import { until } from './friend-fixtures'

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function openNode (limits: Partial<IncomingSessionLimits> = {}, sessionLimits: Partial<SessionLimits> = {}): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(`attack-sessions-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] }, incomingLimits: limits, sessionLimits })
  nodes.push(node)
  return node
}

type Mine = Session<NodeMethods, NodeMethods>

/** `who` connects to the node the way the listener hands over any incoming
 *  connection; resolves once the node has admitted (or refused) the session. */
async function connectIn (node: KithNode, who: Identity, via?: MeetingKind): Promise<Mine> {
  const [a, b] = createMemoryTransportPair()
  const accept = node.connections.accept.bind(node.connections)
  const [mine] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => ({}) }),
    accept(b, via)
  ])
  return mine
}

async function befriend (node: KithNode, who: Identity): Promise<void> {
  await node.friends.add({ key: toHex(who.publicKey), address: addressFromPublicKey(who.publicKey), displayName: 'friend' })
}

const openCount = (sessions: Mine[]): number => sessions.filter((s) => !s.transport.closed).length

describe('attack: strangers holding sessions open', () => {
  // Attack: one stranger (or many) opens 30 sessions and keeps them all.
  it('only a few stranger sessions stay open at once; a friend still gets in', async () => {
    const node = await openNode({ maxStrangers: 4 })
    const sessions: Mine[] = []
    for (let i = 0; i < 30; i++) sessions.push(await connectIn(node, createIdentity()))
    await until(() => openCount(sessions) <= 4)
    expect(openCount(sessions)).toBe(4)
    expect(node.incoming.strangerCount).toBe(4)
    // The node's registry holds no more than that either.
    await until(() => node.sessions.size === 4)

    const bob = createIdentity()
    await befriend(node, bob)
    const bobs = await connectIn(node, bob)
    expect(bobs.transport.closed).toBe(false)
    expect((await bobs.rpc.call('ping', { data: Uint8Array.of(1) })).data).toEqual(Uint8Array.of(1))
  })

  // Attack: strangers flooding a discoverable node's address swarm take
  // every stranger session, so that someone with an invite cannot redeem it.
  it('strangers from the address swarm cannot keep an invite holder out', async () => {
    const node = await openNode({ maxStrangers: 3 })
    const flood: Mine[] = []
    for (let i = 0; i < 10; i++) flood.push(await connectIn(node, createIdentity(), 'address'))
    await until(() => openCount(flood) === 3)
    const invite = await node.invites.create({ label: 'dave', expiresInMs: null })
    const dave = createIdentity()
    const session = await connectIn(node, dave, 'invite')
    expect(session.transport.closed).toBe(false)
    const { owner } = await session.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: 'Dave', address: addressFromPublicKey(dave.publicKey) } })
    expect(owner.address).toBe(node.address)
  })

  // Attack: a stranger keeps a session open forever, taking a stranger slot.
  it('a stranger session that does not become a friend is closed after a short while', async () => {
    const node = await openNode({ maxStrangers: 2, strangerLifetimeMs: 50 })
    const stranger = await connectIn(node, createIdentity())
    expect(stranger.transport.closed).toBe(false)
    await until(() => stranger.transport.closed)
    expect(node.incoming.strangerCount).toBe(0)
  })

  // Control: redeeming an invite within the window keeps the session.
  it('a stranger who redeems an invite in time keeps the session as a friend', async () => {
    const node = await openNode({ maxStrangers: 2, strangerLifetimeMs: 100 })
    const invite = await node.invites.create({ label: 'carol', expiresInMs: null })
    const carol = createIdentity()
    const session = await connectIn(node, carol)
    await session.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: 'Carol', address: addressFromPublicKey(carol.publicKey) } })
    // Past the stranger window, still open and served as a friend.
    const later = await connectIn(node, createIdentity())
    await until(() => later.transport.closed)
    expect(session.transport.closed).toBe(false)
    expect(await session.rpc.call('listItems', { limit: 1 })).toEqual({ items: [], cursor: null, done: true })
  })
})

describe('many people accepting invites at once', () => {
  // Control for the bound above: each who redeemed is a friend, not a stranger holding a slot.
  it('more people than stranger slots redeem invites within the stranger window, one after another, and all keep their sessions', async () => {
    const node = await openNode({ maxStrangers: 2, strangerLifetimeMs: 60_000 })
    const sessions: Mine[] = []
    for (let i = 0; i < 5; i++) {
      const invite = await node.invites.create({ label: `guest ${i}`, expiresInMs: null })
      const guest = createIdentity()
      const session = await connectIn(node, guest, 'invite')
      expect(session.transport.closed).toBe(false)
      await session.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: `Guest ${i}`, address: addressFromPublicKey(guest.publicKey) } })
      sessions.push(session)
    }
    expect(openCount(sessions)).toBe(5)
    // Strangers who redeem nothing are still held to the bound.
    const flood: Mine[] = []
    for (let i = 0; i < 5; i++) flood.push(await connectIn(node, createIdentity(), 'invite'))
    await until(() => openCount(flood) === 2)
    expect(openCount(sessions)).toBe(5)
  })
})

describe('attack: one friend opening many sessions', () => {
  // Attack: a hostile friend's node opens 20 sessions; only the newest few stay.
  it('a peer keeps only a few incoming sessions, the newest', async () => {
    const node = await openNode({ maxPerPeer: 3 })
    const mallory = createIdentity()
    await befriend(node, mallory)
    const sessions: Mine[] = []
    for (let i = 0; i < 20; i++) sessions.push(await connectIn(node, mallory))
    await until(() => openCount(sessions) === 3)
    expect(sessions.slice(-3).every((s) => !s.transport.closed)).toBe(true)
    // Another friend is unaffected.
    const bob = createIdentity()
    await befriend(node, bob)
    expect((await connectIn(node, bob)).transport.closed).toBe(false)
  })
})

describe('attack: the holder of an invite link that no longer works', () => {
  // Attack: an invite link that leaked (so the owner withdrew it), expired,
  // or was used long ago: were its swarm still joined, its holder would get
  // an answer, and with it the node's address and that it is online.
  it('a withdrawn or expired invite’s swarm is left at once; a used one only a day after its use', async () => {
    const node = await openNode()
    const epoch = 20_000
    const topics = async (): Promise<Set<string>> => new Set((await node.listenTopics(epoch)).map((m) => m.topic))
    const withdrawn = await node.invites.create({ label: 'leaked', expiresInMs: null })
    const expiring = await node.invites.create({ label: 'short', expiresInMs: 1 })
    const pending = await node.invites.create({ label: 'pending', expiresInMs: null })
    const usedNow = await node.invites.create({ label: 'used now', expiresInMs: null })
    const usedLongAgo = await node.invites.create({ label: 'used long ago', expiresInMs: null })
    const bob = createIdentity()
    const carol = createIdentity()
    const profileOf = (who: Identity) => ({ displayName: 'x', address: addressFromPublicKey(who.publicKey) })
    await node.invites.redeem(usedNow.token, profileOf(bob), bob.publicKey)
    await node.invites.redeem(usedLongAgo.token, profileOf(carol), carol.publicKey)
    await node.db.invites.update(usedLongAgo.id, { usedAt: Date.now() - 2 * 24 * 60 * 60 * 1000 })
    await node.invites.revoke(withdrawn.id)
    await new Promise((resolve) => setTimeout(resolve, 5)) // `expiring` is past its expiry now
    const joined = await topics()
    const swarm = (token: string): string => inviteMeeting(token, epoch, node.identityKey).topic
    expect(joined.has(swarm(pending.token))).toBe(true)
    expect(joined.has(swarm(usedNow.token))).toBe(true)
    expect(joined.has(swarm(withdrawn.token))).toBe(false)
    expect(joined.has(swarm(expiring.token))).toBe(false)
    expect(joined.has(swarm(usedLongAgo.token))).toBe(false)
  })
})

describe('attack: an invite link tried just after it expired', () => {
  // Attack: the node kept sitting in an expired invite's swarm until
  // something else changed, answering whoever held the link meanwhile.
  it('the swarm is left when the invite expires, without any other change', async () => {
    const node = await openNode()
    // No trackers are configured, so no socket is ever made; Node has no
    // WebSocket global for the pool to find.
    const g = globalThis as { WebSocket?: unknown }
    const had = g.WebSocket
    g.WebSocket ??= class {}
    node.startListening()
    await node.listening // the listener starts once the network code has loaded
    if (had === undefined) delete g.WebSocket
    const joined = (): ReadonlySet<string> => node.listener.joinedTopics
    const invite = await node.invites.create({ label: 'short', expiresInMs: 300 })
    node.changed()
    const swarm = inviteMeeting(invite.token, epochAt(Date.now()), node.identityKey).topic
    await until(() => joined().has(swarm))
    await until(() => !joined().has(swarm), 5_000)
  })
})

describe('attack: filling the node up to its cap of sessions', () => {
  async function friends (node: KithNode, n: number): Promise<Identity[]> {
    const list = Array.from({ length: n }, () => createIdentity())
    for (const who of list) await befriend(node, who)
    return list
  }

  // Attack: strangers keep coming to a node whose friends fill its sessions,
  // hoping to push the friends out (or the node past its cap).
  it('strangers at the cap are refused; no friend is pushed out', async () => {
    const node = await openNode({ maxStrangers: 50 }, { maxSessions: 3, evictableAfterMs: 0 })
    const mine = await Promise.all((await friends(node, 3)).map((who) => connectIn(node, who)))
    const strangers: Mine[] = []
    for (let i = 0; i < 10; i++) strangers.push(await connectIn(node, createIdentity()))
    await until(() => openCount(strangers) === 0)
    expect(openCount(mine)).toBe(3)
    expect(node.sessions.size).toBe(3)
    expect(node.sessions.highWater).toBe(3)
    expect(node.lastRejected).toContain(AT_CAPACITY)
  })

  // Attack: a crowd of friends (or one friend's many devices) connects while
  // the node's friends are using their sessions: the newcomers are refused,
  // and the node never holds more than its cap.
  it('friends who use their sessions are not pushed out by a stream of newcomers', async () => {
    const node = await openNode({}, { maxSessions: 4 }) // evictable after the default minute
    const active = await Promise.all((await friends(node, 4)).map((who) => connectIn(node, who)))
    const crowd: Mine[] = []
    for (const who of await friends(node, 12)) crowd.push(await connectIn(node, who))
    await until(() => openCount(crowd) === 0)
    // Each is told why, in plain words.
    for (const s of crowd) expect(s.rpc.closeReason).toBe(`the other side closed the connection: ${AT_CAPACITY}`)
    expect(openCount(active)).toBe(4)
    for (const s of active) expect((await s.rpc.call('ping', { data: Uint8Array.of(7) })).data).toEqual(Uint8Array.of(7))
    expect(node.sessions.highWater).toBe(4)
  })

  // Attack: one hostile friend takes every place under the cap with sessions
  // of their own; the next friend to come takes one of theirs.
  it('a friend holding many of the sessions gives one up to the next friend', async () => {
    const node = await openNode({ maxPerPeer: 4 }, { maxSessions: 4 })
    const [mallory, bob] = await friends(node, 2)
    const hers: Mine[] = []
    for (let i = 0; i < 4; i++) hers.push(await connectIn(node, mallory!))
    const bobs = await connectIn(node, bob!)
    await until(() => openCount(hers) === 3)
    expect(bobs.transport.closed).toBe(false)
    // One of hers, the least recently active (each was just asked for her
    // recovery record, so which one that is depends on when she answered).
    expect(hers.filter((s) => s.transport.closed)).toHaveLength(1)
    expect(node.sessions.size).toBe(4)
  })

  // At the cap with every session in use, a dial of our own fails in plain
  // words rather than pushing a busy friend out.
  it('our own dial at the cap fails with a clear error when every session is in use', async () => {
    const node = await openNode({}, { maxSessions: 2 })
    await Promise.all((await friends(node, 2)).map((who) => connectIn(node, who)))
    const carol = createIdentity()
    const [a, b] = createMemoryTransportPair()
    const startSession = node.connections.startSession.bind(node.connections)
    const [, dialled] = await Promise.allSettled([
      establishSession<NodeMethods, NodeMethods>(a, { identity: carol, handlers: () => ({}) }),
      startSession(b, carol.publicKey)
    ])
    expect(dialled.status).toBe('rejected')
    const err = (dialled as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('RATE_LIMITED')
    expect((err as KithError).message).toBe(AT_CAPACITY)
    expect(node.sessions.size).toBe(2)
  })
})
