// Attacks on the RPC layer of a node's session, by a peer that speaks raw
// frames: chunk and Large header abuse, floods, cancel abuse, unsolicited
// answers, and one friend holding the node's byte budget so that another
// friend is refused. Every peer here uses the node's real session options.
import { afterEach, describe, expect, it } from 'vitest'
import { ByteBudget } from '../../shared/wire/byte-budget'
import { decodeFrame, encodeChunk, encodeFrame, encodeValue, FrameType, isChunkFrame, REQUEST_DIRECTION, RESULT_DIRECTION, type Frame } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RpcPeer, type MethodTable, type RpcHandlers } from '../../shared/wire/rpc'
import { TransportEvents, type Transport } from '../../shared/wire/transport'
import { PEER_HELD_BYTES, sessionRpcOptions, NODE_HELD_BYTES } from '../../node-tab/connections/session-limits'
import { RawPeer } from './raw-peer'
import { sleep as tick, waitFor } from './waiting'

/** Polls until `condition` holds; fails after `ms`. */
const until = (condition: () => boolean, ms = 5_000): Promise<void> => waitFor(condition, ms, 2)

const peers: RpcPeer<MethodTable>[] = []
afterEach(() => { for (const p of peers.splice(0)) p.close() })

type Handlers = Partial<RpcHandlers<MethodTable>>

/** The node's side of a session with a raw, hostile peer. */
function nodeWithRawPeer (handlers: Handlers, extra: Parameters<typeof sessionRpcOptions>[0] = new ByteBudget(NODE_HELD_BYTES), overrides = {}) {
  const [a, b] = createMemoryTransportPair()
  const node = new RpcPeer<MethodTable>(b, handlers, { ...sessionRpcOptions(extra), ...overrides })
  peers.push(node)
  return { node, raw: new RawPeer(a) }
}

const echo: Handlers = { echo: (params) => params }

/** Frames the raw peer received (chunks left out) that answer `id`. */
function answersTo (raw: RawPeer, id: number): Frame[] {
  return raw.received.filter((bytes) => !isChunkFrame(bytes)).map((bytes) => decodeFrame(bytes))
    .filter((f) => 'id' in f && f.id === id && (f.type === FrameType.Result || f.type === FrameType.Error))
}

