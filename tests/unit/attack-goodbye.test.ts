// Attacks with the Goodbye frame, whose reason a node shows (in an error on
// a friend's page, a refused connection): a peer sending it before any
// handshake, with a reason of a megabyte, or with control and bidi
// characters meant to break or reorder what the UI shows.
import { describe, expect, it } from 'vitest'
import { encodeFrame, FrameType } from '../../shared/codec'
import { KithError } from '../../shared/errors'
import { createIdentity } from '../../shared/identity'
import { createMemoryTransportPair } from '../../shared/memory-transport'
import type { NodeMethods } from '../../shared/protocol'
import { establishSession } from '../../shared/session'
import { RawPeer } from './raw-peer'

// Bidi overrides and isolates, marks, C0/C1 controls, line breaks, zero-width.
const HOSTILE = 'Alice\u202egnp.exe\u2066x\u2069\u200f\u0007\u001b[31m\r\nFAKE LINE\u0085\u2028\u200b\ufeff'
// eslint-disable-next-line no-control-regex
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/

describe('attack: a Goodbye frame from a hostile peer', () => {
  // Attack: a stranger answers the connection with a Goodbye before any
  // Hello, its reason 200 kB (as much as a frame holds) of hostile characters.
  it('before the handshake: no session, and the reason shown is short and plain', async () => {
    const [a, b] = createMemoryTransportPair()
    const raw = new RawPeer(b)
    const session = establishSession<NodeMethods, NodeMethods>(a, { identity: createIdentity(), handlers: () => ({}) })
    await raw.next() // our Hello
    raw.send({ type: FrameType.Goodbye, reason: HOSTILE + 'x'.repeat(200_000) })
    const err = await session.then(() => null, (e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err!.message).toContain('Alice')
    expect(err!.message).not.toMatch(UNSHOWABLE)
    expect(err!.message.length).toBeLessThan(400)
    await expect.poll(() => a.closed).toBe(true)
  })

  // Attack: a friend's node, after the handshake, ends the session with a
  // Goodbye whose reason would reorder or break the line it is shown in.
  it('after the handshake: calls fail with the reason cleaned and cut', async () => {
    const [a, b] = createMemoryTransportPair()
    const [mine, theirs] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(a, { identity: createIdentity(), handlers: () => ({}) }),
      establishSession<NodeMethods, NodeMethods>(b, { identity: createIdentity(), handlers: () => ({}) })
    ])
    theirs.transport.send(encodeFrame({ type: FrameType.Goodbye, reason: HOSTILE.repeat(2_000) }))
    const err = await mine.rpc.call('profile', {}).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('CLOSED')
    expect((err as KithError).message).toContain('Alice')
    expect((err as KithError).message).not.toMatch(UNSHOWABLE)
    expect((err as KithError).message.length).toBeLessThan(400)
    expect(mine.rpc.closeReason).not.toMatch(UNSHOWABLE)
  })
})
