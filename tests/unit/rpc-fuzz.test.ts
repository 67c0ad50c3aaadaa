// A flood of random, truncated and hostile frames against an authenticated
// session with the node's real handlers: afterwards the node still answers,
// nothing was left behind in its maps or budgets, and nothing threw unhandled.
// Seeded, so a failure is repeatable: rerun with the seed it prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../shared/util/bytes'
import { ByteBudget } from '../../shared/wire/byte-budget'
import {
  CHUNK_MARKER, encodeChunk, encodeFrame, encodeValue, FrameType, REQUEST_DIRECTION, RESULT_DIRECTION
} from '../../shared/wire/codec'
import { runHandshake } from '../../shared/session/handshake'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { RpcPeer, type RpcHandlers } from '../../shared/wire/rpc'
import { establishSession } from '../../shared/session/session'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const SEED = 20261201
const FRAMES = 12_000

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const METHODS = ['ping', 'profile', 'redeemInvite', 'listItems', 'fetchFile', 'deleteNotices', 'constructor', '__proto__', 'toString', 'nosuch']
const id = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 0xffffffff, 0x100000000, -1, 1.5, Number.MAX_SAFE_INTEGER), fc.nat())
const direction = fc.constantFrom(0, 1, 2, 255)
const odd = fc.constantFrom(0, -1, 1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 32 * 1024 * 1024, 32 * 1024 * 1024 + 1, Number.MAX_SAFE_INTEGER, NaN, Infinity, '7', null)
const params = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.record({ data: fc.uint8Array({ maxLength: 100 }), replyBytes: fc.option(odd, { nil: undefined }) }),
  fc.record({ limit: odd, types: fc.anything(), after: fc.string() }),
  fc.record({ id: fc.string(), itemIds: fc.array(fc.string(), { maxLength: 5 }) }),
  fc.record({ token: fc.string(), profile: fc.anything() })
)
const msgpackFrame = fc.oneof(
  fc.tuple(fc.constant(FrameType.Request), id, fc.constantFrom(...METHODS), params),
  fc.tuple(fc.constant(FrameType.Result), id, fc.anything({ maxDepth: 2 })),
  fc.tuple(fc.constant(FrameType.Error), id, fc.constantFrom('UNAUTHORIZED', 'NOPE', 7), fc.anything({ maxDepth: 1 })),
  fc.tuple(fc.constant(FrameType.Cancel), id),
  fc.tuple(fc.constant(FrameType.Large), id, direction, odd),
  fc.tuple(fc.constant(FrameType.Hello), fc.integer(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
  fc.tuple(fc.constant(FrameType.Auth), fc.uint8Array({ minLength: 64, maxLength: 64 })),
  // A well-formed goodbye ends the session, as closing the channel would (a
  // peer can only end its own session; rpc.test.ts): only malformed ones here.
  fc.tuple(fc.constant(FrameType.Goodbye), fc.oneof(fc.integer(), fc.uint8Array({ maxLength: 8 }))),
  fc.tuple(fc.integer({ min: -5, max: 300 }), fc.anything({ maxDepth: 1 })),
  fc.anything({ maxDepth: 2 })
).map((value) => encodeValue(value))

/** Nesting, and headers that claim far more than follows. */
const hostileMsgpack = fc.oneof(
  fc.integer({ min: 1, max: 5_000 }).map((depth) => { const b = new Uint8Array(depth + 1).fill(0x91); b[depth] = 0xc0; return b }),
  fc.constantFrom(
    Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), // array of 4 G elements
    Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff), // map of 4 G entries
    Uint8Array.of(0x94, 0x01, 0x01, 0xdb, 0xff, 0xff, 0xff, 0xff), // request whose method is a 4 GB string
    Uint8Array.of(0x94, 0x01, 0x01, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xc6, 0x7f, 0xff, 0xff, 0xff), // ping with 2 GB of bin
    Uint8Array.of(0x94, 0x01, 0x01, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xc7, 0x10, 0x01), // ext type
    Uint8Array.of(0x92, 0x05, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) // uint64
  )
)

const chunkFrame = fc.oneof(
  fc.tuple(id.filter((n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff), fc.constantFrom(REQUEST_DIRECTION, RESULT_DIRECTION), fc.uint8Array({ maxLength: 2000 }))
    .map(([i, d, bytes]) => encodeChunk(i, d, bytes)),
  // A chunk carrying a real (maybe wrong-id) request, in one piece.
  fc.tuple(fc.integer({ min: 0, max: 40 }), msgpackFrame).map(([i, inner]) => encodeChunk(i, REQUEST_DIRECTION, inner)),
  // A bad direction byte, or a header cut short.
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((tail) => Uint8Array.of(CHUNK_MARKER, ...tail))
)

/** A Large header followed by chunks of a real request, some of them wrong. */
const largeSequence = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 5 }))
  .map(([outer, inner, skew, pieces]) => {
    const request = encodeFrame({ type: FrameType.Request, id: inner, method: 'ping', params: { data: new Uint8Array(300) } })
    const frames = [encodeFrame({ type: FrameType.Large, id: outer, direction: REQUEST_DIRECTION, totalBytes: Math.max(1, request.length + skew) })]
    const size = Math.ceil(request.length / pieces)
    for (let at = 0; at < request.length; at += size) frames.push(encodeChunk(outer, REQUEST_DIRECTION, request.subarray(at, at + size)))
    return frames
  })

