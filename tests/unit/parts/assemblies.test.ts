// Assemblies (shared/wire/assemblies.ts): large messages arriving in chunks.
// Each chunk says what it did (partial, complete, overflow, unknown); a
// request whose chunks stop coming is dropped after a quiet spell, a result
// is not (its call's timeout bounds it). The clock is faked for the idle drop.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Assemblies } from '../../../shared/wire/assemblies'
import { REQUEST_DIRECTION, RESULT_DIRECTION } from '../../../shared/wire/codec'

const IDLE_MS = 1000
afterEach(() => { vi.useRealTimers() })

function assemblies () {
  const idle: number[] = []
  return { idle, a: new Assemblies(IDLE_MS, (id) => idle.push(id)) }
}

describe('Assemblies', () => {
  it('chunks are partial until the announced size, then the message comes whole and is forgotten', () => {
    const { a } = assemblies()
    a.start(RESULT_DIRECTION, 7, 10)
    expect(a.add(RESULT_DIRECTION, 7, Uint8Array.of(1, 2, 3, 4))).toEqual({ kind: 'partial', received: 4, totalBytes: 10 })
    expect(a.add(RESULT_DIRECTION, 7, new Uint8Array(0))).toEqual({ kind: 'partial', received: 4, totalBytes: 10 })
    expect(a.add(RESULT_DIRECTION, 7, Uint8Array.of(5, 6, 7, 8, 9, 10))).toEqual({ kind: 'complete', bytes: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), totalBytes: 10 })
    expect(a.size).toBe(0)
    expect(a.add(RESULT_DIRECTION, 7, Uint8Array.of(1))).toEqual({ kind: 'unknown' })
  })

  it('an id and direction never announced is unknown', () => {
    const { a } = assemblies()
    a.start(REQUEST_DIRECTION, 1, 10)
    expect(a.add(RESULT_DIRECTION, 1, Uint8Array.of(1))).toEqual({ kind: 'unknown' })
    expect(a.add(REQUEST_DIRECTION, 2, Uint8Array.of(1))).toEqual({ kind: 'unknown' })
  })

  it('more bytes than announced: overflow, and the message is dropped', () => {
    const { a } = assemblies()
    a.start(RESULT_DIRECTION, 3, 4)
    expect(a.add(RESULT_DIRECTION, 3, Uint8Array.of(1, 2))).toMatchObject({ kind: 'partial' })
    expect(a.add(RESULT_DIRECTION, 3, Uint8Array.of(3, 4, 5))).toEqual({ kind: 'overflow' })
    expect(a.size).toBe(0)
    expect(a.add(RESULT_DIRECTION, 3, Uint8Array.of(3, 4))).toEqual({ kind: 'unknown' })
  })

  it('a new header under the same id starts that message over', () => {
    const { a } = assemblies()
    a.start(REQUEST_DIRECTION, 5, 4)
    a.add(REQUEST_DIRECTION, 5, Uint8Array.of(9, 9))
    a.start(REQUEST_DIRECTION, 5, 2)
    expect(a.size).toBe(1)
    expect(a.add(REQUEST_DIRECTION, 5, Uint8Array.of(1, 2))).toEqual({ kind: 'complete', bytes: Uint8Array.of(1, 2), totalBytes: 2 })
  })

  it('incomingRequests counts the peer’s large requests still arriving, and their announced bytes; not results', () => {
    const { a } = assemblies()
    a.start(REQUEST_DIRECTION, 1, 100)
    a.start(REQUEST_DIRECTION, 2, 50)
    a.start(RESULT_DIRECTION, 1, 1_000_000)
    expect(a.incomingRequests()).toEqual({ count: 2, bytes: 150 })
    a.drop(REQUEST_DIRECTION, 1)
    expect(a.incomingRequests()).toEqual({ count: 1, bytes: 50 })
    expect(a.size).toBe(2)
  })

  it('a request whose chunks stop coming is dropped after the quiet spell, and told; a result is not', () => {
    vi.useFakeTimers()
    const { a, idle } = assemblies()
    a.start(REQUEST_DIRECTION, 1, 10)
    a.start(RESULT_DIRECTION, 1, 10)
    vi.advanceTimersByTime(IDLE_MS - 1)
    // A chunk is a sign of life: the spell starts again.
    expect(a.add(REQUEST_DIRECTION, 1, Uint8Array.of(1))).toMatchObject({ kind: 'partial' })
    vi.advanceTimersByTime(IDLE_MS - 1)
    expect(idle).toEqual([])
    vi.advanceTimersByTime(1)
    expect(idle).toEqual([1])
    expect(a.incomingRequests().count).toBe(0)
    expect(a.add(REQUEST_DIRECTION, 1, Uint8Array.of(2))).toEqual({ kind: 'unknown' })
    // The result under the same id is untouched.
    vi.advanceTimersByTime(10 * IDLE_MS)
    expect(a.add(RESULT_DIRECTION, 1, Uint8Array.of(1))).toEqual({ kind: 'partial', received: 1, totalBytes: 10 })
    expect(idle).toEqual([1])
  })

  it('clear() drops everything, and no idle drop is told afterwards', () => {
    vi.useFakeTimers()
    const { a, idle } = assemblies()
    a.start(REQUEST_DIRECTION, 1, 10)
    a.start(RESULT_DIRECTION, 2, 10)
    a.clear()
    expect(a.size).toBe(0)
    expect(a.incomingRequests()).toEqual({ count: 0, bytes: 0 })
    vi.advanceTimersByTime(10 * IDLE_MS)
    expect(idle).toEqual([])
  })

  it('a completed or dropped request is not told as idle later', () => {
    vi.useFakeTimers()
    const { a, idle } = assemblies()
    a.start(REQUEST_DIRECTION, 1, 1)
    a.add(REQUEST_DIRECTION, 1, Uint8Array.of(1))
    a.start(REQUEST_DIRECTION, 2, 5)
    a.drop(REQUEST_DIRECTION, 2)
    vi.advanceTimersByTime(10 * IDLE_MS)
    expect(idle).toEqual([])
  })
})