describe('attack: Large headers and chunks', () => {
  // Attack: a thousand tiny announced requests that never finish, each an
  // assembly the node would keep for the session.
  it('never-finished assemblies are bounded in number and dropped when idle', async () => {
    const { node, raw } = nodeWithRawPeer(echo, undefined, { assemblyIdleMs: 100 })
    for (let id = 1; id <= 1_000; id++) raw.send({ type: FrameType.Large, id, direction: REQUEST_DIRECTION, totalBytes: 10 })
    await until(() => raw.received.length >= 1_000 - 64)
    expect(node.stats().assemblies).toBeLessThanOrEqual(64)
    const limited = raw.received.map((b) => decodeFrame(b)).filter((f) => f.type === FrameType.Error && f.code === 'RATE_LIMITED')
    expect(limited.length).toBeGreaterThanOrEqual(1_000 - 64)
    // A plain request is still served while they hang.
    raw.send({ type: FrameType.Request, id: 5_000, method: 'echo', params: 'still here' })
    await until(() => answersTo(raw, 5_000).length === 1)
    expect(answersTo(raw, 5_000)[0]).toMatchObject({ type: FrameType.Result, result: 'still here' })
    // Idle ones go: nothing lingers.
    await until(() => node.stats().assemblies === 0)
  })

  // Attack: announcing a total far beyond any request, or a negative/float one.
  it('huge, zero, negative and fractional totals reserve nothing', async () => {
    const { node, raw } = nodeWithRawPeer(echo)
    raw.send({ type: FrameType.Large, id: 1, direction: REQUEST_DIRECTION, totalBytes: Number.MAX_SAFE_INTEGER })
    raw.send({ type: FrameType.Large, id: 2, direction: REQUEST_DIRECTION, totalBytes: 2 ** 32 })
    for (const [id, total] of [[3, 0], [4, -5], [5, 1.5]] as const) {
      raw.send(encodeValue([FrameType.Large, id, REQUEST_DIRECTION, total]))
    }
    await until(() => answersTo(raw, 1).length === 1 && answersTo(raw, 2).length === 1)
    expect(answersTo(raw, 1)[0]).toMatchObject({ code: 'TOO_LARGE' })
    expect(answersTo(raw, 2)[0]).toMatchObject({ code: 'TOO_LARGE' })
    await tick(20)
    expect(node.stats().assemblies).toBe(0)
  })

  // Attack: interleaving two requests' chunks, re-announcing one id midway,
  // sending chunks for ids never announced and result-direction chunks for
  // calls the node never made: each request must still come out exactly right.
  it('interleaved, re-announced and stray chunks never mix requests', async () => {
    const { node, raw } = nodeWithRawPeer(echo)
    const big = (id: number, fill: number): Uint8Array => encodeFrame({ type: FrameType.Request, id, method: 'echo', params: new Uint8Array(300_000).fill(fill) })
    const one = big(11, 0xaa)
    const two = big(12, 0xbb)
    // id 11 is first announced with a wrong size, then re-announced: the first assembly is dropped.
    raw.send({ type: FrameType.Large, id: 11, direction: REQUEST_DIRECTION, totalBytes: 7 })
    raw.send({ type: FrameType.Large, id: 11, direction: REQUEST_DIRECTION, totalBytes: one.length })
    raw.send({ type: FrameType.Large, id: 12, direction: REQUEST_DIRECTION, totalBytes: two.length })
    const cut = (bytes: Uint8Array, n: number): Uint8Array[] => Array.from({ length: Math.ceil(bytes.length / n) }, (_, i) => bytes.subarray(i * n, (i + 1) * n))
    const a = cut(one, 50_000)
    const b = cut(two, 50_000)
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) raw.send(encodeChunk(11, REQUEST_DIRECTION, a[i]!))
      raw.send(encodeChunk(99, REQUEST_DIRECTION, Uint8Array.of(1, 2, 3))) // never announced
      raw.send(encodeChunk(12, RESULT_DIRECTION, Uint8Array.of(4, 5, 6))) // a "result" for nothing we asked
      if (b[i]) raw.send(encodeChunk(12, REQUEST_DIRECTION, b[i]!))
    }
    // The answers are themselves chunked (300 kB): reassembled here.
    await until(() => collectResults(raw).size === 2)
    const results = collectResults(raw)
    expect(results.get(11)).toEqual(new Uint8Array(300_000).fill(0xaa))
    expect(results.get(12)).toEqual(new Uint8Array(300_000).fill(0xbb))
    expect(answersTo(raw, 99)).toEqual([])
    expect(node.stats().assemblies).toBe(0)
  })
})

/** Reassembles chunked results the raw peer received: id → result. */
function collectResults (raw: RawPeer): Map<number, unknown> {
  const out = new Map<number, unknown>()
  const parts = new Map<number, Uint8Array[]>()
  for (const bytes of raw.received) {
    if (isChunkFrame(bytes)) {
      const id = new DataView(bytes.buffer, bytes.byteOffset).getUint32(1)
      parts.set(id, [...(parts.get(id) ?? []), bytes.subarray(6)])
      continue
    }
    const frame = decodeFrame(bytes)
    if (frame.type === FrameType.Result) out.set(frame.id, frame.result)
  }
  for (const [id, list] of parts) {
    const total = list.reduce((n, p) => n + p.length, 0)
    const whole = new Uint8Array(total)
    let at = 0
    for (const p of list) { whole.set(p, at); at += p.length }
    try {
      const frame = decodeFrame(whole)
      if (frame.type === FrameType.Result) out.set(id, frame.result)
    } catch { /* not all of it has arrived yet */ }
  }
  return out
}