const truncated = fc.tuple(msgpackFrame, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, cut % Math.max(1, bytes.length)))

const anyFrames: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  { weight: 3, arbitrary: msgpackFrame.map((f) => [f]) },
  { weight: 2, arbitrary: truncated.map((f) => [f]) },
  { weight: 2, arbitrary: chunkFrame.map((f) => [f]) },
  { weight: 1, arbitrary: hostileMsgpack.map((f) => [f]) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((f) => [f]) },
  { weight: 1, arbitrary: largeSequence }
)

const unhandled: unknown[] = []
const onUnhandled = (err: unknown): void => { unhandled.push(err) }
beforeAll(() => { process.on('unhandledRejection', onUnhandled) })
afterAll(() => { process.off('unhandledRejection', onUnhandled) })

describe('a flood of hostile frames', () => {
  it(`(${FRAMES} frames, seed ${SEED}) leaves the node answering, with nothing held`, async () => {
    const node = await KithNode.open({ db: new NodeDatabase(`fuzz-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    await node.setDisplayName('Alice')
    await node.items.create({ type: 'note', text: 'still here', audience: { kind: 'friends' } })
    // The handlers live in the network half, loaded when the node starts listening.
    node.startListening()
    await node.listening
    const mallory = createIdentity()
    // A friend: the deepest surface (every handler runs, not only the stranger refusal).
    await node.friends.add({ key: toHex(mallory.publicKey), address: addressFromPublicKey(mallory.publicKey), displayName: 'Mallory' })
    const nodeBudget = new ByteBudget(64 * 1024 * 1024)
    const handlersFor = node.connections.handlersFor
    const [a, b] = createMemoryTransportPair()
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(b, { credentials: node.credentials, handlers: handlersFor, rpc: { nodeBudget, assemblyIdleMs: 300 } }),
      runHandshake(a, { identity: mallory })
    ])
    const server = session.rpc
    let answers = 0
    const off = a.onMessage(() => { answers++ })

    const batches = fc.sample(anyFrames, { seed: SEED, numRuns: FRAMES })
    let sent = 0
    // A few frames nested as deep as a frame allows (each costs tens of ms to
    // decode, as any frame of that size would), then the random flood.
    for (const depth of [a.maxFrameSize - 1, 100_000]) {
      const deep = new Uint8Array(depth + 1).fill(0x91)
      deep[depth] = 0xc0
      a.send(deep)
      sent++
    }
    let maxAssemblies = 0
    for (const batch of batches) {
      for (const frame of batch) {
        a.send(frame.length > a.maxFrameSize ? frame.subarray(0, a.maxFrameSize) : frame)
        sent++
      }
      if (sent % 200 < batch.length) {
        await tick()
        maxAssemblies = Math.max(maxAssemblies, server.stats().assemblies)
      }
    }
    expect(sent).toBeGreaterThanOrEqual(10_000)
    // Let every answer go out and every unfinished large request expire.
    const end = Date.now() + 15_000 // generous: a loaded CI machine is slow
    while (Date.now() < end) {
      const s = server.stats()
      if (s.inFlight === 0 && s.assemblies === 0 && s.heldBytes === 0) break
      await tick(20)
    }
    // Then until the server has been quiet a while: an answer to the flood
    // still on its way (say, the timeout of a request whose chunks never
    // came, id 1) must not be taken for the answer to the legitimate
    // caller's first request, which reuses the same ids.
    for (let seen = -1; seen !== answers && Date.now() < end;) {
      seen = answers
      await tick(200)
    }
    off()
    expect(server.closed).toBe(false)
    expect(answers).toBeGreaterThan(0)
    expect(maxAssemblies).toBeLessThanOrEqual(64)
    expect(server.stats()).toEqual({ pending: 0, inFlight: 0, assemblies: 0, heldBytes: 0 })
    expect(nodeBudget.held).toBe(0)

    // A legitimate caller on the same session is served as before.
    const me = new RpcPeer<NodeMethods>(a, {})
    expect(await me.call('ping', { data: Uint8Array.of(1, 2, 3) })).toEqual({ data: Uint8Array.of(1, 2, 3) })
    expect(await me.call('profile', {})).toEqual({ displayName: 'Alice', address: node.address })
    const { items } = await me.call('listItems', { limit: 10 })
    expect(items.map((i) => i.text)).toEqual(['still here'])
    expect((await me.call('ping', { data: new Uint8Array(0), replyBytes: 1_000_000 }, { timeoutMs: 10_000 })).data.length).toBe(1_000_000)
    expect(unhandled).toEqual([])
    me.close()
    node.close()
  }, 60_000)
})
