import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RpcPeer, type RpcHandlers, type RpcOptions } from '../../shared/wire/rpc'
import { KithError, type ErrorCode } from '../../shared/wire/errors'
import { codeOf } from './refusal'
import {
  decodeFrame, encodeChunk, encodeFrame, encodeValue, FrameType, isChunkFrame,
  REQUEST_DIRECTION, RESULT_DIRECTION, type ChunkFrame, type Frame
} from '../../shared/wire/codec'
import { parsePingParams } from '../../shared/protocol/protocol'
import type { Transport } from '../../shared/wire/transport'
import { bytesEqual } from '../../shared/util/bytes'
import { RawPeer } from './raw-peer'
import { sleep as tick, waitFor } from './waiting'

interface Methods {
  [method: string]: { params: unknown, result: unknown }
  ping: { params: { data: Uint8Array }, result: { data: Uint8Array } }
  echo: { params: unknown, result: unknown }
  delay: { params: { ms: number, tag: string }, result: string }
  hang: { params: unknown, result: never }
  missing: { params: unknown, result: unknown }
  fail: { params: unknown, result: never }
  crash: { params: unknown, result: never }
  big: { params: number, result: Uint8Array }
}

/** Polls until `condition` holds; fails after `ms`. */
const until = (condition: () => boolean, ms = 1000): Promise<void> => waitFor(condition, ms, 2)


function pattern (n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed) & 0xff
  return out
}

/** Records what each handler saw, and lets tests release hanging handlers. */
class ServerLog {
  calls: string[] = []
  aborted: string[] = []
  releases: Array<() => void> = []
}

