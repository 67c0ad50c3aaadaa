// Attacks with the Goodbye frame, whose reason a node shows (in an error on
// a friend's page, a refused connection): a peer sending it before any
// handshake, with a reason of a megabyte, or with control and bidi
// characters meant to break or reorder what the UI shows.
import { describe, expect, it } from 'vitest'
import { encodeFrame, FrameType } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import { createIdentity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
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

/** The node answers only after the dialler's Hello, and listens once its
 *  network code is loaded: the frame is sent again until the node took it. */
async function sendUntilSettled (peer: RawPeer, settled: Promise<void>, frame: Parameters<RawPeer['send']>[0]): Promise<void> {
  let done = false
  void settled.finally(() => { done = true })
  while (!done && !peer.transport.closed) {
    peer.send(frame)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await settled
}

describe('attack: a stranger writing in the owner’s status with a Goodbye', () => {
  // Attack: anyone who reaches the node (its address swarm, an invite's)
  // connects and answers with a Goodbye whose reason reads like a message
  // from Kith; a refused handshake is shown in the node's status.
  it('the words of a peer who leaves during the handshake are not shown to the owner', async () => {
    const node = await KithNode.open({ db: new NodeDatabase(`attack-goodbye-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    try {
      const [a, b] = createMemoryTransportPair()
      const raw = new RawPeer(a)
      const accept = node.connections.accept.bind(node.connections)
      await sendUntilSettled(raw, accept(b), { type: FrameType.Goodbye, reason: 'Kith: your backup is damaged. Restore it at evil.example.org now.' })
      expect(node.lastRejected ?? '').not.toContain('evil.example.org')
      expect(node.sessions.size).toBe(0)
      // Control: a handshake the node itself refuses (junk) is still shown.
      const [c, d] = createMemoryTransportPair()
      const junk = new RawPeer(c)
      await sendUntilSettled(junk, accept(d), new Uint8Array([1, 2, 3]))
      expect(node.lastRejected).toMatch(/not a Kith handshake/)
    } finally {
      node.close()
    }
  })
})
