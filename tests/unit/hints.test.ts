// Live hints: an owner's node tells online friends who may see a
// changed item that something changed; their client syncs by itself. Real
// nodes and clients on both sides (fake-indexeddb, memory transport).
import { afterEach, describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { KithClient } from '../../client/api/kith-client'
import { SyncCoalescer } from '../../client/friends/sync-coalescer'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { HintSender } from '../../node-tab/notices/hint-sender'
import { NodeDatabase } from '../../node-tab/storage/db'
import { addressFromPublicKey, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { parseItemsChanged, type NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { KithError } from '../../shared/wire/errors'
import type { Audience } from '../../shared/protocol/items'
import { cleanupsAfterEach } from './cleanups'
import { person, uniqueName, type Handlers } from './friend-fixtures'
import { sleep, waitFor } from './waiting'
import { codeOf } from './refusal'
import { dialNode } from './node-fixtures'
import { befriend as befriendNodes, connectNodes, NodeSet } from './device-fixtures'

const cleanups = cleanupsAfterEach()

interface Side { node: KithNode, client: KithClient, address: string }

async function openSide (): Promise<Side> {
  const nodeName = uniqueName('kith-node')
  const clientName = uniqueName('kith-client')
  const node = await KithNode.open({ db: new NodeDatabase(nodeName), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  const client = new KithClient(node, new ClientDatabase(clientName))
  cleanups.push(() => Dexie.delete(clientName), () => Dexie.delete(nodeName), () => node.close())
  return { node, client, address: node.address }
}

async function befriend (a: Side, b: Side, names: [string, string] = ['A', 'B']): Promise<void> {
  await a.node.friends.add({ key: b.node.keyHex, address: b.address, displayName: names[1] })
  await b.node.friends.add({ key: a.node.keyHex, address: a.address, displayName: names[0] })
}

type StartSession = (t: Transport, expected?: Uint8Array) => Promise<NodeSession>
const starter = (node: KithNode): StartSession => node.connections.startSession.bind(node.connections)

/** A session between two nodes, each serving its own handlers, as after a dial. */
async function link (a: Side, b: Side): Promise<void> {
  const [ta, tb] = createMemoryTransportPair()
  const [sa] = await Promise.all([starter(a.node)(ta, b.node.identityKey), starter(b.node)(tb)])
  cleanups.push(() => sa.rpc.close())
}

async function share (side: Side, text: string, audience: Audience = { kind: 'friends' }): Promise<string> {
  return (await side.client.createItem({ type: 'note', text, audience })).id
}

/** The sync that opening the session caused is over: what comes next came by a hint. */
async function syncsSettled (side: Side, owner: Side): Promise<void> {
  await waitFor(() => side.client.syncs.started > 0 && !side.client.syncs.isBusy(owner.node.keyHex))
}

const cachedTexts = async (side: Side, owner: Side): Promise<string[]> => (await side.client.cache.items(owner.node.keyHex)).map((i) => i.text)

describe('live hints between nodes', () => {
  it('a friend online sees a new item without asking, and an edit replaces their copy', async () => {
    const alice = await openSide(); const bob = await openSide()
    await befriend(alice, bob)
    await link(alice, bob)
    await syncsSettled(bob, alice)
    const id = await share(alice, 'hello Bob')
    await waitFor(async () => (await cachedTexts(bob, alice)).includes('hello Bob'))
    expect(alice.node.hints.sent).toBeGreaterThanOrEqual(1)

    await alice.client.editItemText(id, 'hello Bob, edited')
    await waitFor(async () => (await cachedTexts(bob, alice)).includes('hello Bob, edited'))
    expect(await cachedTexts(bob, alice)).toEqual(['hello Bob, edited'])
  })

  it('a friend outside the item’s audience gets no hint, and never the item', async () => {
    const alice = await openSide(); const bob = await openSide(); const carol = await openSide()
    await befriend(alice, bob); await befriend(alice, carol)
    const family = await alice.node.friends.createGroup('Family')
    await alice.node.friends.setMembership(family.id, bob.node.keyHex, true)
    await link(alice, bob); await link(alice, carol)
    // The syncs that opening the sessions caused are over.
    await syncsSettled(bob, alice)
    await syncsSettled(carol, alice)
    const carolSyncs = carol.client.syncs.started
    const hintsBefore = alice.node.hints.sent

    await share(alice, 'family only', { kind: 'groups', groupIds: [family.id] })
    await waitFor(async () => (await cachedTexts(bob, alice)).includes('family only'))
    await alice.node.hints.flushNow()
    await sleep(150)
    expect(alice.node.hints.sent - hintsBefore).toBe(1) // Bob's session only
    expect(carol.client.syncs.started).toBe(carolSyncs)
    expect(await cachedTexts(carol, alice)).toEqual([])

    // "Only me" hints nobody.
    await share(alice, 'diary', { kind: 'me' })
    await alice.node.hints.flushNow()
    await sleep(150)
    expect(alice.node.hints.sent - hintsBefore).toBe(1)
  })

  it('a friend who was offline syncs as soon as a session opens, with nothing queued', async () => {
    const alice = await openSide(); const bob = await openSide()
    await befriend(alice, bob)
    await share(alice, 'while you were away')
    expect(await bob.client.outbox.pending(alice.node.keyHex)).toEqual([])
    await link(alice, bob)
    await waitFor(async () => (await cachedTexts(bob, alice)).includes('while you were away'))
  })

  it('a stranger’s hint is refused and starts no sync', async () => {
    const bob = await openSide()
    const stranger = person()
    const session = await dialNode(bob.node, stranger.identity)
    cleanups.push(() => session.rpc.close())
    expect(await codeOf(session.rpc.call('itemsChanged', {}))).toBe('UNAUTHORIZED')
    await sleep(50)
    expect(bob.client.syncs.started).toBe(0)
  })

  it('a hint with any content is refused', () => {
    expect(parseItemsChanged({})).toEqual({})
    expect(parseItemsChanged(undefined)).toEqual({})
    for (const bad of [{ id: 'a1' }, { kind: 'note' }, [1], 'x', 7, new Uint8Array(3)]) {
      expect(() => parseItemsChanged(bad)).toThrow(KithError)
    }
  })

  it('a friend flooding hints causes at most one sync in flight and one pending', async () => {
    const bob = await openSide()
    const flooder = person()
    await bob.node.friends.add({ key: flooder.keyHex, address: addressFromPublicKey(flooder.identity.publicKey), displayName: 'Flood' })
    let listings = 0
    let inFlight = 0
    let maxInFlight = 0
    const handlers: Handlers = {
      listItems: async () => {
        listings++
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await sleep(100) // a slow node: hints pile up meanwhile
        inFlight--
        return { items: [], cursor: null, done: true }
      }
    }
    const session = await dialWithHandlers(bob.node, flooder.identity, handlers)
    cleanups.push(() => session.rpc.close())
    const answers = await Promise.all(Array.from({ length: 300 }, () => session.rpc.call('itemsChanged', {}).then(() => 'ok', (err: KithError) => err.code)))
    // Every hint got an answer (accepted, or refused by the session's rate limit)…
    expect(answers.length).toBe(300)
    await waitFor(() => !bob.client.syncs.isBusy(flooder.keyHex), 5_000)
    // …and the session opening plus 300 hints made two listings at most.
    expect(listings).toBeGreaterThanOrEqual(1)
    expect(listings).toBeLessThanOrEqual(2)
    expect(maxInFlight).toBe(1)
  })
})

async function dialWithHandlers (node: KithNode, who: Identity, handlers: Handlers): Promise<NodeSession> {
  const [a, b] = createMemoryTransportPair()
  const [mine] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => handlers }),
    starter(node)(b)
  ])
  return mine
}

describe('HintSender', () => {
  function fakeSession (onHint: () => Promise<void>): NodeSession {
    return { rpc: { closed: false, call: async (method: string) => { if (method === 'itemsChanged') await onHint(); return { ok: true } } } } as unknown as NodeSession
  }
  const friend = { isFriend: true, groupIds: new Set<string>() }

  it('coalesces many changes at once into one hint per friend', async () => {
    let hints = 0
    const sessions = new Map(['b', 'c'].map((k) => [k, fakeSession(async () => { hints++ })]))
    const sender = new HintSender({
      onlineKeys: () => [...sessions.keys()],
      sessionsOf: (k) => [sessions.get(k)!],
      viewers: async (keys) => new Map(keys.map((k) => [k, friend])),
      audiences: async (ids) => ids.map(() => ({ kind: 'friends' as const })),
      windowMs: 20
    })
    for (let i = 0; i < 50; i++) sender.itemsChanged([`item${i}`])
    await sleep(80)
    expect(hints).toBe(2) // one for b, one for c
    sender.stop()
  })

  it('keeps one hint in flight and one pending per friend, however many rounds', async () => {
    let started = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const session = fakeSession(async () => { started++; await gate })
    const sender = new HintSender({
      onlineKeys: () => ['b'],
      sessionsOf: () => [session],
      viewers: async (keys) => new Map(keys.map((k) => [k, friend])),
      audiences: async (ids) => ids.map(() => ({ kind: 'friends' as const })),
      windowMs: 0
    })
    for (let round = 0; round < 20; round++) {
      sender.itemsChanged([`i${round}`])
      await sender.flushNow()
    }
    expect(started).toBe(1)
    release()
    await sleep(20)
    expect(started).toBe(2) // the one pending, then nothing more
    sender.stop()
  })

  it('tells nobody of an item that is gone or not theirs, and nobody who is not a friend', async () => {
    let hints = 0
    const sender = new HintSender({
      onlineKeys: () => ['friend', 'stranger'],
      sessionsOf: () => [fakeSession(async () => { hints++ })],
      viewers: async () => new Map([['friend', { isFriend: true, groupIds: new Set(['g1']) }], ['stranger', { isFriend: false, groupIds: new Set<string>() }]]),
      audiences: async (ids) => ids.map((id) => id === 'mine' ? { kind: 'me' as const } : id === 'other-group' ? { kind: 'groups' as const, groupIds: ['g2'] } : undefined),
      windowMs: 0
    })
    sender.itemsChanged(['mine', 'other-group', 'deleted'])
    await sender.flushNow()
    await sleep(10)
    expect(hints).toBe(0)
    sender.itemsChanged(['mine'])
    sender.friendsMaySeeMore(['stranger'])
    await sender.flushNow()
    await sleep(10)
    expect(hints).toBe(0)
    sender.stop()
  })
})

describe('SyncCoalescer', () => {
  it('runs one sync at a time per friend and one more after a burst', async () => {
    const runs: string[] = []
    let release!: () => void
    let gate = new Promise<void>((resolve) => { release = resolve })
    // No interval between one friend's syncs here: only the coalescing is looked at.
    const c = new SyncCoalescer(async (key) => { runs.push(key); await gate }, { minIntervalMs: 0 })
    for (let i = 0; i < 100; i++) c.request('alice')
    c.request('carol')
    expect(runs).toEqual(['alice', 'carol'])
    const first = release
    gate = new Promise<void>((resolve) => { release = resolve })
    first()
    await sleep(5)
    expect(runs).toEqual(['alice', 'carol', 'alice'])
    release()
    await sleep(5)
    expect(runs.filter((k) => k === 'alice')).toHaveLength(2)
    expect(c.isBusy('alice')).toBe(false)
  })
})

describe('SyncCoalescer across friends', () => {
  it('runs a few friends’ syncs at once and the rest in turn, each once', async () => {
    let inFlight = 0
    let most = 0
    const done: string[] = []
    const c = new SyncCoalescer(async (key) => {
      inFlight++
      most = Math.max(most, inFlight)
      await sleep(5)
      inFlight--
      done.push(key)
    }, { maxConcurrent: 3 })
    const keys = Array.from({ length: 20 }, (_, i) => `friend${i}`)
    for (const key of keys) c.request(key)
    // Asked again while waiting for a slot: still one sync.
    for (const key of keys.slice(3)) c.request(key)
    await waitFor(() => keys.every((k) => !c.isBusy(k)))
    expect(most).toBe(3)
    expect(done.sort()).toEqual([...keys].sort())
  })
})

describe('hints from my other devices', () => {
  const set = new NodeSet()
  afterEach(() => set.closeAll())

  it('an item made on the laptop reaches the server device by sync, and the server hints the friend online with it', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const bob = await set.open()
    await befriendNodes(laptop, bob)
    await laptop.listenTopics(1) // the pair secret, stored for the server
    let hints = 0
    bob.registerHandlers(() => ({ itemsChanged: () => { hints++; return { ok: true as const } } }))
    await connectNodes(pi, laptop)
    await waitFor(async () => (await pi.friends.get(bob.keyHex)) !== undefined)
    await connectNodes(bob, pi) // Bob meets the server, not the laptop

    // Made through the store alone: any hint can only come from the server.
    const diary = await laptop.items.create({ type: 'note', text: 'only me', audience: { kind: 'me' } })
    await waitFor(async () => (await pi.items.get(diary.id)) !== undefined)
    await pi.hints.flushNow()
    await sleep(50)
    expect(hints).toBe(0)
    const shared = await laptop.items.create({ type: 'note', text: 'for friends', audience: { kind: 'friends' } })
    await waitFor(async () => (await pi.items.get(shared.id)) !== undefined)
    await waitFor(() => hints === 1)
  })
})
