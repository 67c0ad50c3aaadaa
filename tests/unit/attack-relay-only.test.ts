// Attack on "Hide my IP address from friends" (relay-only): a connection
// code made before the owner turned it on carries an offer whose
// connection may use any path. Were it still waiting, a friend pasting the
// answer afterwards would connect outside the relay and see the address the
// owner just chose to hide. WebRTC is replaced here (this process has none):
// the offers made and discarded are counted.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const offers = vi.hoisted(() => ({ made: [] as RTCConfiguration[], discarded: 0 }))
vi.mock('../../node-tab/discovery/webrtc', async (importOriginal) => ({
  ...await importOriginal<object>(),
  createOffer: async (rtcConfig: RTCConfiguration) => {
    offers.made.push(rtcConfig)
    const { CHROMIUM_OFFER } = await import('./chromium-sdp')
    return { sdp: CHROMIUM_OFFER, complete: async () => { throw new Error('no WebRTC here') }, discard: () => { offers.discarded++ } }
  }
}))

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

describe('attack: a connection code from before relay-only was turned on', () => {
  it('is withdrawn when relay-only is turned on: its answer no longer connects', async () => {
    const node = await KithNode.open({ db: new NodeDatabase(`attack-relay-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    nodes.push(node)
    const bob = createIdentity()
    const bobHex = toHex(bob.publicKey)
    await node.friends.add({ key: bobHex, address: addressFromPublicKey(bob.publicKey), displayName: 'Bob' })
    await node.makeConnectionCode(bobHex)
    expect(offers.made.at(-1)?.iceTransportPolicy).toBe('all')

    await node.saveConfig({ iceServers: [{ urls: 'turn:10.0.0.1:3478', username: 'u', credential: 'c' }], relayOnly: true })
    expect(offers.discarded).toBe(1)
    const err = await node.completeConnection(bobHex, 'KITH-ANSWER-3:AAAA').then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).message).toMatch(/no connection code waiting/)
    // A new code is made through the relay.
    await node.makeConnectionCode(bobHex)
    expect(offers.made.at(-1)?.iceTransportPolicy).toBe('relay')
  })
})