function handlers (log: ServerLog): RpcHandlers<Methods> {
  return {
    ping: (params) => { log.calls.push('ping'); return parsePingParams(params) },
    echo: (params) => { log.calls.push('echo'); return params },
    delay: async (params) => {
      const { ms, tag } = params as { ms: number, tag: string }
      log.calls.push(`delay:${tag}`)
      await tick(ms)
      return tag
    },
    hang: (_params, ctx) => new Promise((resolve, reject) => {
      log.calls.push('hang')
      log.releases.push(() => resolve(undefined as never))
      ctx.signal.addEventListener('abort', () => {
        log.aborted.push('hang')
        reject(new KithError('CANCELLED', 'aborted'))
      })
    }),
    missing: () => { throw new KithError('NOT_FOUND', 'There is no note 17.') },
    fail: () => { throw new KithError('UNAUTHORIZED', 'not for you') },
    crash: () => { throw new Error('db password is hunter2 at /home/secret/path') },
    big: (n) => pattern(n as number)
  }
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

function setup (opts: { client?: RpcOptions, server?: RpcOptions } = {}): {
  client: RpcPeer<Methods, Methods>
  server: RpcPeer<Methods, Methods>
  log: ServerLog
  clientLog: ServerLog
  a: Transport
  b: Transport
} {
  const [a, b] = createMemoryTransportPair()
  const log = new ServerLog()
  const clientLog = new ServerLog()
  const client = new RpcPeer<Methods, Methods>(a, handlers(clientLog), opts.client)
  const server = new RpcPeer<Methods, Methods>(b, handlers(log), opts.server)
  cleanups.push(() => { client.close(); server.close() })
  return { client, server, log, clientLog, a, b }
}

function rawAgainstServer (opts: RpcOptions = {}): { raw: RawPeer, server: RpcPeer<Methods, Methods>, log: ServerLog } {
  const [a, b] = createMemoryTransportPair()
  const log = new ServerLog()
  const server = new RpcPeer<Methods, Methods>(b, handlers(log), opts)
  cleanups.push(() => { server.close(); a.close() })
  return { raw: new RawPeer(a), server, log }
}

function rawAgainstClient (opts: RpcOptions = {}): { raw: RawPeer, client: RpcPeer<Methods, Methods> } {
  const [a, b] = createMemoryTransportPair()
  const client = new RpcPeer<Methods, Methods>(a, {}, opts)
  cleanups.push(() => { client.close(); b.close() })
  return { raw: new RawPeer(b), client }
}

function expectErrorFrame (frame: Frame | ChunkFrame, id: number, code: ErrorCode): Frame & { type: 3 } {
  expect(frame).toMatchObject({ type: FrameType.Error, id, code })
  return frame as Frame & { type: 3 }
}

describe('calls', () => {
  it('a ping works in both directions', async () => {
    const { client, server, log, clientLog } = setup()
    const data = pattern(100)
    expect(await client.call('ping', { data })).toEqual({ data })
    expect(await server.call('ping', { data: data.subarray(0, 10) })).toEqual({ data: data.subarray(0, 10) })
    expect(log.calls).toEqual(['ping'])
    expect(clientLog.calls).toEqual(['ping'])
  })

  it('concurrent calls completing out of order reach the right callers', async () => {
    const { client } = setup()
    const finished: string[] = []
    const tags = ['a', 'b', 'c', 'd', 'e']
    const calls = tags.map((tag, i) =>
      client.call('delay', { ms: (tags.length - i) * 15, tag }).then((result) => { finished.push(tag); return result })
    )
    expect(await Promise.all(calls)).toEqual(tags)
    // The server answered in reverse order, so matching was by request id.
    expect(finished).toEqual([...tags].reverse())
  })

  it('each call gets its own request id', async () => {
    const { client, b } = setup()
    const ids: number[] = []
    b.onMessage((bytes) => {
      const frame = decodeFrame(bytes)
      if (frame.type === FrameType.Request) ids.push(frame.id)
    })
    await Promise.all([client.call('echo', 1), client.call('echo', 2), client.call('echo', 3)])
    await client.call('echo', 4)
    expect(new Set(ids).size).toBe(4)
  })

  it('an unknown method is BAD_REQUEST, including names on Object.prototype', async () => {
    const { client } = setup()
    for (const method of ['nope', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const err = await client.call(method, null).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KithError)
      expect((err as KithError).code).toBe('BAD_REQUEST')
      expect((err as KithError).message).toContain('unknown method')
    }
  })

  it('a KithError thrown by a handler crosses the wire with its code and message', async () => {
    const { client } = setup()
    const err = await client.call('missing', null).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('NOT_FOUND')
    expect((err as KithError).message).toBe('There is no note 17.')
    expect(await codeOf(client.call('fail', null))).toBe('UNAUTHORIZED')
  })

  it('a plain Error from a handler becomes INTERNAL and its message stays home', async () => {
    const { client } = setup()
    const err = await client.call('crash', null).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('INTERNAL')
    expect((err as KithError).message).not.toMatch(/hunter2|secret|password/)
  })

  it('params that cannot be encoded reject with a KithError instead of throwing', async () => {
    const { client } = setup()
    let promise: Promise<unknown> | undefined
    expect(() => { promise = client.call('echo', { n: 10n }) }).not.toThrow()
    expect(await codeOf(promise!)).toBe('BAD_REQUEST')
  })
})

describe('timeouts and cancellation', () => {
  it('a call with no answer in time fails with TIMEOUT and the peer’s handler is aborted', async () => {
    const { client, log, b } = setup()
    const cancels: number[] = []
    b.onMessage((bytes) => {
      const frame = decodeFrame(bytes)
      if (frame.type === FrameType.Cancel) cancels.push(frame.id)
    })
    const started = Date.now()
    expect(await codeOf(client.call('hang', null, { timeoutMs: 50 }))).toBe('TIMEOUT')
    expect(Date.now() - started).toBeLessThan(1000)
    await until(() => log.aborted.length === 1)
    expect(log.aborted).toEqual(['hang'])
    expect(cancels).toHaveLength(1)
  })

  it('the default timeout applies when the call gives none', async () => {
    const { client } = setup({ client: { defaultTimeoutMs: 40 } })
    expect(await codeOf(client.call('hang', null))).toBe('TIMEOUT')
  })

  it('a late answer after a timeout is ignored', async () => {
    const { client } = setup()
    expect(await codeOf(client.call('delay', { ms: 60, tag: 'late' }, { timeoutMs: 20 }))).toBe('TIMEOUT')
    await tick(80)
    expect(await client.call('echo', 'still fine')).toBe('still fine')
  })

  it('aborting the signal fails the call with CANCELLED and aborts the handler', async () => {
    const { client, log } = setup()
    const controller = new AbortController()
    const call = client.call('hang', null, { signal: controller.signal, timeoutMs: 5000 })
    await until(() => log.calls.includes('hang'))
    controller.abort()
    expect(await codeOf(call)).toBe('CANCELLED')
    await until(() => log.aborted.length === 1)
  })

  it('an already-aborted signal fails at once and nothing is sent', async () => {
    const { client, log, b } = setup()
    let framesSeen = 0
    b.onMessage(() => { framesSeen++ })
    const controller = new AbortController()
    controller.abort()
    expect(await codeOf(client.call('echo', 1, { signal: controller.signal }))).toBe('CANCELLED')
    await tick(20)
    expect(framesSeen).toBe(0)
    expect(log.calls).toEqual([])
  })

  it('a handler that completes is not aborted', async () => {
    const { client, log } = setup()
    const controller = new AbortController()
    expect(await client.call('echo', 5, { signal: controller.signal })).toBe(5)
    controller.abort() // after the fact: no effect
    await tick(10)
    expect(log.aborted).toEqual([])
  })
})

describe('size limits', () => {
  it('a request over maxMessageBytes fails locally with TOO_LARGE and is never sent', async () => {
    const { client, log, b } = setup({ client: { maxMessageBytes: 1000 } })
    let framesSeen = 0
    b.onMessage(() => { framesSeen++ })
    expect(await codeOf(client.call('echo', new Uint8Array(2000)))).toBe('TOO_LARGE')
    await tick(20)
    expect(framesSeen).toBe(0)
    expect(log.calls).toEqual([])
  })

  it('a peer announcing a large request over our limit gets TOO_LARGE back', async () => {
    const { raw, log } = rawAgainstServer({ maxMessageBytes: 10_000 })
    raw.send({ type: FrameType.Large, id: 4, direction: REQUEST_DIRECTION, totalBytes: 10_001 })
    expectErrorFrame(await raw.next(), 4, 'TOO_LARGE')
    // Chunks that follow the refusal are dropped, not assembled.
    raw.send(encodeChunk(4, REQUEST_DIRECTION, new Uint8Array(5000)))
    raw.send({ type: FrameType.Request, id: 5, method: 'echo', params: 'ok' })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 5, result: 'ok' })
    expect(log.calls).toEqual(['echo'])
  })

  it('large requests announced at once may not reserve more than twice the limit', async () => {
    const { raw } = rawAgainstServer({ maxMessageBytes: 10_000 })
    raw.send({ type: FrameType.Large, id: 1, direction: REQUEST_DIRECTION, totalBytes: 9_000 })
    raw.send({ type: FrameType.Large, id: 2, direction: REQUEST_DIRECTION, totalBytes: 9_000 })
    raw.send({ type: FrameType.Large, id: 3, direction: REQUEST_DIRECTION, totalBytes: 9_000 })
    // The first two fit (18 kB of 20 kB); the third is refused before any buffer is made.
    expectErrorFrame(await raw.next(), 3, 'RATE_LIMITED')
    raw.send({ type: FrameType.Request, id: 4, method: 'echo', params: 'still serving' })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 4, result: 'still serving' })
  })

  it('a chunked request over the server’s limit fails the caller with TOO_LARGE', async () => {
    const { client, log } = setup({ server: { maxMessageBytes: 100_000 } })
    expect(await codeOf(client.call('echo', new Uint8Array(200_000)))).toBe('TOO_LARGE')
    expect(log.calls).toEqual([])
  })

  it('a single-frame request over the server’s limit fails the caller with TOO_LARGE', async () => {
    // 5 kB fits in one frame (chunks are 64 kB) but not in the server's 1 kB limit.
    const { client, log } = setup({ server: { maxMessageBytes: 1000 } })
    expect(await codeOf(client.call('echo', new Uint8Array(5000), { timeoutMs: 500 }))).toBe('TOO_LARGE')
    expect(log.calls).toEqual([])
  })

  it('a chunked result over the caller’s limit fails with TOO_LARGE', async () => {
    const { client, log } = setup({ client: { maxMessageBytes: 100_000 } })
    expect(await codeOf(client.call('big', 300_000, { timeoutMs: 2000 }))).toBe('TOO_LARGE')
    expect(log.calls).toEqual([])
    // The connection is still usable afterwards.
    expect(await client.call('echo', 'next')).toBe('next')
  })

  it('a single-frame result over the caller’s limit fails with TOO_LARGE', async () => {
    const { client } = setup({ client: { maxMessageBytes: 1000 } })
    expect(await codeOf(client.call('big', 5000, { timeoutMs: 500 }))).toBe('TOO_LARGE')
    expect(await client.call('big', 100)).toEqual(pattern(100))
  })

  it('a result over the server’s own limit is refused there with TOO_LARGE', async () => {
    const { client } = setup({ server: { maxMessageBytes: 10_000 } })
    expect(await codeOf(client.call('big', 20_000))).toBe('TOO_LARGE')
  })
})

