// One contract for every Transport, run against the in-memory pair (vitest)
// and against real WebRTC data channels (in Chromium, tests/e2e). Written
// without a test framework so the same code runs in both places: each case
// throws on failure.
import { RpcPeer, type RpcHandlers } from '../../shared/wire/rpc'
import { KithError } from '../../shared/wire/errors'
import type { Transport } from '../../shared/wire/transport'

export type PairFactory = () => Promise<[Transport, Transport]>

interface EchoMethods {
  [method: string]: { params: unknown, result: unknown }
  echo: { params: Uint8Array, result: Uint8Array }
  slow: { params: null, result: string }
}

function check (condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`contract: ${message}`)
}

function pattern (n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const echoHandlers: RpcHandlers<EchoMethods> = {
  echo: (params) => {
    if (!(params instanceof Uint8Array)) throw new KithError('BAD_REQUEST', 'bytes expected')
    return params
  },
  slow: (_params, ctx) => new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve('late'), 5_000)
    ctx.signal.addEventListener('abort', () => { clearTimeout(t); reject(new KithError('CANCELLED', 'aborted')) })
  })
}

export const transportContract: Record<string, (makePair: PairFactory) => Promise<void>> = {
  async 'frames arrive in order and unchanged' (makePair) {
    const [a, b] = await makePair()
    const received: Uint8Array[] = []
    const done = new Promise<void>((resolve) => b.onMessage((f) => { received.push(f); if (received.length === 50) resolve() }))
    for (let i = 0; i < 50; i++) a.send(pattern(100 + i, i))
    await done
    for (let i = 0; i < 50; i++) check(sameBytes(received[i]!, pattern(100 + i, i)), `frame ${i} differs`)
    a.close(); b.close()
  },

  async 'both sides see the same fingerprints in mirrored roles' (makePair) {
    const [a, b] = await makePair()
    check(a.binding.role !== b.binding.role, 'roles must differ')
    check(a.binding.localFingerprint === b.binding.remoteFingerprint, 'a.local must equal b.remote')
    check(a.binding.remoteFingerprint === b.binding.localFingerprint, 'a.remote must equal b.local')
    a.close(); b.close()
  },

  async 'a frame larger than maxFrameSize is refused' (makePair) {
    const [a, b] = await makePair()
    let code = ''
    try { a.send(new Uint8Array(a.maxFrameSize + 1)) } catch (err) { code = err instanceof KithError ? err.code : 'other' }
    check(code === 'TOO_LARGE', `expected TOO_LARGE, got ${code || 'no error'}`)
    a.close(); b.close()
  },

  async 'closing one side is seen by the other and sending then fails with CLOSED' (makePair) {
    const [a, b] = await makePair()
    const closed = new Promise<string>((resolve) => b.onClose(resolve))
    a.close('bye')
    await closed
    check(b.closed, 'b should report closed')
    let code = ''
    try { a.send(new Uint8Array(1)) } catch (err) { code = err instanceof KithError ? err.code : 'other' }
    check(code === 'CLOSED', `expected CLOSED, got ${code || 'no error'}`)
  },

  async 'RPC streams a 10 MB result intact with back-pressure' (makePair) {
    const [a, b] = await makePair()
    const client = new RpcPeer<EchoMethods>(a, {})
    const server = new RpcPeer<EchoMethods, EchoMethods>(b, echoHandlers)
    const payload = pattern(10 * 1024 * 1024)
    let maxBuffered = 0
    const progress: number[] = []
    const watch = setInterval(() => { maxBuffered = Math.max(maxBuffered, b.bufferedAmount) }, 1)
    const result = await client.call('echo', payload, { timeoutMs: 60_000, onProgress: (n) => progress.push(n) })
    clearInterval(watch)
    check(sameBytes(result, payload), 'echoed payload differs')
    check(progress.length > 10 && progress[progress.length - 1]! >= payload.length, 'progress was not reported while streaming')
    // Back-pressure: the sender never queued the whole 10 MB at once.
    check(maxBuffered < 4 * 1024 * 1024, `sender queued ${maxBuffered} bytes at once`)
    client.close(); server.close()
  },

  async 'RPC cancellation reaches the handler and the call rejects' (makePair) {
    const [a, b] = await makePair()
    const client = new RpcPeer<EchoMethods>(a, {})
    let handlerAborted = false
    const server = new RpcPeer<EchoMethods, EchoMethods>(b, {
      slow: (_p, ctx) => new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => { handlerAborted = true; reject(new KithError('CANCELLED', 'x')) })
      })
    })
    const controller = new AbortController()
    const call = client.call('slow', null, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    let code = ''
    try { await call } catch (err) { code = err instanceof KithError ? err.code : 'other' }
    check(code === 'CANCELLED', `expected CANCELLED, got ${code}`)
    for (let i = 0; i < 100 && !handlerAborted; i++) await new Promise((r) => setTimeout(r, 10))
    check(handlerAborted, 'the handler was not told about the cancellation')
    client.close(); server.close()
  }
}