describe('attack: floods and cancels', () => {
  // Attack: 5,000 requests at once to a handler that never finishes.
  it('at most the concurrency limit of handlers run; the rest are RATE_LIMITED; the node recovers', async () => {
    let running = 0
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const { node, raw } = nodeWithRawPeer({
      slow: async () => { running++; await gate; running--; return 'done' },
      echo: (p) => p
    })
    for (let id = 1; id <= 5_000; id++) raw.send({ type: FrameType.Request, id, method: 'slow', params: null })
    await until(() => raw.received.length >= 5_000 - 64)
    expect(running).toBe(64)
    expect(node.stats().inFlight).toBe(64)
    release()
    await until(() => node.stats().inFlight === 0)
    raw.send({ type: FrameType.Request, id: 9_999, method: 'echo', params: 1 })
    await until(() => answersTo(raw, 9_999).length === 1)
  })

  // Attack: cancels for ids never used, and cancel-then-reuse of a running
  // request's id to get a second handler running under the same id.
  it('cancels for unknown ids do nothing; a cancelled id still running cannot be reused', async () => {
    let runs = 0
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const { node, raw } = nodeWithRawPeer({ slow: async (_p, ctx) => { runs++; await Promise.race([gate, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))]); await gate; return 'late' } })
    for (let id = 100; id < 1_100; id++) raw.send({ type: FrameType.Cancel, id })
    raw.send({ type: FrameType.Request, id: 1, method: 'slow', params: null })
    await until(() => runs === 1)
    raw.send({ type: FrameType.Cancel, id: 1 })
    raw.send({ type: FrameType.Request, id: 1, method: 'slow', params: null })
    await until(() => answersTo(raw, 1).length === 1)
    expect(answersTo(raw, 1)[0]).toMatchObject({ type: FrameType.Error, code: 'BAD_REQUEST' })
    expect(runs).toBe(1)
    release()
    await until(() => node.stats().inFlight === 0)
    // The cancelled request's late answer is not sent.
    await tick(20)
    expect(answersTo(raw, 1)).toHaveLength(1)
  })

  // Attack: a peer answering calls we never made, or answering one call many
  // times: nothing is settled twice, nothing else disturbed.
  it('unsolicited and repeated answers are ignored', async () => {
    const [a, b] = createMemoryTransportPair()
    const me = new RpcPeer<MethodTable>(a, {}, { defaultTimeoutMs: 2_000 })
    peers.push(me)
    const raw = new RawPeer(b)
    for (let id = 1_000; id < 1_200; id++) {
      raw.send({ type: FrameType.Result, id, result: 'unasked' })
      raw.send({ type: FrameType.Error, id, code: 'INTERNAL', message: 'unasked' })
      raw.send({ type: FrameType.Large, id, direction: RESULT_DIRECTION, totalBytes: 1024 })
    }
    const call = me.call('echo', 'x')
    const request = await raw.next()
    const id = (request as { id: number }).id
    raw.send({ type: FrameType.Result, id, result: 'first' })
    raw.send({ type: FrameType.Result, id, result: 'second' })
    raw.send({ type: FrameType.Error, id, code: 'INTERNAL', message: 'third' })
    expect(await call).toBe('first')
    await tick(20)
    expect(me.stats()).toMatchObject({ pending: 0, assemblies: 0 })
  })

  // Attack: a friend's node announcing a 32 MiB answer and sending one chunk:
  // the caller's memory must not stay reserved past its timeout.
  it('a never-finished answer is dropped at the call’s timeout', async () => {
    const [a, b] = createMemoryTransportPair()
    const me = new RpcPeer<MethodTable>(a, {})
    peers.push(me)
    const raw = new RawPeer(b)
    const call = me.call('fetchFile', { id: 'x' }, { timeoutMs: 100 })
    const request = await raw.next()
    const id = (request as { id: number }).id
    raw.send({ type: FrameType.Large, id, direction: RESULT_DIRECTION, totalBytes: 32 * 1024 * 1024 })
    raw.send(encodeChunk(id, RESULT_DIRECTION, new Uint8Array(1000)))
    await expect(call).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(me.stats()).toMatchObject({ pending: 0, assemblies: 0 })
  })
})