describe('malformed input from the peer', () => {
  it('garbage is dropped and the server keeps answering', async () => {
    const { raw, log } = rawAgainstServer()
    raw.send(Uint8Array.of(0xc1, 0xff, 0x00))
    raw.send(encodeValue('not a frame'))
    raw.send(encodeValue([99, 1]))
    raw.send(encodeChunk(77, REQUEST_DIRECTION, new Uint8Array(10))) // never announced
    raw.send({ type: FrameType.Request, id: 1, method: 'echo', params: 'hi' })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 1, result: 'hi' })
    expect(raw.pending).toBe(0)
    expect(log.calls).toEqual(['echo'])
  })

  it('a malformed request with a readable id gets a typed BAD_REQUEST, then service continues', async () => {
    const { raw, log } = rawAgainstServer()
    raw.send(encodeValue([FrameType.Request, 7, 42, null])) // method is not a string
    expectErrorFrame(await raw.next(), 7, 'BAD_REQUEST')
    raw.send(encodeValue([FrameType.Request, 8])) // wrong arity
    expectErrorFrame(await raw.next(), 8, 'BAD_REQUEST')
    raw.send({ type: FrameType.Request, id: 9, method: 'ping', params: { data: 'not bytes' } }) // bad params shape
    const err = expectErrorFrame(await raw.next(), 9, 'BAD_REQUEST')
    expect(err.message).toContain('ping')
    raw.send({ type: FrameType.Request, id: 10, method: 'ping', params: { data: Uint8Array.of(1) } })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 10, result: { data: Uint8Array.of(1) } })
    expect(log.calls).toEqual(['ping', 'ping'])
  })

  it('bad params through the RPC peer reject with BAD_REQUEST', async () => {
    const { client } = setup()
    expect(await codeOf(client.call('ping', { data: 'nope' } as unknown as { data: Uint8Array }))).toBe('BAD_REQUEST')
  })

  it('a duplicate in-flight request id is BAD_REQUEST and the handler runs once', async () => {
    const { raw, log } = rawAgainstServer()
    raw.send({ type: FrameType.Request, id: 3, method: 'hang', params: null })
    raw.send({ type: FrameType.Request, id: 3, method: 'hang', params: null })
    const err = expectErrorFrame(await raw.next(), 3, 'BAD_REQUEST')
    expect(err.message).toContain('already in use')
    expect(log.calls).toEqual(['hang'])
    // Once the first finishes, the id may be used again.
    log.releases[0]!()
    expect(await raw.next()).toMatchObject({ type: FrameType.Result, id: 3 })
    raw.send({ type: FrameType.Request, id: 3, method: 'echo', params: 'again' })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 3, result: 'again' })
  })

  it('handshake frames after the handshake are ignored', async () => {
    const { raw, log } = rawAgainstServer()
    raw.send({ type: FrameType.Hello, version: 1, publicKey: new Uint8Array(32), nonce: new Uint8Array(32) })
    raw.send({ type: FrameType.Request, id: 1, method: 'echo', params: 1 })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 1, result: 1 })
    expect(log.calls).toEqual(['echo'])
  })
})

