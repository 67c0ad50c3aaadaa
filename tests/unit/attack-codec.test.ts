// Attack: frames of deeply nested one-element arrays. The msgpack decoder
// spends many times more per byte on them than on ordinary data (measured:
// ~16x flat integers), and a malformed request used to be decoded twice (to
// salvage its id): a peer, a stranger included (frames are decoded before
// anyone is asked whether the peer is a friend), streaming them would keep
// the node's tab busy. Such frames are refused by a walk over the bytes that
// allocates nothing, before the decoder sees them.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Decoder } from '@msgpack/msgpack'
import { createDecoder, decodeFrame, encodeFrame, encodeValue, FrameType, MAX_FRAME_DEPTH, salvageRequestId, tooDeep } from '../../shared/wire/codec'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RpcPeer, type MethodTable } from '../../shared/wire/rpc'
import { RawPeer } from './raw-peer'

afterEach(() => { vi.restoreAllMocks() })

/** A request frame [1, 5, "p", [[[…]]]] nested `depth` arrays deep, padded to `size` bytes. */
function nested (depth: number, size = depth + 8): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, depth + 8))
  bytes.set([0x94, 0x01, 0x05, 0xa1, 0x70])
  bytes.fill(0x91, 5, 5 + depth)
  bytes[5 + depth] = 0xc0 // nil at the bottom
  return bytes.subarray(0, 6 + depth)
}

function nest (depth: number): unknown {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

describe('attack: deeply nested frames', () => {
  it('a quarter-MiB frame of nested arrays never reaches the decoder', () => {
    const decode = vi.spyOn(Decoder.prototype, 'decode')
    const frame = nested(256 * 1024 - 8)
    expect(tooDeep(frame)).toBe(true)
    expect(() => decodeFrame(frame, createDecoder(1024 * 1024))).toThrow(/nested too deeply/)
    expect(salvageRequestId(frame)).toBeNull()
    expect(decode).not.toHaveBeenCalled()
  })

  it('is answered by nothing and costs the session nothing; the node goes on serving', async () => {
    const [a, b] = createMemoryTransportPair()
    const node = new RpcPeer<MethodTable>(b, { echo: (p) => p })
    const raw = new RawPeer(a)
    const decode = vi.spyOn(Decoder.prototype, 'decode')
    for (let i = 0; i < 50; i++) raw.send(nested(200_000))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(decode).not.toHaveBeenCalled()
    decode.mockRestore()
    raw.send({ type: FrameType.Request, id: 9, method: 'echo', params: 'ok' })
    expect(await raw.next()).toMatchObject({ type: FrameType.Result, id: 9, result: 'ok' })
    node.close()
  })

  it('frames as deep as real ones, and a little deeper, still decode (control)', () => {
    for (const depth of [0, 1, 5, MAX_FRAME_DEPTH - 2]) {
      const frame = encodeFrame({ type: FrameType.Request, id: 1, method: 'm', params: nest(depth) })
      expect(tooDeep(frame), String(depth)).toBe(false)
      expect(decodeFrame(frame)).toMatchObject({ type: FrameType.Request, id: 1 })
    }
    expect(tooDeep(encodeFrame({ type: FrameType.Request, id: 1, method: 'm', params: nest(MAX_FRAME_DEPTH + 1) }))).toBe(true)
  })

  it('the walk agrees with the decoder on every kind of msgpack value (control)', () => {
    const values: unknown[] = [
      null, true, false, 0, 127, -1, -32, -33, 255, 65535, 2 ** 32, -(2 ** 31), 1.5, 2 ** 60,
      '', 'x'.repeat(31), 'y'.repeat(300), 'z'.repeat(70_000), new Uint8Array(0), new Uint8Array(300), new Uint8Array(70_000),
      [], new Array(20).fill(1), new Array(70_000).fill(0), {}, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, [i, { i }]])),
      { deep: nest(20), list: [[[]], {}, [{}]] }
    ]
    for (const value of values) {
      const bytes = encodeValue([1, 2, 'm', value])
      expect(tooDeep(bytes)).toBe(false)
    }
    // Truncated and invalid bytes are left to the decoder.
    expect(tooDeep(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff))).toBe(false)
    expect(tooDeep(Uint8Array.of(0xc1))).toBe(false)
    expect(tooDeep(Uint8Array.of(0xc6, 0xff))).toBe(false)
  })
})
