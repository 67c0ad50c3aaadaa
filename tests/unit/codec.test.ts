import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CHUNK_HEADER_BYTES, CHUNK_MARKER, createDecoder, decodeChunk, decodeFrame, encodeChunk, encodeFrame,
  encodeValue, FrameType, isChunkFrame, REQUEST_DIRECTION, RESULT_DIRECTION, salvageRequestId, type Frame
} from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'

function expectBadRequest (fn: () => unknown): KithError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught, 'expected a throw').toBeInstanceOf(KithError)
  expect((caught as KithError).code).toBe('BAD_REQUEST')
  return caught as KithError
}

const raw = (value: unknown): Uint8Array => encodeValue(value)
const key32 = new Uint8Array(32).fill(9)
const nonce32 = new Uint8Array(32).fill(3)

const sampleFrames: Frame[] = [
  { type: FrameType.Request, id: 1, method: 'ping', params: { data: new Uint8Array([1, 2, 3]) } },
  { type: FrameType.Request, id: 0xffffffff, method: 'profile', params: null },
  { type: FrameType.Request, id: 0, method: 'x'.repeat(64), params: [1, 'two', { three: 3 }] },
  { type: FrameType.Result, id: 42, result: { items: ['a', 'b'], n: 1.5, ok: true } },
  { type: FrameType.Result, id: 43, result: null },
  { type: FrameType.Error, id: 7, code: 'NOT_FOUND', message: 'no such item' },
  { type: FrameType.Cancel, id: 9 },
  { type: FrameType.Large, id: 5, direction: REQUEST_DIRECTION, totalBytes: 3_000_000 },
  { type: FrameType.Large, id: 6, direction: RESULT_DIRECTION, totalBytes: 1 },
  { type: FrameType.Hello, version: 1, publicKey: key32, nonce: nonce32 },
  { type: FrameType.Hello, version: 3, publicKey: key32, nonce: nonce32, deviceKey: key32, certificate: { name: 'Pi' } },
  { type: FrameType.Hello, version: 3, publicKey: key32, nonce: nonce32, deviceKey: key32, certificate: null },
  // After the person rotated: the latest rotation records ride along (checked by the handshake).
  { type: FrameType.Hello, version: 3, publicKey: key32, nonce: nonce32, deviceKey: key32, certificate: { name: 'Pi' }, rotations: [{ n: 1 }] },
  { type: FrameType.Auth, signature: new Uint8Array(64).fill(0xab) },
  { type: FrameType.Goodbye, reason: 'bye now' }
]

