// The tag an ICE restart offer names its session by: both ends of a session
// compute the same one from their handshake, and no other session (even
// between the same two people, over the same certificates) has it.
import { describe, expect, it } from 'vitest'
import { runHandshake } from '../../shared/session/handshake'
import { restartTag } from '../../shared/rendezvous/ice-restart-tag'
import { createIdentity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Transport } from '../../shared/wire/transport'

/** A handshake between Alice and Bob; the tags each end was told of. */
async function session (alice = createIdentity(), bob = createIdentity()): Promise<{ a: Uint8Array[], b: Uint8Array[] }> {
  const [a, b] = createMemoryTransportPair()
  const tags = { a: [] as Uint8Array[], b: [] as Uint8Array[] }
  const told = (t: Transport, into: Uint8Array[]): void => { (t as { authenticated?: (x: Uint8Array) => void }).authenticated = (transcript) => into.push(restartTag(transcript)) }
  told(a, tags.a)
  told(b, tags.b)
  await Promise.all([runHandshake(a, { identity: alice }), runHandshake(b, { identity: bob })])
  return tags
}

describe('the ICE restart tag', () => {
  it('is the same at both ends of a session, and told once the peer is proven', async () => {
    const { a, b } = await session()
    expect(a).toHaveLength(1)
    expect(b).toHaveLength(1)
    expect(a[0]).toEqual(b[0])
    expect(a[0]).toHaveLength(32)
  })

  it('differs for every session, even between the same two people', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const first = await session(alice, bob)
    const second = await session(alice, bob)
    expect(first.a[0]).not.toEqual(second.a[0])
  })

  it('is not told when the handshake fails', async () => {
    const [a, b] = createMemoryTransportPair()
    const told: Uint8Array[] = []
    ;(a as { authenticated?: (x: Uint8Array) => void }).authenticated = (transcript) => told.push(transcript)
    const carol = createIdentity()
    await Promise.allSettled([
      runHandshake(a, { identity: createIdentity(), expectedRemoteKey: carol.publicKey, timeoutMs: 1000 }),
      runHandshake(b, { identity: createIdentity(), timeoutMs: 1000 })
    ])
    expect(told).toEqual([])
  })
})
