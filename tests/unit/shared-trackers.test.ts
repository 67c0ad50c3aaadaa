// Trackers beyond the configured list: remembered ones that relayed, and
// ones friends say work for them (workingTrackers, friends only), merged
// after mine, removable; and what a hostile friend can (not) do with it.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { MAX_SHARED_TRACKERS, parseWorkingTrackers, type NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import type { RpcHandlers } from '../../shared/wire/rpc'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { STRANGER_REFUSED } from '../../node-tab/handlers/stranger-policy'
import { TrackerDirectory } from '../../node-tab/discovery/tracker-directory'
import { MISSES_TO_FLAG_AFTER_RELAY, RelayBook } from '../../node-tab/discovery/tracker-relays'
import { refusalMessage } from './refusal'
import { sleep, waitFor } from './waiting'

const MINE = ['wss://mine.example.net', 'wss://also-mine.example.net']
const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

async function openNode (dbName = `trackers-${Math.random()}`, trackers = MINE): Promise<KithNode> {
  // No listener is started: nothing here opens a socket.
  const node = await KithNode.open({ db: new NodeDatabase(dbName), hostConfig: { trackers, relays: [], iceServers: [] } })
  nodes.push(node)
  return node
}

/** A session from `who` to the node, `who` serving the given handlers. */
async function sessionTo (node: KithNode, who: Identity, handlers: Partial<RpcHandlers<NodeMethods>>): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const startSession = node.connections.startSession.bind(node.connections)
  const [mine] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => handlers }),
    startSession(b)
  ])
  return mine
}

async function befriend (node: KithNode, who: Identity, name = 'friend'): Promise<string> {
  const key = toHex(who.publicKey)
  await node.friends.add({ key, address: addressFromPublicKey(who.publicKey), displayName: name })
  return key
}

const urls = (node: KithNode): string[] => node.trackerUrls

describe('parseWorkingTrackers', () => {
  it('takes up to five ws/wss URLs, normalized and de-duplicated', () => {
    expect(parseWorkingTrackers({ trackers: ['wss://a.example.org', 'wss://a.example.org', 'ws://b.example.org:8000/announce#x', 'WSS://C.example.org'] }))
      .toEqual(['wss://a.example.org', 'ws://b.example.org:8000/announce', 'wss://c.example.org'])
    expect(parseWorkingTrackers({ trackers: [] })).toEqual([])
  })

  it('refuses the whole list for too many entries, long strings, other schemes, credentials or junk', () => {
    const bad: unknown[] = [
      { trackers: Array.from({ length: 10_000 }, (_, i) => `wss://t${i}.example.org`) },
      { trackers: Array.from({ length: MAX_SHARED_TRACKERS + 1 }, (_, i) => `wss://t${i}.example.org`) },
      { trackers: [`wss://${'a'.repeat(1_000_000)}.example.org`] },
      { trackers: [`wss://a.example.org/${'x'.repeat(190)}`] },
      { trackers: ['https://a.example.org'] },
      { trackers: ['javascript:alert(1)'] },
      { trackers: ['file:///etc/passwd'] },
      { trackers: ['wss://user:secret@a.example.org'] },
      { trackers: ['wss://token@a.example.org'] },
      { trackers: ['wss://a.example.org/\nHost: evil'] },
      { trackers: ['wss://good.example.org', 42] },
      { trackers: 'wss://a.example.org' },
      { trackers: { length: 1, 0: 'wss://a.example.org' } },
      null,
      'wss://a.example.org',
      []
    ]
    for (const value of bad) {
      expect(refusalMessage(() => parseWorkingTrackers(value), KithError)).toBeTruthy()
    }
  })
})

