// Answers produced in pieces: a ByteStream result reaches the caller exactly
// as the whole array would have, its bytes are pulled only as the channel
// drains, and what the node holds for answers is bounded per peer and per node.
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RpcPeer, type RpcHandlers, type RpcOptions } from '../../shared/wire/rpc'
import { ByteBudget } from '../../shared/wire/byte-budget'
import { byteStream, isByteStream, type ByteStream } from '../../shared/wire/byte-stream'
import { KithError } from '../../shared/wire/errors'
import { codeOf } from './refusal'
import { CHUNK_HEADER_BYTES, encodeFrame, FrameType, isChunkFrame, type ChunkFrame, type Frame } from '../../shared/wire/codec'
import { bytesEqual } from '../../shared/util/bytes'
import type { Transport } from '../../shared/wire/transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { basicHandlers } from '../../node-tab/handlers/basic'
import { RawPeer } from './raw-peer'

interface Methods {
  [method: string]: { params: unknown, result: unknown }
  stream: { params: { n: number, piece: number }, result: { data: Uint8Array, tag: string } }
  whole: { params: { n: number }, result: { data: Uint8Array, tag: string } }
  bare: { params: number, result: Uint8Array }
  big: { params: number, result: Uint8Array }
  hold: { params: unknown, result: { data: Uint8Array } }
  bad: { params: 'short' | 'long' | 'throw', result: { data: Uint8Array } }
  reads: { params: number, result: { data: Uint8Array } }
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function pattern (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 131 + 7) & 0xff
  return out
}

/** A stream of pattern(n) handed out in pieces of `piece` bytes, whatever was wanted. */
function patternStream (n: number, piece: number, log?: { closed: number }): ByteStream {
  const all = pattern(n)
  let at = 0
  return byteStream(n, () => {
    const out = all.subarray(at, at + piece)
    at += out.length
    return out
  }, () => { if (log) log.closed++ })
}


const cleanups: Array<() => void> = []
afterEach(() => { for (const fn of cleanups.splice(0)) fn() })

const closes = { closed: 0 }
const readLog: Array<{ room: number, held: number }> = []
let readBudget: ByteBudget | null = null
const releases: Array<() => void> = []
const handlers: RpcHandlers<Methods> = {
  stream: (p) => { const { n, piece } = p as { n: number, piece: number }; return { data: patternStream(n, piece, closes), tag: 'after' } },
  whole: (p) => ({ data: pattern((p as { n: number }).n), tag: 'after' }),
  bare: (n) => patternStream(n as number, 1000),
  big: (n) => pattern(n as number),
  // Hands out one piece, then waits to be released: a stream that stays open.
  hold: () => {
    let first = true
    return { data: byteStream(4 * 1024 * 1024, async (wanted) => {
      if (!first) await new Promise<void>((resolve) => releases.push(resolve))
      first = false
      return new Uint8Array(Math.min(wanted, 64 * 1024))
    }, () => { closes.closed++ }) }
  },
  // A source that would rather read 256 KiB at a time (a stored piece):
  // records the room each pull was given and what the budgets held then.
  reads: (n) => {
    const all = pattern(n as number)
    let at = 0
    return { data: byteStream(n as number, (_wanted, room) => {
      readLog.push({ room, held: readBudget?.held ?? 0 })
      const out = all.subarray(at, at + room)
      at += out.length
      return out
    }, undefined, { readBytes: 256 * 1024 }) }
  },
  bad: (how) => ({
    data: byteStream(300_000, (wanted) => {
      if (how === 'throw') throw new KithError('NOT_FOUND', 'the file went away')
      return new Uint8Array(how === 'short' ? 0 : 400_000 + wanted)
    }, () => { closes.closed++ })
  })
}

function setup (server: RpcOptions = {}): { client: RpcPeer<Methods>, server: RpcPeer<Methods, Methods>, a: Transport, b: Transport } {
  const [a, b] = createMemoryTransportPair()
  const client = new RpcPeer<Methods>(a, {}, { maxMessageBytes: 64 * 1024 * 1024 })
  const srv = new RpcPeer<Methods, Methods>(b, handlers, server)
  cleanups.push(() => { client.close(); srv.close() })
  return { client, server: srv, a, b }
}

