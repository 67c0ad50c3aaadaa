// Sessions are opened on demand and closed when idle, and at most
// maxSessions are open at once (node-tab/connections/sessions.ts). Real sessions over the
// memory transport; the registry's clock is driven by the test.
import { describe, expect, it } from 'vitest'
import { AT_CAPACITY, IDLE_CLOSED, MADE_ROOM, SessionRegistry, type NodeSession } from '../../node-tab/connections/sessions'
import { connect, person, until, type Handlers } from './friend-fixtures'

const me = person()
const pinging: Handlers = { ping: (params) => ({ data: (params as { data: Uint8Array }).data }) }

/** A session of mine with a new peer, and the peer's side of it. */
async function sessionWithNewPeer (peerHandlers: Handlers = pinging): Promise<{ mine: NodeSession, theirs: NodeSession, keyHex: string, closedWith: () => string | null }> {
  const peer = person()
  const { a: mine, b: theirs } = await connect(me, peer, () => pinging, () => peerHandlers)
  return { mine, theirs, keyHex: peer.keyHex, closedWith: () => mine.rpc.closeReason }
}

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => { t += ms } }
}

describe('idle sessions', () => {
  it('a session nobody used for idleMs is closed; one used since stays', async () => {
    const time = clock()
    const registry = new SessionRegistry({ idleMs: 1_000, now: time.now })
    const quiet = await sessionWithNewPeer()
    const used = await sessionWithNewPeer()
    registry.add(quiet.keyHex, quiet.mine)
    registry.add(used.keyHex, used.mine)
    time.advance(900)
    // The peer asks something: that is use.
    await used.theirs.rpc.call('ping', { data: Uint8Array.of(1) })
    time.advance(99)
    expect(registry.closeIdle()).toBe(0)
    time.advance(1)
    expect(registry.closeIdle()).toBe(1)
    expect(quiet.mine.rpc.closed).toBe(true)
    expect(quiet.closedWith()).toBe(IDLE_CLOSED)
    // The peer is told why, not just that the connection went.
    await until(() => quiet.theirs.rpc.closed)
    expect(quiet.theirs.rpc.closeReason).toBe(`the other side closed the connection: ${IDLE_CLOSED}`)
    expect(used.mine.rpc.closed).toBe(false)
    expect(registry.size).toBe(1)
    expect(registry.get(quiet.keyHex)).toBeNull()
    closeAll(registry)
  })

  it('a session with a call still waiting for its answer is not idle, however long it waits', async () => {
    const time = clock()
    const registry = new SessionRegistry({ idleMs: 1_000, now: time.now })
    const slow = await sessionWithNewPeer({ ping: () => new Promise(() => {}) })
    registry.add(slow.keyHex, slow.mine)
    const waiting = slow.mine.rpc.call('ping', { data: Uint8Array.of(1) }, { timeoutMs: 60_000 })
    waiting.catch(() => {})
    await until(() => slow.mine.rpc.stats().pending === 1)
    time.advance(10_000)
    expect(registry.closeIdle()).toBe(0)
    expect(slow.mine.rpc.closed).toBe(false)
    closeAll(registry)
  })

  it('the registry closes idle sessions by itself, and stops its timer when empty', async () => {
    const registry = new SessionRegistry({ idleMs: 30 })
    const quiet = await sessionWithNewPeer()
    registry.add(quiet.keyHex, quiet.mine)
    await until(() => quiet.mine.rpc.closed)
    expect(quiet.closedWith()).toBe(IDLE_CLOSED)
    expect((registry as unknown as { sweepTimer: unknown }).sweepTimer).toBeNull()
  })
})

describe('at most maxSessions sessions', () => {
  it('at the cap a newcomer closes the least recently used quiet session, or is refused when all are in use', async () => {
    const time = clock()
    const registry = new SessionRegistry({ maxSessions: 2, evictableAfterMs: 1_000, idleMs: Infinity, now: time.now })
    const first = await sessionWithNewPeer()
    const second = await sessionWithNewPeer()
    registry.add(first.keyHex, first.mine)
    time.advance(10)
    registry.add(second.keyHex, second.mine)
    expect(registry.makeRoom(second.mine, true)).toBe(true)

    // Both were used just now: the newcomer is refused, nobody is pushed out.
    const early = await sessionWithNewPeer()
    registry.add(early.keyHex, early.mine)
    expect(registry.makeRoom(early.mine, true)).toBe(false)
    expect(early.closedWith()).toBe(AT_CAPACITY)
    expect(first.mine.rpc.closed || second.mine.rpc.closed).toBe(false)

    // A while later both are quiet: the least recently used one gives way.
    time.advance(1_000)
    await second.theirs.rpc.call('ping', { data: Uint8Array.of(2) })
    time.advance(1_000)
    const later = await sessionWithNewPeer()
    registry.add(later.keyHex, later.mine)
    expect(registry.makeRoom(later.mine, true)).toBe(true)
    expect(first.closedWith()).toBe(MADE_ROOM)
    expect(second.mine.rpc.closed).toBe(false)
    expect(registry.size).toBe(2)
    expect(registry.highWater).toBe(2)
    closeAll(registry)
  })

  it('a newcomer that may not make room (a stranger) gets only free room', async () => {
    const time = clock()
    const registry = new SessionRegistry({ maxSessions: 1, evictableAfterMs: 0, idleMs: Infinity, now: time.now })
    const friend = await sessionWithNewPeer()
    registry.add(friend.keyHex, friend.mine)
    time.advance(60_000)
    const stranger = await sessionWithNewPeer()
    registry.add(stranger.keyHex, stranger.mine)
    expect(registry.makeRoom(stranger.mine, false)).toBe(false)
    expect(stranger.mine.rpc.closed).toBe(true)
    expect(friend.mine.rpc.closed).toBe(false)
    closeAll(registry)
  })

  it('whoever holds more than one session gives one up first, even one in use', async () => {
    const time = clock()
    const registry = new SessionRegistry({ maxSessions: 3, evictableAfterMs: 1_000, idleMs: Infinity, now: time.now })
    const hog = person()
    const [older, newer] = await Promise.all([connect(me, hog, () => pinging, () => pinging), connect(me, hog, () => pinging, () => pinging)])
    const other = await sessionWithNewPeer()
    registry.add(hog.keyHex, older.a)
    time.advance(1)
    registry.add(hog.keyHex, newer.a)
    registry.add(other.keyHex, other.mine)
    time.advance(5_000)
    // The other peer is quiet longer than the hog's sessions, yet keeps its one.
    await older.b.rpc.call('ping', { data: Uint8Array.of(3) })
    await newer.b.rpc.call('ping', { data: Uint8Array.of(3) })
    const newcomer = await sessionWithNewPeer()
    registry.add(newcomer.keyHex, newcomer.mine)
    expect(registry.makeRoom(newcomer.mine, true)).toBe(true)
    expect(older.a.rpc.closed).toBe(true)
    expect(newer.a.rpc.closed).toBe(false)
    expect(other.mine.rpc.closed).toBe(false)
    closeAll(registry)
  })
})

function closeAll (registry: SessionRegistry): void {
  registry.closeEverything('test over')
}
