// The whole node's bytes in flight: every session's RPC peer draws on the
// node's one budget, so concurrent speed tests from two friends hold no more
// than one chunk per answer, node-wide, and nothing once they are done.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NODE_CHUNK_BYTES } from '../../node-tab/connections/session-limits'
import { NodeDatabase } from '../../node-tab/storage/db'

const MiB = 1024 * 1024

describe('bytes a node holds for answers', () => {
  it('stay within one chunk per answer across sessions, drawn from one node-wide budget', async () => {
    const node = await KithNode.open({ db: new NodeDatabase(`held-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    const startSession = node.connections.startSession.bind(node.connections)
    let maxHeld = 0
    let maxBuffered = 0
    const dial = async (who: Identity): Promise<NodeSession> => {
      await node.friends.add({ key: toHex(who.publicKey), address: addressFromPublicKey(who.publicKey), displayName: 'friend' })
      const [a, b] = createMemoryTransportPair()
      // Sample on every frame that reaches the friend: what the node holds, and what its transport buffers.
      a.onMessage(() => {
        maxHeld = Math.max(maxHeld, node.sendBudget.held)
        maxBuffered = Math.max(maxBuffered, b.bufferedAmount)
      })
      const [mine] = await Promise.all([
        establishSession<NodeMethods, NodeMethods>(a, { identity: who, handlers: () => ({}) }),
        startSession(b)
      ])
      return mine
    }
    const sessions = [await dial(createIdentity()), await dial(createIdentity())]
    const calls = sessions.flatMap((s) => Array.from({ length: 8 }, () =>
      s.rpc.call('ping', { data: new Uint8Array(0), replyBytes: 16 * MiB }, { timeoutMs: 60_000 })))
    for (const { data } of await Promise.all(calls)) expect(data.length).toBe(16 * MiB)
    expect(maxHeld).toBeGreaterThan(0)
    expect(maxHeld).toBeLessThanOrEqual(16 * NODE_CHUNK_BYTES)
    // Each session's transport: its high-water mark (1 MiB) plus the chunk that crossed it.
    expect(maxBuffered).toBeLessThanOrEqual(MiB + NODE_CHUNK_BYTES)
    expect(node.sendBudget.held).toBe(0)
    node.close()
  }, 60_000)
})