describe('attack: a friend’s node answering a small question with a huge answer', () => {
  // Attack: every range asked for (at most 1 MiB) answered with a 32 MiB
  // message: a downloader with 4 ranges in flight would hold 128 MiB before
  // it could check any of them.
  it('an answer announced larger than the call accepts is refused at its header, holding nothing', async () => {
    const [a, b] = createMemoryTransportPair()
    const me = new RpcPeer<MethodTable>(a, {})
    peers.push(me)
    const raw = new RawPeer(b)
    const call = me.call('fetchFile', { id: 'x', offset: 0, length: 1024 }, { maxResultBytes: 2048 })
    const request = await raw.next()
    const id = (request as { id: number }).id
    raw.send({ type: FrameType.Large, id, direction: RESULT_DIRECTION, totalBytes: 30 * 1024 * 1024 })
    for (let i = 0; i < 10; i++) raw.send(encodeChunk(id, RESULT_DIRECTION, new Uint8Array(200_000)))
    await expect(call).rejects.toMatchObject({ code: 'TOO_LARGE' })
    await tick(20)
    expect(me.stats()).toMatchObject({ pending: 0, assemblies: 0 })
    // The node was told to stop.
    const cancels = raw.received.filter((bytes) => !isChunkFrame(bytes)).map((bytes) => decodeFrame(bytes)).filter((f) => f.type === FrameType.Cancel)
    expect(cancels).toHaveLength(1)
  })

  it('an answer within the call’s limit arrives (control)', async () => {
    const [a, b] = createMemoryTransportPair()
    const me = new RpcPeer<MethodTable>(a, {})
    const them = new RpcPeer<MethodTable>(b, { fetchFile: () => ({ bytes: new Uint8Array(300_000), size: 300_000 }) })
    peers.push(me, them)
    const got = await me.call('fetchFile', { id: 'x', offset: 0, length: 300_000 }, { maxResultBytes: 300_000 + 1024 }) as { bytes: Uint8Array }
    expect(got.bytes.length).toBe(300_000)
  })
})

/** A transport whose far side never reads: everything sent stays buffered. */
class StuckTransport implements Transport {
  readonly binding = { role: 'answerer' as const, localFingerprint: 'x', remoteFingerprint: 'y' }
  readonly maxFrameSize = 256 * 1024
  bufferedAmount = 0
  closed = false
  private readonly events = new TransportEvents()
  send (frame: Uint8Array): void {
    if (this.closed) throw new KithError('CLOSED', 'closed')
    this.bufferedAmount += frame.length
  }

  drain (): Promise<void> { return this.closed ? Promise.resolve() : new Promise(() => {}) }
  onMessage (l: (frame: Uint8Array) => void): () => void { return this.events.onMessage(l) }
  onClose (l: (reason: string) => void): () => void { return this.events.onClose(l) }
  close (): void { if (!this.closed) { this.closed = true; this.events.emitClose('closed') } }
  inject (frame: Frame): void { this.events.emitMessage(encodeFrame(frame)) }
}

describe('attack: one friend holding the node’s byte budget', () => {
  // Attack: Mallory asks for many large materialised answers (e.g. big
  // listings) and stops reading, so the node holds them all; Bob, another
  // friend, must still be served.
  it('a peer that stops reading holds at most its own share; another friend still gets large answers', async () => {
    const nodeBudget = new ByteBudget(NODE_HELD_BYTES)
    const answer = new Uint8Array(10 * 1024 * 1024).fill(7)
    const handlers: Handlers = { big: () => ({ bytes: answer }) }
    const stuck = new StuckTransport()
    const toMallory = new RpcPeer<MethodTable>(stuck, handlers, sessionRpcOptions(nodeBudget))
    peers.push(toMallory)
    for (let id = 1; id <= 20; id++) stuck.inject({ type: FrameType.Request, id, method: 'big', params: null })
    // Each of her answers is held until the transport takes its last chunk,
    // which it never does; those beyond her share are refused.
    await until(() => toMallory.stats().inFlight <= Math.floor(PEER_HELD_BYTES / answer.length))
    await tick(20)
    expect(toMallory.stats().heldBytes).toBeGreaterThan(0)
    expect(toMallory.stats().heldBytes).toBeLessThanOrEqual(PEER_HELD_BYTES)
    expect(nodeBudget.held).toBeLessThanOrEqual(PEER_HELD_BYTES)

    // Bob, on a healthy connection, asks for two of the same at once.
    const [a, b] = createMemoryTransportPair()
    const toBob = new RpcPeer<MethodTable>(b, handlers, sessionRpcOptions(nodeBudget))
    const bob = new RpcPeer<MethodTable>(a, {}, { maxMessageBytes: 32 * 1024 * 1024 })
    peers.push(toBob, bob)
    const got = await Promise.all([bob.call('big', null), bob.call('big', null)]) as { bytes: Uint8Array }[]
    for (const g of got) expect(g.bytes.length).toBe(answer.length)
    expect(nodeBudget.held).toBeLessThanOrEqual(PEER_HELD_BYTES)
  })
})
