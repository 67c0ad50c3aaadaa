// Relays friends say work for them (told with their trackers, friends
// only), taken under the rules for friends' trackers (tracker-book.ts, the
// same code): wss:// only, no host on my machine or network however
// spelled, at most five, a removed one not taken again from the same
// friend; none while "Hide my IP address" is on or relays are off. Then a
// hostile friend's lists: ws://, private names, 10,000 entries, huge strings.
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { MAX_SHARED_TRACKERS, parseWorkingRelays, type NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { RpcHandlers } from '../../shared/wire/rpc'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { KithError } from '../../shared/wire/errors'
import { startRelay, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { refusalMessage } from './refusal'
import { sleep, waitFor } from './waiting'

// 203.0.113.x (TEST-NET-3) and example.org: documentation names, never contacted (no listener starts unless a test says so).
const MINE = ['wss://203.0.113.1', 'wss://mine.example.org']
const TURN = { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'u', credential: 'p' }
const nodes: KithNode[] = []
const relays: RunningRelay[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) n.close()
  for (const r of relays.splice(0)) await r.close()
})

async function openNode (mine: string[] = MINE, dbName = `relays-${Math.random()}`): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(dbName), hostConfig: { trackers: [], relays: mine, iceServers: [] } })
  nodes.push(node)
  return node
}

async function sessionTo (node: KithNode, who: Identity, handlers: Partial<RpcHandlers<NodeMethods>>): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const [mine] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => handlers }),
    node.connections.startSession(b)
  ])
  return mine
}

async function befriend (node: KithNode, who: Identity, name = 'friend'): Promise<string> {
  const key = toHex(who.publicKey)
  await node.friends.add({ key, address: addressFromPublicKey(who.publicKey), displayName: name })
  return key
}

/** A friend whose node answers workingTrackers with these relays; resolves once asked. */
async function friendTelling (node: KithNode, answer: unknown, name = 'friend'): Promise<{ key: string, asked: () => boolean }> {
  const friend = createIdentity()
  const key = await befriend(node, friend, name)
  let asked = false
  await sessionTo(node, friend, { workingTrackers: () => { asked = true; return answer as { trackers: string[] } } })
  await waitFor(() => asked)
  return { key, asked: () => asked }
}

const urls = (node: KithNode): string[] => node.relayDirectory.urls()
// The relay sockets need a WebSocket class (Node 20 has none); only the
// listening test opens one, to the local test relay.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

describe('parseWorkingRelays', () => {
  it('takes up to five ws/wss URLs, normalized; none from an older node that sends no relays', () => {
    expect(parseWorkingRelays({ trackers: [], relays: ['wss://a.example.org', 'wss://a.example.org#x', 'WSS://B.example.org'] })).toEqual(['wss://a.example.org', 'wss://b.example.org'])
    expect(parseWorkingRelays({ trackers: [] })).toEqual([])
  })

  it('refuses the whole list for one bad entry, too many, or the wrong shape', () => {
    for (const relays of [
      Array.from({ length: MAX_SHARED_TRACKERS + 1 }, (_, i) => `wss://r${i}.example.org`),
      ['https://r.example.org'], ['wss://user:pw@r.example.org'], ['wss://' + 'r'.repeat(300) + '.org'], [42], 'wss://r.example.org', null
    ]) {
      expect(refusalMessage(() => parseWorkingRelays({ trackers: [], relays }), KithError), JSON.stringify(relays).slice(0, 60)).toBeTruthy()
    }
  })
})