describe('frames', () => {
  it('every frame type round-trips', () => {
    const types = new Set<number>()
    for (const frame of sampleFrames) {
      const bytes = encodeFrame(frame)
      expect(decodeFrame(bytes)).toEqual(frame)
      types.add(frame.type)
    }
    expect([...types].sort((a, b) => a - b)).toEqual(Object.values(FrameType).sort((a, b) => a - b))
  })

  it('a msgpack frame never looks like a chunk frame', () => {
    for (const frame of sampleFrames) {
      const bytes = encodeFrame(frame)
      expect(bytes[0]).not.toBe(CHUNK_MARKER)
      expect(isChunkFrame(bytes)).toBe(false)
    }
  })

  it('a Result of undefined travels as a 3-element frame', () => {
    // The encoder ignores undefined in maps; inside the frame array it must
    // still keep the arity so the frame decodes.
    const decoded = decodeFrame(encodeFrame({ type: FrameType.Result, id: 3, result: undefined }))
    expect(decoded).toEqual({ type: FrameType.Result, id: 3, result: null })
  })

  it('truncates a long goodbye reason', () => {
    const decoded = decodeFrame(encodeFrame({ type: FrameType.Goodbye, reason: 'r'.repeat(1000) }))
    expect(decoded.type === FrameType.Goodbye && decoded.reason.length).toBe(300)
  })

  it('rejects empty and undecodable input', () => {
    expectBadRequest(() => decodeFrame(new Uint8Array(0)))
    expectBadRequest(() => decodeFrame(Uint8Array.of(0xc1))) // never used in msgpack
    expectBadRequest(() => decodeFrame(Uint8Array.of(0x94, 0x01))) // array cut short
  })

  it('rejects trailing bytes after a frame', () => {
    const bytes = encodeFrame({ type: FrameType.Cancel, id: 1 })
    expectBadRequest(() => decodeFrame(Uint8Array.of(...bytes, 0x00)))
  })

  it('rejects values that are not a non-empty array', () => {
    for (const value of [5, 'frame', null, true, { type: 1 }, [], new Uint8Array(4)]) {
      expectBadRequest(() => decodeFrame(raw(value)))
    }
  })

  it('rejects unknown frame types', () => {
    for (const type of [0, 6, 15, 19, 255, -1, '1', null]) expectBadRequest(() => decodeFrame(raw([type, 1])))
  })

  it('rejects wrong arity for every type', () => {
    const cases: unknown[][] = [
      [1, 1, 'm'], [1, 1, 'm', null, null],
      [2, 1], [2, 1, null, null],
      [3, 1, 'NOT_FOUND'], [3, 1, 'NOT_FOUND', 'm', 'x'],
      [4], [4, 1, 2],
      [5, 1, 0], [5, 1, 0, 10, 0],
      [16, 1, key32], [16, 1, key32, nonce32, 0],
      [17], [17, new Uint8Array(64), 0],
      [18], [18, 'a', 'b']
    ]
    for (const frame of cases) expectBadRequest(() => decodeFrame(raw(frame)))
  })

  it('rejects negative, fractional, huge and non-numeric ids', () => {
    for (const id of [-1, 1.5, 2 ** 32, 2 ** 53, Number.NaN, Infinity, '1', null, new Uint8Array(1)]) {
      expectBadRequest(() => decodeFrame(raw([2, id, null])))
      expectBadRequest(() => decodeFrame(raw([4, id])))
      expectBadRequest(() => decodeFrame(raw([1, id, 'ping', null])))
    }
  })

  it('rejects a request whose method is not a short string', () => {
    expectBadRequest(() => decodeFrame(raw([1, 1, 5, null])))
    expectBadRequest(() => decodeFrame(raw([1, 1, null, null])))
    expectBadRequest(() => decodeFrame(raw([1, 1, 'm'.repeat(65), null])))
  })

  it('a malformed request with a readable id names the id', () => {
    const err = expectBadRequest(() => decodeFrame(raw([1, 77, 5, null])))
    expect(err.message).toContain('77')
  })

  it('rejects bad Large frames', () => {
    for (const [direction, total] of [[2, 10], [-1, 10], [0, 0], [0, -5], [1, 1.5], [0, 2 ** 53], [0, '10']]) {
      expectBadRequest(() => decodeFrame(raw([5, 1, direction, total])))
    }
  })

  it('rejects a hello whose key or nonce has the wrong length or type', () => {
    expectBadRequest(() => decodeFrame(raw([16, 1, new Uint8Array(31), nonce32])))
    expectBadRequest(() => decodeFrame(raw([16, 1, new Uint8Array(33), nonce32])))
    expectBadRequest(() => decodeFrame(raw([16, 1, key32, new Uint8Array(16)])))
    expectBadRequest(() => decodeFrame(raw([16, 1, Array.from(key32), nonce32])))
    expectBadRequest(() => decodeFrame(raw([16, 1, 'k'.repeat(32), nonce32])))
    expectBadRequest(() => decodeFrame(raw([16, 1.5, key32, nonce32])))
    expectBadRequest(() => decodeFrame(raw([16, '1', key32, nonce32])))
    // Rotations, when present, are a list (each record is checked by the handshake).
    expectBadRequest(() => decodeFrame(raw([16, 3, key32, nonce32, key32, null, { n: 1 }])))
    expectBadRequest(() => decodeFrame(raw([16, 3, key32, nonce32, key32, null, new Uint8Array(8)])))
    expectBadRequest(() => decodeFrame(raw([16, 3, key32, nonce32, key32, null, [], 'extra'])))
  })

  it('rejects an auth whose signature is not 64 bytes', () => {
    expectBadRequest(() => decodeFrame(raw([17, new Uint8Array(63)])))
    expectBadRequest(() => decodeFrame(raw([17, new Uint8Array(65)])))
    expectBadRequest(() => decodeFrame(raw([17, 'x'.repeat(64)])))
  })

  it('rejects a goodbye whose reason is not a string', () => {
    expectBadRequest(() => decodeFrame(raw([18, 5])))
    expectBadRequest(() => decodeFrame(raw([18, null])))
  })

  it('rejects msgpack extension values and __proto__ keys', () => {
    expectBadRequest(() => decodeFrame(raw([2, 1, new Date(0)])))
    const evil = JSON.parse('{"__proto__": {"polluted": true}}') as unknown
    expectBadRequest(() => decodeFrame(raw([2, 1, evil])))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('decodeFrame only ever throws BAD_REQUEST on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        const frame = decodeFrame(bytes)
        expect(Object.values(FrameType)).toContain(frame.type)
      } catch (err) {
        return err instanceof KithError && err.code === 'BAD_REQUEST'
      }
      return true
    }), { numRuns: 3000 })
  })

  it('decodeFrame only ever throws BAD_REQUEST on valid frames with a byte changed', () => {
    const encoded = sampleFrames.map(encodeFrame)
    fc.assert(fc.property(
      fc.integer({ min: 0, max: encoded.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }),
      (which, at, value) => {
        const bytes = encoded[which]!.slice()
        bytes[at % bytes.length] = value
        try {
          decodeFrame(bytes)
        } catch (err) {
          return err instanceof KithError && err.code === 'BAD_REQUEST'
        }
        return true
      }
    ), { numRuns: 3000 })
  })

  it('decodeFrame only ever throws BAD_REQUEST on arbitrary msgpack arrays', () => {
    const element = fc.oneof(
      fc.integer({ min: -3, max: 20 }), fc.double(), fc.string({ maxLength: 80 }),
      fc.uint8Array({ maxLength: 70 }), fc.constant(null), fc.boolean(), fc.constant(2 ** 32)
    )
    fc.assert(fc.property(fc.array(element, { maxLength: 6 }), (arr) => {
      try {
        decodeFrame(raw(arr))
      } catch (err) {
        return err instanceof KithError && err.code === 'BAD_REQUEST'
      }
      return true
    }), { numRuns: 3000 })
  })
})