describe('streamed answers', () => {
  it('put on the wire exactly the bytes of the whole answer, so the caller sees the same result', async () => {
    const [a, b] = createMemoryTransportPair()
    const raw = new RawPeer(a)
    const srv = new RpcPeer<Methods, Methods>(b, handlers)
    cleanups.push(() => { srv.close(); a.close() })
    const wire = async (method: string, params: unknown): Promise<Uint8Array[]> => {
      raw.send({ type: FrameType.Request, id: 7, method, params })
      const frames: Uint8Array[] = []
      const header = await raw.next()
      expect(header).toMatchObject({ type: FrameType.Large, id: 7 })
      let got = 0
      while (got < (header as Frame & { type: 5 }).totalBytes) {
        const chunk = await raw.next() as ChunkFrame
        frames.push(chunk.bytes.slice())
        got += chunk.bytes.length
      }
      return frames
    }
    const concat = (parts: Uint8Array[]): Uint8Array => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of parts) { out.set(p, at); at += p.length }
      return out
    }
    const n = 1_000_003
    const streamed = concat(await wire('stream', { n, piece: 300_000 }))
    const whole = concat(await wire('whole', { n }))
    expect(bytesEqual(streamed, whole)).toBe(true)
    expect(bytesEqual(streamed, encodeFrame({ type: FrameType.Result, id: 7, result: { data: pattern(n), tag: 'after' } }))).toBe(true)
  })

  it('arrive intact with progress, whether pieces are smaller or larger than a chunk', async () => {
    const { client } = setup()
    for (const piece of [1000, 64 * 1024, 300_000]) {
      const progress: number[] = []
      const result = await client.call('stream', { n: 2_000_000, piece }, { timeoutMs: 10_000, onProgress: (got) => progress.push(got) })
      expect(result.tag).toBe('after')
      expect(bytesEqual(result.data, pattern(2_000_000))).toBe(true)
      expect(progress.length).toBeGreaterThan(10)
    }
    const bare = await client.call('bare', 500_000, { timeoutMs: 10_000 })
    expect(bytesEqual(bare, pattern(500_000))).toBe(true)
  })

  it('small enough for one frame, go as one frame', async () => {
    const { client, a } = setup()
    let chunks = 0
    a.onMessage((bytes) => { if (isChunkFrame(bytes)) chunks++ })
    expect(await client.call('stream', { n: 100, piece: 7 })).toEqual({ data: pattern(100), tag: 'after' })
    expect(await client.call('stream', { n: 0, piece: 7 })).toEqual({ data: new Uint8Array(0), tag: 'after' })
    expect(chunks).toBe(0)
  })

  it('a source that produces too few or too many bytes, or fails, fails the call at once and is closed', async () => {
    const { client } = setup()
    closes.closed = 0
    expect(await codeOf(client.call('bad', 'short', { timeoutMs: 5_000 }))).toBe('INTERNAL')
    expect(await codeOf(client.call('bad', 'long', { timeoutMs: 5_000 }))).toBe('INTERNAL')
    expect(await codeOf(client.call('bad', 'throw', { timeoutMs: 5_000 }))).toBe('NOT_FOUND')
    expect(closes.closed).toBe(3)
  })

  it('cancelling stops the pulls and closes the source', async () => {
    const { client, server } = setup()
    closes.closed = 0
    const controller = new AbortController()
    const call = client.call('hold', {}, { signal: controller.signal })
    await tick(20)
    expect(server.stats().heldBytes).toBeGreaterThan(0)
    controller.abort()
    expect(await codeOf(call)).toBe('CANCELLED')
    await tick(20)
    for (const release of releases.splice(0)) release()
    await tick(20)
    expect(closes.closed).toBe(1)
    expect(server.stats()).toEqual({ pending: 0, inFlight: 0, assemblies: 0, heldBytes: 0 })
  })
})