describe('rate limiting', () => {
  it('requests beyond maxConcurrentRequests are RATE_LIMITED; the rest complete', async () => {
    const { client, log } = setup({ server: { maxConcurrentRequests: 3 } })
    const calls = Array.from({ length: 5 }, () => client.call('hang', null, { timeoutMs: 2000 }))
    const codes = calls.map(codeOf)
    await until(() => log.calls.length === 3)
    await tick(20)
    expect(log.calls).toHaveLength(3)
    for (const release of log.releases) release()
    const results = await Promise.all(codes)
    expect(results.filter((c) => c === 'RATE_LIMITED')).toHaveLength(2)
    expect(results.filter((c) => c === 'resolved')).toHaveLength(3)
    // Capacity comes back once handlers finish.
    expect(await client.call('echo', 'again')).toBe('again')
  })
})

describe('closing', () => {
  it('pending calls reject with CLOSED when the transport closes, and later calls fail at once', async () => {
    const { client, log, a } = setup()
    const pending = [client.call('hang', null), client.call('hang', null)]
    await until(() => log.calls.length === 2)
    a.close('gone')
    expect(await Promise.all(pending.map(codeOf))).toEqual(['CLOSED', 'CLOSED'])
    expect(client.closed).toBe(true)
    expect(await codeOf(client.call('echo', 1))).toBe('CLOSED')
  })

  it('the peer closing aborts handlers and fails its own pending calls', async () => {
    const { client, server, log } = setup()
    const call = client.call('hang', null)
    await until(() => log.calls.length === 1)
    const reverse = server.call('hang', null)
    client.close()
    expect(await codeOf(call)).toBe('CLOSED')
    expect(await codeOf(reverse)).toBe('CLOSED')
    await until(() => log.aborted.length === 1)
    expect(server.closed).toBe(true)
  })

  it('a goodbye tells the peer why: its pending calls fail with the reason, and the channel closes', async () => {
    const { client, server, log, a } = setup()
    const call = client.call('hang', null)
    await until(() => log.calls.length === 1)
    server.closeWithGoodbye('This node is full')
    const err = await call.then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('CLOSED')
    expect((err as KithError).message).toContain('the other side closed the connection: This node is full')
    expect(client.closeReason).toBe('the other side closed the connection: This node is full')
    await until(() => a.closed)
  })
})

