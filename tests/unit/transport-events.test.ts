import { describe, expect, it } from 'vitest'
import { TransportEvents } from '../../shared/wire/transport'

describe('TransportEvents', () => {
  it('holds frames that arrive while nobody listens and delivers them in order to the next listener', async () => {
    const events = new TransportEvents()
    events.emitMessage(Uint8Array.of(1))
    events.emitMessage(Uint8Array.of(2))
    const seen: number[] = []
    events.onMessage((f) => seen.push(f[0]!))
    events.emitMessage(Uint8Array.of(3)) // arrives before the held ones are flushed
    await Promise.resolve()
    events.emitMessage(Uint8Array.of(4))
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('holds frames across a hand-over from one listener to the next (handshake to RPC)', async () => {
    const events = new TransportEvents()
    const first: number[] = []
    const off = events.onMessage((f) => first.push(f[0]!))
    events.emitMessage(Uint8Array.of(1))
    off()
    events.emitMessage(Uint8Array.of(2))
    const second: number[] = []
    events.onMessage((f) => second.push(f[0]!))
    await Promise.resolve()
    expect(first).toEqual([1])
    expect(second).toEqual([2])
  })
})