describe('bytes held for answers', () => {
  it('a node-wide budget shared by sessions refuses streams beyond it with RATE_LIMITED', async () => {
    const nodeBudget = new ByteBudget(96 * 1024)
    const one = setup({ nodeBudget })
    const two = setup({ nodeBudget })
    const first = one.client.call('hold', {}, { timeoutMs: 5_000 })
    await tick(20)
    expect(nodeBudget.held).toBe(64 * 1024)
    // Another peer: its stream's chunk does not fit what is left of the node's budget.
    expect(await codeOf(two.client.call('hold', {}))).toBe('RATE_LIMITED')
    // A small answer still fits in what is left.
    expect(await two.client.call('stream', { n: 100, piece: 100 })).toEqual({ data: pattern(100), tag: 'after' })
    one.client.close()
    for (const release of releases.splice(0)) release()
    expect(await codeOf(first)).toBe('CLOSED')
    await tick(20)
    expect(nodeBudget.held).toBe(0)
  })

  it('a source that reads in large pieces gets the room from the read budgets while they can hold it, and a chunk at a time past them', async () => {
    const KiB = 1024
    // Room to read ahead: 256 KiB at a time, counted in the read budget, not in the answers'.
    const nodeBudget = new ByteBudget(1024 * KiB)
    readBudget = new ByteBudget(1024 * KiB)
    const roomy = setup({ nodeBudget, nodeReadBudget: readBudget, maxReadAheadBytes: 512 * KiB, chunkBytes: 64 * KiB })
    readLog.length = 0
    expect(bytesEqual((await roomy.client.call('reads', 600 * KiB, { timeoutMs: 5_000 })).data, pattern(600 * KiB))).toBe(true)
    expect(readLog.map((r) => r.room)).toEqual([256 * KiB, 256 * KiB, 88 * KiB])
    // At each read, the room beyond the chunk was taken from the read budget before it.
    for (const { held, room } of readLog) {
      expect(held).toBeGreaterThanOrEqual(room - 64 * KiB)
      expect(held).toBeLessThan(room)
    }
    await tick(10)
    expect(readBudget.held).toBe(0)
    expect(nodeBudget.held).toBe(0)
    // A read budget already taken (another download reading ahead): the same
    // answer a chunk at a time, and nothing refused.
    readBudget = new ByteBudget(1024 * KiB)
    readBudget.force(1000 * KiB)
    const tight = setup({ nodeBudget, nodeReadBudget: readBudget, maxReadAheadBytes: 512 * KiB, chunkBytes: 64 * KiB })
    readLog.length = 0
    expect(bytesEqual((await tight.client.call('reads', 600 * KiB, { timeoutMs: 5_000 })).data, pattern(600 * KiB))).toBe(true)
    expect(readLog.length).toBe(10)
    for (const { room, held } of readLog) {
      expect(room).toBeLessThanOrEqual(64 * KiB)
      expect(held).toBe(1000 * KiB)
    }
    // Without read budgets (the default), a source is never given more than the chunk's room.
    readBudget = null
    const plain = setup({ nodeBudget, chunkBytes: 64 * KiB })
    readLog.length = 0
    expect(bytesEqual((await plain.client.call('reads', 600 * KiB, { timeoutMs: 5_000 })).data, pattern(600 * KiB))).toBe(true)
    expect(Math.max(...readLog.map((r) => r.room))).toBeLessThanOrEqual(64 * KiB)
  })

  it('64 reading streams of one peer at once are all answered, reading ahead no more than the peer’s allowance', async () => {
    const KiB = 1024
    const nodeBudget = new ByteBudget(64 * 1024 * KiB)
    readBudget = new ByteBudget(16 * 1024 * KiB)
    const { client } = setup({ nodeBudget, nodeReadBudget: readBudget, maxReadAheadBytes: 1024 * KiB, chunkBytes: 64 * KiB, maxHeldBytes: 8 * 1024 * KiB })
    readLog.length = 0
    const answers = await Promise.all(Array.from({ length: 64 }, () => client.call('reads', 300 * KiB, { timeoutMs: 10_000 })))
    for (const { data } of answers) expect(bytesEqual(data, pattern(300 * KiB))).toBe(true)
    expect(Math.max(...readLog.map((r) => r.held))).toBeLessThanOrEqual(1024 * KiB)
    // Some read a piece at once, the others a chunk at a time.
    expect(readLog.some((r) => r.room > 64 * KiB)).toBe(true)
    await tick(10)
    expect(readBudget.held).toBe(0)
    expect(nodeBudget.held).toBe(0)
    readBudget = null
  })

  it('a per-peer budget refuses a peer’s streams and large materialised answers beyond it', async () => {
    const { client, server } = setup({ maxHeldBytes: 1024 * 1024 })
    const first = client.call('hold', {}, { timeoutMs: 5_000 })
    await tick(20)
    expect(await codeOf(client.call('big', 2 * 1024 * 1024))).toBe('RATE_LIMITED')
    expect(server.stats().heldBytes).toBe(64 * 1024)
    const within = await client.call('big', 512 * 1024)
    expect(within.length).toBe(512 * 1024)
    client.close()
    for (const release of releases.splice(0)) release()
    await codeOf(first)
  })

  it('16 concurrent 16 MiB speed-test answers hold one chunk each and the transport stays at its high-water mark', async () => {
    const MiB = 1024 * 1024
    const [a, b] = createMemoryTransportPair()
    const opts = { chunkBytes: 64 * 1024, highWaterMark: MiB }
    // Instrument the transport: bytes handed over, and what it buffers after each send.
    let sentPayload = 0
    let maxBuffered = 0
    const transport: Transport = {
      binding: b.binding,
      maxFrameSize: b.maxFrameSize,
      get bufferedAmount () { return b.bufferedAmount },
      get closed () { return b.closed },
      send (frame) {
        b.send(frame)
        if (isChunkFrame(frame)) sentPayload += frame.length - CHUNK_HEADER_BYTES
        maxBuffered = Math.max(maxBuffered, b.bufferedAmount)
        maxNodeHeld = Math.max(maxNodeHeld, nodeBudget.held)
      },
      drain: () => b.drain(),
      onMessage: (l) => b.onMessage(l),
      onClose: (l) => b.onClose(l),
      close: (r) => b.close(r)
    }
    // Instrument the real ping handler's source: bytes produced so far.
    let pulled = 0
    let maxAhead = 0
    const ping = basicHandlers(() => ({ displayName: '', address: '' })).ping
    const nodeBudget = new ByteBudget(64 * MiB)
    let maxNodeHeld = 0
    const server = new RpcPeer<NodeMethods, NodeMethods>(transport, {
      ping: (params, ctx) => {
        const result = ping(params, ctx) as { data: unknown }
        const stream = result.data
        if (!isByteStream(stream)) throw new Error('the speed test should stream')
        return {
          data: byteStream(stream.totalBytes, async (wanted, room) => {
            const piece = await stream.pull(wanted, room)
            pulled += piece.length
            // Produced but not yet handed to the transport, over all streams.
            maxAhead = Math.max(maxAhead, pulled - sentPayload)
            return piece
          })
        }
      }
    }, { ...opts, nodeBudget })
    const client = new RpcPeer<NodeMethods>(a, {})
    cleanups.push(() => { client.close(); server.close() })

    const results = await Promise.all(Array.from({ length: 16 }, () =>
      client.call('ping', { data: new Uint8Array(0), replyBytes: 16 * MiB }, { timeoutMs: 60_000 })))
    for (const { data } of results) expect(data.length).toBe(16 * MiB)
    expect(pulled).toBe(16 * 16 * MiB)
    // Each stream is ahead of the transport by at most the chunk it is filling.
    expect(maxAhead).toBeLessThanOrEqual(16 * opts.chunkBytes)
    expect(maxNodeHeld).toBeLessThanOrEqual(16 * opts.chunkBytes)
    // The transport holds the high-water mark plus the one chunk that crossed it.
    expect(maxBuffered).toBeLessThanOrEqual(opts.highWaterMark + opts.chunkBytes + CHUNK_HEADER_BYTES)
    expect(nodeBudget.held).toBe(0)
    expect(server.stats()).toEqual({ pending: 0, inFlight: 0, assemblies: 0, heldBytes: 0 })
  }, 60_000)
})