describe('chunked transfers', () => {
  it('a 3 MB result arrives intact with increasing progress', async () => {
    const { client } = setup()
    const size = 3 * 1024 * 1024
    const progress: Array<[number, number]> = []
    const result = await client.call('big', size, { timeoutMs: 10_000, onProgress: (n, total) => progress.push([n, total]) })
    // bytesEqual, not toEqual: deep-equality over 3 M elements takes seconds.
    expect(bytesEqual(result, pattern(size))).toBe(true)
    expect(progress.length).toBeGreaterThan(10)
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0])
    const total = progress[0]![1]
    expect(total).toBeGreaterThan(size)
    expect(progress.every(([, t]) => t === total)).toBe(true)
    expect(progress[progress.length - 1]![0]).toBe(total)
  })

  it('a 3 MB request arrives at the handler intact', async () => {
    const payload = pattern(3 * 1024 * 1024, 9)
    const seen: Uint8Array[] = []
    const [a, b] = createMemoryTransportPair()
    const caller = new RpcPeer<Methods>(a, {})
    const server = new RpcPeer<Methods, Methods>(b, {
      echo: (params) => { seen.push(params as Uint8Array); return (params as Uint8Array).length }
    })
    cleanups.push(() => { caller.close(); server.close() })
    expect(await caller.call('echo', payload, { timeoutMs: 10_000 })).toBe(payload.length)
    expect(seen).toHaveLength(1)
    expect(bytesEqual(seen[0]!, payload)).toBe(true)
  })

  it('a request chunk stream with more bytes than announced is rejected', async () => {
    const { raw, log } = rawAgainstServer()
    const request = encodeFrame({ type: FrameType.Request, id: 11, method: 'echo', params: new Uint8Array(200) })
    raw.send({ type: FrameType.Large, id: 11, direction: REQUEST_DIRECTION, totalBytes: request.length - 10 })
    raw.send(encodeChunk(11, REQUEST_DIRECTION, request))
    const err = expectErrorFrame(await raw.next(), 11, 'BAD_REQUEST')
    expect(err.message).toContain('more bytes')
    expect(log.calls).toEqual([])
  })

  it('an exactly announced request chunk stream is served', async () => {
    const { raw, log } = rawAgainstServer()
    const request = encodeFrame({ type: FrameType.Request, id: 12, method: 'echo', params: new Uint8Array(200) })
    raw.send({ type: FrameType.Large, id: 12, direction: REQUEST_DIRECTION, totalBytes: request.length })
    raw.send(encodeChunk(12, REQUEST_DIRECTION, request.subarray(0, 100)))
    raw.send(encodeChunk(12, REQUEST_DIRECTION, request.subarray(100)))
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 12, result: new Uint8Array(200) })
    expect(log.calls).toEqual(['echo'])
  })

  it('a chunked request whose inner id differs from the chunk id is not served but answered BAD_REQUEST at once', async () => {
    const { raw, log } = rawAgainstServer()
    const request = encodeFrame({ type: FrameType.Request, id: 99, method: 'echo', params: 1 })
    raw.send({ type: FrameType.Large, id: 13, direction: REQUEST_DIRECTION, totalBytes: request.length })
    raw.send(encodeChunk(13, REQUEST_DIRECTION, request))
    raw.send({ type: FrameType.Request, id: 14, method: 'echo', params: 2 })
    expectErrorFrame(await raw.next(), 13, 'BAD_REQUEST')
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 14, result: 2 })
    expect(log.calls).toEqual(['echo'])
  })

  it('chunks carrying something other than a request are BAD_REQUEST to the chunk id', async () => {
    const { raw, log } = rawAgainstServer()
    const cancel = encodeFrame({ type: FrameType.Large, id: 15, direction: REQUEST_DIRECTION, totalBytes: 1000 })
    raw.send({ type: FrameType.Large, id: 15, direction: REQUEST_DIRECTION, totalBytes: cancel.length })
    raw.send(encodeChunk(15, REQUEST_DIRECTION, cancel))
    expectErrorFrame(await raw.next(), 15, 'BAD_REQUEST')
    expect(log.calls).toEqual([])
  })

  it('a chunked result whose inner id differs from the chunk id fails the call at once, not at its timeout', async () => {
    const { raw, client } = rawAgainstClient()
    const call = client.call('echo', 'x', { timeoutMs: 10_000 })
    const request = await raw.next()
    const id = (request as Frame & { type: 1 }).id
    const result = encodeFrame({ type: FrameType.Result, id: id + 1, result: new Uint8Array(300) })
    raw.send({ type: FrameType.Large, id, direction: RESULT_DIRECTION, totalBytes: result.length })
    raw.send(encodeChunk(id, RESULT_DIRECTION, result))
    const t0 = Date.now()
    expect(await codeOf(call)).toBe('BAD_REQUEST')
    expect(Date.now() - t0).toBeLessThan(5_000)
  })

  it('a result chunk stream with more bytes than announced fails the call', async () => {
    const { raw, client } = rawAgainstClient()
    const call = client.call('echo', 'x', { timeoutMs: 2000 })
    const request = await raw.next()
    expect(request).toMatchObject({ type: FrameType.Request, method: 'echo' })
    const id = (request as Frame & { type: 1 }).id
    const result = encodeFrame({ type: FrameType.Result, id, result: new Uint8Array(300) })
    raw.send({ type: FrameType.Large, id, direction: RESULT_DIRECTION, totalBytes: 100 })
    raw.send(encodeChunk(id, RESULT_DIRECTION, result))
    expect(await codeOf(call)).toBe('BAD_REQUEST')
    // The client tells the peer to stop sending.
    expect(await raw.next()).toEqual({ type: FrameType.Cancel, id })
  })

  it('cancelling a chunked call stops the transfer', async () => {
    const { client, b } = setup()
    let chunks = 0
    b.onMessage((bytes) => { if (isChunkFrame(bytes)) chunks++ })
    const controller = new AbortController()
    const call = client.call('echo', pattern(8 * 1024 * 1024), { signal: controller.signal, timeoutMs: 10_000 })
    await until(() => chunks > 0)
    controller.abort()
    expect(await codeOf(call)).toBe('CANCELLED')
    await tick(50)
    // 8 MB is 128 chunks of 64 kB; the high-water mark lets at most ~1 MB go early.
    expect(chunks).toBeLessThan(64)
  })
})
