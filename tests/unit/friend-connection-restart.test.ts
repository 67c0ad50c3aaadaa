// A friend's page pings its session every second; a ping unanswered usually
// means the friend went away, and the page closes the session and searches
// again. On a connection that can be restarted in place (ICE restart), a
// few unanswered pings mean the path is being repaired: the page waits for
// the same session instead of throwing it away, within a bound.
import { describe, expect, it } from 'vitest'
import { FriendConnection } from '../../client/friends/friend-connection'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import type { KithNode, NodeSession } from '../../node-tab/node'
import { sleep, waitFor } from './waiting'

/** A node whose sessions' pings fail while `pathLost`; counts connect() calls. */
function fakeNode (mayRestart: boolean, state: { pathLost: boolean, connects: number, rpcs: { closed: boolean }[] }): KithNode {
  const friend = createIdentity()
  const address = addressFromPublicKey(friend.publicKey)
  return {
    connect: async () => {
      state.connects++
      const rpc = {
        closed: false,
        close () { rpc.closed = true },
        call: async (method: string, params: { data?: Uint8Array }) => {
          // A real ping times out after seconds; a short wait stands for it.
          if (state.pathLost && method === 'ping') { await sleep(100); throw new Error('timed out') }
          return method === 'profile' ? { displayName: 'Alice', address } : { data: params.data }
        }
      }
      state.rpcs.push(rpc)
      return { rpc, remoteAddress: address, remotePublicKey: friend.publicKey, transport: { mayRestart } } as unknown as NodeSession
    }
  } as unknown as KithNode
}

/** A friend connection over a node that can (or cannot) restart ICE in
 *  place, connected; then its path is lost. */
async function connectedThenPathLost (canRestart: boolean) {
  const state = { pathLost: false, connects: 0, rpcs: [] as { closed: boolean }[] }
  const c = new FriendConnection(fakeNode(canRestart, state), addressFromPublicKey(createIdentity().publicKey))
  c.start()
  await waitFor(() => c.state.rttMs !== null)
  state.pathLost = true
  return { state, c }
}

describe('FriendConnection on a connection being restarted', () => {
  it('keeps the same session through a few unanswered pings when it can be restarted in place', async () => {
    const { state, c } = await connectedThenPathLost(true)
    await waitFor(() => c.state.rttMs === null, 5_000)
    await sleep(2_500)
    state.pathLost = false
    await waitFor(() => c.state.rttMs !== null, 5_000)
    expect(state.connects).toBe(1)
    expect(state.rpcs[0]!.closed).toBe(false)
    expect(c.state.phase).toBe('connected')
    c.stop()
  })

  it('closes the session at the first unanswered ping when it cannot', async () => {
    const { state, c } = await connectedThenPathLost(false)
    await waitFor(() => state.rpcs[0]!.closed, 5_000)
    state.pathLost = false
    await waitFor(() => state.connects === 2, 5_000)
    c.stop()
  })
})
