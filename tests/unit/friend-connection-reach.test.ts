// A friend's page remembers when it last reached them (for "not reachable
// since 12 Nov" after a reload): written when a connection comes up and when
// it drops, read back on the next visit; and "not reachable after N s"
// counts from when they went away, not from the last failed attempt.
import { describe, expect, it } from 'vitest'
import { FriendConnection, type ReachLog } from '../../client/friends/friend-connection'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import type { KithNode, NodeSession } from '../../node-tab/node'
import { sleep, waitFor } from './waiting'

function memoryLog (kept: Map<string, number>): ReachLog & { writes: number[] } {
  const writes: number[] = []
  return {
    writes,
    lastReachedAt: async (key) => kept.get(key) ?? null,
    markReached: async (key, at) => { kept.set(key, at); writes.push(at) }
  }
}

/** A node whose connect() answers as `friend` while `online`, else fails at once. */
function fakeNode (friend: ReturnType<typeof createIdentity>, state: { online: boolean, session: { closed: boolean } | null }): KithNode {
  const address = addressFromPublicKey(friend.publicKey)
  return {
    connect: async () => {
      if (!state.online) throw new Error('nobody answered')
      const rpc = {
        closed: false,
        close () { rpc.closed = true },
        call: async (method: string, params: { data?: Uint8Array }) => {
          if (!state.online) { rpc.closed = true; throw new Error('gone') }
          return method === 'profile' ? { displayName: 'Alice', address } : { data: params.data }
        }
      }
      state.session = rpc
      return { rpc, remoteAddress: address, remotePublicKey: friend.publicKey } as unknown as NodeSession
    }
  } as unknown as KithNode
}

describe('FriendConnection last reached', () => {
  it('records reaching them, and shows it on the next visit before any connection', async () => {
    const friend = createIdentity()
    const address = addressFromPublicKey(friend.publicKey)
    const kept = new Map<string, number>()
    const log = memoryLog(kept)
    const state = { online: true, session: null as { closed: boolean } | null }
    const first = new FriendConnection(fakeNode(friend, state), address, log)
    first.start()
    await waitFor(() => first.state.phase === 'connected')
    expect(log.writes).toHaveLength(1)
    expect(first.state.lastReachedAt).toBe(log.writes[0])
    first.stop()

    // Next visit, friend offline: the kept time is shown.
    state.online = false
    const second = new FriendConnection(fakeNode(friend, state), address, log)
    second.start()
    await waitFor(() => second.state.lastReachedAt !== null)
    expect(second.state.lastReachedAt).toBe(kept.get(toHex(friend.publicKey)))
    expect(second.state.phase).not.toBe('connected')
    second.stop()
  })

  it('writes again when the connection drops, and counts "not reachable" from then, not from each retry', async () => {
    const friend = createIdentity()
    const log = memoryLog(new Map())
    const state = { online: true, session: null as { closed: boolean } | null }
    const c = new FriendConnection(fakeNode(friend, state), addressFromPublicKey(friend.publicKey), log)
    c.start()
    await waitFor(() => c.state.phase === 'connected')
    state.online = false // the next ping fails: they went away
    await waitFor(() => c.state.phase === 'searching', 8_000)
    expect(log.writes.length).toBeGreaterThanOrEqual(2)
    const since = c.state.searchingSince
    await waitFor(() => c.state.problem !== null, 5_000) // a failed attempt…
    await sleep(1_200) // …and the retry after its back-off
    expect(c.state.searchingSince).toBe(since)
    c.stop()
  })

  it('works without a log (and never calls one)', async () => {
    const friend = createIdentity()
    const c = new FriendConnection(fakeNode(friend, { online: true, session: null }), addressFromPublicKey(friend.publicKey))
    c.start()
    await waitFor(() => c.state.phase === 'connected')
    expect(c.state.lastReachedAt).not.toBeNull()
    c.stop()
  })
})