describe('chunk frames', () => {
  it('encode and decode', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff)
    const frame = encodeChunk(0xdeadbeef, RESULT_DIRECTION, payload)
    expect(frame).toHaveLength(CHUNK_HEADER_BYTES + payload.length)
    expect(frame[0]).toBe(CHUNK_MARKER)
    expect(isChunkFrame(frame)).toBe(true)
    expect(decodeChunk(frame)).toEqual({ id: 0xdeadbeef, direction: RESULT_DIRECTION, bytes: payload })
    expect(decodeChunk(encodeChunk(0, REQUEST_DIRECTION, new Uint8Array(0)))).toEqual({ id: 0, direction: 0, bytes: new Uint8Array(0) })
  })

  it('decodes a chunk that sits at an offset inside a larger buffer', () => {
    const frame = encodeChunk(12345, REQUEST_DIRECTION, Uint8Array.of(7, 8, 9))
    const big = new Uint8Array(frame.length + 10)
    big.set(frame, 5)
    const view = big.subarray(5, 5 + frame.length)
    expect(decodeChunk(view)).toEqual({ id: 12345, direction: 0, bytes: Uint8Array.of(7, 8, 9) })
  })

  it('rejects a short or mis-marked frame and a bad direction', () => {
    expect(isChunkFrame(Uint8Array.of(1, 0, 0, 0))).toBe(false)
    expectBadRequest(() => decodeChunk(Uint8Array.of(1, 0, 0, 0, 1)))
    expectBadRequest(() => decodeChunk(Uint8Array.of(2, 0, 0, 0, 1, 0, 5)))
    const frame = encodeChunk(1, 0, Uint8Array.of(5))
    frame[5] = 2
    expectBadRequest(() => decodeChunk(frame))
  })

  it('a chunk frame is not a msgpack frame', () => {
    expectBadRequest(() => decodeFrame(encodeChunk(1, 0, new Uint8Array(10))))
  })
})

describe('salvageRequestId', () => {
  it('reads the id of a malformed request', () => {
    expect(salvageRequestId(raw([1, 7, 5, null]))).toBe(7)
    expect(salvageRequestId(raw([1, 8]))).toBe(8)
    expect(salvageRequestId(raw([1, 0xffffffff, 'm', null, 'extra']))).toBe(0xffffffff)
  })

  it('returns null when there is no usable request id', () => {
    expect(salvageRequestId(raw([2, 7, null]))).toBeNull()
    expect(salvageRequestId(raw([1, -1, 'm', null]))).toBeNull()
    expect(salvageRequestId(raw([1, 2 ** 32, 'm', null]))).toBeNull()
    expect(salvageRequestId(raw([1, '7', 'm', null]))).toBeNull()
    expect(salvageRequestId(raw({ 0: 1, 1: 7 }))).toBeNull()
    expect(salvageRequestId(Uint8Array.of(0xc1, 0xc1))).toBeNull()
    expect(salvageRequestId(new Uint8Array(0))).toBeNull()
  })
})

describe('decoder limits', () => {
  const small = createDecoder(100)

  it('accepts strings and bins up to the limit', () => {
    expect(decodeFrame(raw([2, 1, 's'.repeat(100)]), small)).toEqual({ type: 2, id: 1, result: 's'.repeat(100) })
    expect(decodeFrame(raw([2, 1, new Uint8Array(100)]), small)).toEqual({ type: 2, id: 1, result: new Uint8Array(100) })
  })

  it('rejects an oversized string or bin anywhere in the frame', () => {
    expectBadRequest(() => decodeFrame(raw([2, 1, 's'.repeat(101)]), small))
    expectBadRequest(() => decodeFrame(raw([2, 1, new Uint8Array(101)]), small))
    expectBadRequest(() => decodeFrame(raw([2, 1, { deep: [{ s: 'x'.repeat(500) }] }]), small))
    expectBadRequest(() => decodeFrame(raw([1, 1, 'ping', { data: new Uint8Array(1000) }]), small))
    // The default decoder would take them: the limit is what refused them.
    expect(decodeFrame(raw([2, 1, new Uint8Array(101)])).type).toBe(FrameType.Result)
  })

  it('rejects huge arrays and maps', () => {
    expectBadRequest(() => decodeFrame(raw([2, 1, new Array(100_001).fill(0)]), small))
    const map: Record<string, number> = {}
    for (let i = 0; i < 100_001; i++) map[`k${i}`] = 0
    expectBadRequest(() => decodeFrame(raw([2, 1, map]), createDecoder(1_000_000)))
  })
})
