// Sessions close after a while without use (node-tab/connections/sessions.ts); the page
// keeps the ones it dialled open, since friends' live hints come over them
// (client/friends/session-keepalive.ts). The registry's clock is driven by the test.
import { describe, expect, it } from 'vitest'
import { SessionRegistry } from '../../node-tab/connections/sessions'
import { SessionKeepalive } from '../../client/friends/session-keepalive'
import { connect, person, until, type Handlers } from './friend-fixtures'

describe('keeping the sessions I dialled open', () => {
  it('a dialled session pinged by the page outlives the idle timeout; one a friend dialled to me does not', async () => {
    let now = 0
    const sessions = new SessionRegistry({ idleMs: 5 * 60_000, now: () => now })
    const keepalive = new SessionKeepalive({ sessions }, 4 * 60_000)
    const me = person()
    const bob = person()
    const carol = person()
    let pingsAtBob = 0
    const bobHandlers: Handlers = { ping: (params) => { pingsAtBob++; return { data: (params as { data: Uint8Array }).data } } }
    const dialled = await connect(me, bob, () => ({}), () => bobHandlers) // I offered: mine is `a`
    const theirs = await connect(carol, me, () => ({}), () => ({})) // Carol offered: mine is `b`
    sessions.add(bob.keyHex, dialled.a)
    sessions.add(carol.keyHex, theirs.b)

    now += 4 * 60_000
    expect(keepalive.tick()).toBe(1)
    await until(() => pingsAtBob === 1 && dialled.a.rpc.stats().pending === 0)
    now += 2 * 60_000
    sessions.closeIdle()
    expect(dialled.a.rpc.closed).toBe(false)
    expect(theirs.b.rpc.closed).toBe(true)
    sessions.closeEverything('test over')
  })
})