describe('relays shared by friends', () => {
  it('are taken when a session opens, used after mine, shown with who shared them, and removable for good from that friend', async () => {
    const node = await openNode()
    const bea = await friendTelling(node, { trackers: [], relays: ['wss://bea.example.org', MINE[0]] }, 'Bea')
    await waitFor(() => urls(node).includes('wss://bea.example.org'))
    expect(urls(node)).toEqual([...MINE, 'wss://bea.example.org'])
    expect(node.relayDirectory.inUse().at(-1)).toEqual({ url: 'wss://bea.example.org', source: 'friend', from: [bea.key] })
    // The same list as the tracker list's shape, for Settings → Relays.
    node.relayDirectory.removeShared('wss://bea.example.org/')
    expect(urls(node)).toEqual(MINE)
  })

  it('a removed relay stays removed after a restart, under any spelling, from the same friend', async () => {
    const dbName = `relays-${Math.random()}`
    const node = await openNode(MINE, dbName)
    const bea = createIdentity()
    await befriend(node, bea)
    await sessionTo(node, bea, { workingTrackers: () => ({ trackers: [], relays: ['wss://shared.example.org'] }) })
    await waitFor(() => urls(node).includes('wss://shared.example.org'))
    node.relayDirectory.removeShared('wss://shared.example.org')
    await node.relayDirectory.flush()
    node.close()
    nodes.splice(nodes.indexOf(node), 1)
    const again = await openNode(MINE, dbName)
    let asked = 0
    await sessionTo(again, bea, { workingTrackers: () => { asked++; return { trackers: [], relays: ['wss://SHARED.example.org.:443/other'] } } })
    await waitFor(() => asked === 1)
    await sleep(50)
    expect(urls(again)).toEqual(MINE)
  })

  it('a stranger is never asked', async () => {
    const node = await openNode()
    let asked = false
    await sessionTo(node, createIdentity(), { workingTrackers: () => { asked = true; return { trackers: [], relays: ['wss://evil.example.org'] } } })
    await sleep(100)
    expect(asked).toBe(false)
    expect(urls(node)).toEqual(MINE)
  })

  it('nothing is taken or used while "Hide my IP address" is on: a socket to a friend’s server would show them my address', async () => {
    const node = await openNode()
    await friendTelling(node, { trackers: [], relays: ['wss://before.example.org'] })
    await waitFor(() => urls(node).includes('wss://before.example.org'))
    await node.saveConfig({ iceServers: [TURN], relayOnly: true })
    expect(urls(node)).toEqual(MINE)
    let asked = false
    const friend = createIdentity()
    await befriend(node, friend)
    await sessionTo(node, friend, { workingTrackers: () => { asked = true; return { trackers: [], relays: ['wss://during.example.org'] } } })
    await sleep(100)
    expect(asked).toBe(false)
    await node.saveConfig({ relayOnly: false })
    expect(urls(node)).toEqual([...MINE, 'wss://before.example.org'])
  })

  it('with relays off, neither mine nor friends’ are used, none is taken, and none is told', async () => {
    const node = await openNode()
    await node.saveConfig({ relaysOff: true })
    expect(urls(node)).toEqual([])
    const told = await friendTelling(node, { trackers: [], relays: ['wss://friend.example.org'] })
    expect(told.asked()).toBe(true) // asked for trackers, as before
    await sleep(50)
    expect(urls(node)).toEqual([])
    const friend = createIdentity()
    await befriend(node, friend)
    const session = await sessionTo(node, friend, {})
    expect(await session.rpc.call('workingTrackers', {})).toEqual({ trackers: [], relays: [] })
    await node.saveConfig({ relaysOff: false })
    expect(urls(node)).toEqual(MINE) // the list was kept
  })

  it('tells a friend the relays it is connected to, and only those', async () => {
    const relay = await startRelay({ strict: true, quiet: true })
    relays.push(relay)
    const dead = 'ws://127.0.0.1:9'
    const node = await openNode([relay.url, dead])
    const friend = createIdentity()
    await befriend(node, friend)
    const session = await sessionTo(node, friend, {})
    expect(await session.rpc.call('workingTrackers', {})).toEqual({ trackers: [], relays: [] }) // not listening: none connected
    node.startListening()
    await waitFor(() => node.status().relays.some((r) => r.url === relay.url && r.health === 'working'), 15_000)
    expect(await session.rpc.call('workingTrackers', {})).toEqual({ trackers: [], relays: [relay.url] })
    expect(relay.violations).toEqual([])
  })
})

describe('attack: a hostile friend’s relay list', () => {
  it('ws:// to a public host, private names however spelled, and credentials add nothing; a wss:// public one beside them is taken', async () => {
    const node = await openNode()
    const bad = ['ws://203.0.113.9', 'wss://localhost.:7000', 'wss://127.1', 'wss://2130706433', 'wss://[::1]', 'wss://[::ffff:192.168.1.1]',
      'wss://192-168-1-1.nip.io', 'wss://router.lan.', 'wss://fritz.box', 'wss://printer.local', 'wss://100.64.0.1', 'wss://169.254.169.254']
    for (let i = 0; i < bad.length; i += 4) {
      await friendTelling(node, { trackers: [], relays: [...bad.slice(i, i + 4), `wss://fine${i}.example.org`] })
      await waitFor(() => urls(node).includes(`wss://fine${i}.example.org`))
    }
    for (const url of bad) expect(urls(node).join(' ')).not.toContain(new URL(url).hostname)
    expect(urls(node).filter((u) => !MINE.includes(u))).toEqual(['wss://fine0.example.org', 'wss://fine4.example.org', 'wss://fine8.example.org'])
  })

  it('10,000 entries, huge strings, the wrong shape: nothing is taken, and the trackers in the same answer are not either', async () => {
    const node = await openNode()
    const hostile: unknown[] = [
      { trackers: ['wss://t.example.org'], relays: Array.from({ length: 10_000 }, (_, i) => `wss://r${i}.example.org`) },
      { trackers: ['wss://t.example.org'], relays: ['wss://' + 'x'.repeat(5_000_000)] },
      { trackers: ['wss://t.example.org'], relays: 'wss://r.example.org' },
      { trackers: ['wss://t.example.org'], relays: [{ url: 'wss://r.example.org' }] }
    ]
    for (const answer of hostile) await friendTelling(node, answer)
    await sleep(50)
    expect(urls(node)).toEqual(MINE)
    expect(node.trackerDirectory.urls()).toEqual([])
  })

  it('many friends each sharing five: at most five friends’ relays are used at once', async () => {
    const node = await openNode()
    for (let f = 0; f < 4; f++) {
      await friendTelling(node, { trackers: [], relays: Array.from({ length: 5 }, (_, i) => `wss://f${f}r${i}.example.org`) })
    }
    await sleep(50)
    expect(node.relayDirectory.inUse().filter((r) => r.source === 'friend')).toHaveLength(5)
  })
})

describe('the unit tests’ own guard', () => {
  it('a WebSocket to a public relay is refused before it opens (the defaults are public)', () => {
    expect(() => new globalThis.WebSocket('wss://relay.damus.io')).toThrow(/unit test tried to open a WebSocket/)
  })
})