describe('workingTrackers between nodes', () => {
  it('a stranger gets UNAUTHORIZED; a friend gets the trackers that relayed for me', async () => {
    const node = await openNode()
    const stranger = await sessionTo(node, createIdentity(), {})
    const err = await stranger.rpc.call('workingTrackers', {}).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('UNAUTHORIZED')
    expect((err as KithError).message).toBe(STRANGER_REFUSED)

    const friend = createIdentity()
    await befriend(node, friend)
    const session = await sessionTo(node, friend, {})
    expect(await session.rpc.call('workingTrackers', {})).toEqual({ trackers: [], relays: [] }) // nothing proven to relay yet (and no relay connected)
    node.trackerDirectory.relays.relayed(MINE[1]!)
    expect(await session.rpc.call('workingTrackers', {})).toEqual({ trackers: [MINE[1]], relays: [] })
  })

  it('a friend’s trackers are asked for when a session opens, used after mine, and shown with who shared them', async () => {
    const node = await openNode()
    const friend = createIdentity()
    const key = await befriend(node, friend, 'Bea')
    await sessionTo(node, friend, { workingTrackers: () => ({ trackers: ['wss://bea.example.org', MINE[0]!] }) })
    await waitFor(() => urls(node).includes('wss://bea.example.org'))
    expect(urls(node)).toEqual([...MINE, 'wss://bea.example.org'])
    expect(node.trackerDirectory.inUse().at(-1)).toEqual({ url: 'wss://bea.example.org', source: 'friend', from: [key] })
  })

  it('a friendship made over an open session (an invite just accepted) asks their trackers then, not at the next session', async () => {
    const node = await openNode()
    const friend = createIdentity()
    let asked = 0
    await sessionTo(node, friend, { workingTrackers: () => { asked++; return { trackers: ['wss://bea.example.org'] } } })
    await sleep(100)
    expect(asked).toBe(0) // a stranger when the session opened
    await befriend(node, friend, 'Bea')
    node.friendJoined(toHex(friend.publicKey))
    await waitFor(() => urls(node).includes('wss://bea.example.org'))
    expect(asked).toBe(1)
  })

  it('a stranger’s list is never asked for or taken', async () => {
    const node = await openNode()
    let asked = false
    await sessionTo(node, createIdentity(), { workingTrackers: () => { asked = true; return { trackers: ['wss://evil.example.org'] } } })
    await sleep(100)
    expect(asked).toBe(false)
    expect(urls(node)).toEqual(MINE)
  })

  it('a hostile friend sending 10,000 trackers, huge strings or non-ws URLs adds nothing', async () => {
    const node = await openNode()
    const hostile: unknown[] = [
      { trackers: Array.from({ length: 10_000 }, (_, i) => `wss://t${i}.example.org`) },
      { trackers: ['x'.repeat(5_000_000)] },
      { trackers: ['http://a.example.org', 'wss://ok.example.org'] },
      { trackers: ['wss://admin:pw@a.example.org'] },
      'not even an object'
    ]
    for (const answer of hostile) {
      const friend = createIdentity()
      await befriend(node, friend)
      let asked = false
      await sessionTo(node, friend, { workingTrackers: () => { asked = true; return answer as { trackers: string[] } } })
      await waitFor(() => asked)
      await sleep(20)
    }
    expect(urls(node)).toEqual(MINE)
  })

  it('a friend cannot point me at my own machine or network unless my own trackers are there', async () => {
    const node = await openNode()
    const friend = createIdentity()
    await befriend(node, friend)
    await sessionTo(node, friend, { workingTrackers: () => ({ trackers: ['ws://127.0.0.1:22', 'ws://192.168.1.1', 'ws://router', 'wss://fine.example.org'] }) })
    await waitFor(() => urls(node).includes('wss://fine.example.org'))
    expect(urls(node)).toEqual([...MINE, 'wss://fine.example.org'])

    const local = await openNode(undefined, ['ws://127.0.0.1:8000'])
    const other = createIdentity()
    await befriend(local, other)
    await sessionTo(local, other, { workingTrackers: () => ({ trackers: ['ws://127.0.0.1:9000'] }) })
    await waitFor(() => urls(local).includes('ws://127.0.0.1:9000'))
  })

  it('a removed tracker is not taken again from the same friend, but is from another; removal and memory survive a restart', async () => {
    const dbName = `trackers-${Math.random()}`
    const node = await openNode(dbName)
    const bea = createIdentity()
    const cal = createIdentity()
    await befriend(node, bea)
    await befriend(node, cal)
    const shared = { workingTrackers: () => ({ trackers: ['wss://shared.example.org'] }) }
    await sessionTo(node, bea, shared)
    await waitFor(() => urls(node).includes('wss://shared.example.org'))
    node.trackerDirectory.removeShared('wss://shared.example.org')
    expect(urls(node)).toEqual(MINE)
    node.trackerDirectory.relays.relayed(MINE[1]!) // remembered as working
    await node.trackerDirectory.flush()
    node.close()
    nodes.splice(nodes.indexOf(node), 1)

    const again = await openNode(dbName)
    expect(urls(again)).toEqual([MINE[1], MINE[0]]) // the one that worked first
    let asked = 0
    await sessionTo(again, bea, { workingTrackers: () => { asked++; return { trackers: ['wss://shared.example.org'] } } })
    await waitFor(() => asked === 1)
    await sleep(50)
    expect(urls(again)).not.toContain('wss://shared.example.org')
    await sessionTo(again, cal, shared)
    await waitFor(() => urls(again).includes('wss://shared.example.org'))
  })

  it('a tracker the owner takes out of their list is not used again because it once worked', async () => {
    const node = await openNode()
    node.trackerDirectory.relays.relayed(MINE[1]!)
    expect(urls(node)).toEqual([MINE[1], MINE[0]])
    await node.saveConfig({ trackers: [MINE[0]!] })
    expect(urls(node)).toEqual([MINE[0]])
  })
})

describe('RelayBook: which trackers relay', () => {
  it('flags a tracker only after dials answered elsewhere but never through it, and clears it once it relays', () => {
    const book = new RelayBook()
    book.dialed(['a', 'b'], new Set()) // nobody answered anywhere: nothing concluded
    expect(book.verdict('a')).toBe('unknown')
    book.dialed(['a', 'b'], new Set(['b'])) // never relayed, and missed an answer another brought
    expect(book.verdict('a')).toBe('not-relaying')
    expect(book.verdict('b')).toBe('unknown') // answering proves it through relayed(), below
    book.relayed('b')
    expect(book.relaying()).toEqual(['b'])
    book.relayed('a')
    expect(book.verdict('a')).toBe('relays')
    // One that relayed before is given more chances.
    for (let i = 1; i < MISSES_TO_FLAG_AFTER_RELAY; i++) book.dialed(['a', 'b'], new Set(['b']))
    expect(book.verdict('a')).toBe('relays')
    book.dialed(['a', 'b'], new Set(['b']))
    expect(book.verdict('a')).toBe('not-relaying')
    expect(book.relaying()).toEqual(['b'])
  })

  it('the directory lists what relayed as remembered, most recent first', async () => {
    const db = new NodeDatabase(`relays-${Math.random()}`)
    const dir = new TrackerDirectory(db, () => MINE)
    await dir.load()
    dir.relays.relayed('wss://mine.example.net', 1)
    dir.relays.relayed('wss://also-mine.example.net', 2)
    expect(dir.urls()).toEqual(['wss://also-mine.example.net', 'wss://mine.example.net'])
    db.close()
  })
})
