// Device sync between real nodes (DESIGN §6a) over the memory transport:
// the laptop's items, friends and settings reach its server device while
// they are connected; a friend gets the same answers from either device;
// a deletion made on the laptop while the server was away reaches the
// friend through the server, and the confirmation shows on the laptop.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import { befriend, connectNodes, internals, NodeSet, until } from './device-fixtures'
import { addressFromPublicKey, createIdentity } from '../../shared/identity/identity'
import { inviteMeeting } from '../../shared/rendezvous/meetings'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'

const set = new NodeSet()
afterEach(() => set.closeAll())

/** Bob's node acknowledges every delete notice (what his client does). */
function acknowledgesNotices (bob: KithNode, received: string[]): void {
  bob.registerHandlers(() => ({
    deleteNotices: (params) => {
      const ids = (params as { itemIds: string[] }).itemIds
      received.push(...ids)
      return { acknowledged: ids }
    }
  }))
}

describe('devices of one person', () => {
  it('sync while connected, and a friend gets the same items from either', async () => {
    const laptop = await set.open()
    await laptop.setDisplayName('Alice')
    const pi = await set.serverDeviceOf(laptop)
    const bob = await set.open()
    await befriend(laptop, bob)
    await laptop.listenTopics(1) // the pair secret, stored for the server
    const note = await laptop.items.create({ type: 'note', text: 'for friends', audience: { kind: 'friends' } })
    await laptop.items.create({ type: 'note', text: 'only me', audience: { kind: 'me' } })

    const link = await connectNodes(pi, laptop)
    expect(toHex(link.remoteDevice.deviceKey)).toBe(toHex(laptop.credentials.device.publicKey))
    // (A new device takes the newest items first: an item here does not
    // say that what came before it in the log is here too.)
    await until(async () => (await pi.items.get(note.id)) !== undefined && (await pi.friends.get(bob.keyHex)) !== undefined)
    await until(() => pi.profile.displayName === 'Alice')
    expect((await pi.friends.get(bob.keyHex))?.pairSecret).toEqual((await laptop.friends.get(bob.keyHex))?.pairSecret)

    const fromLaptop = await (await connectNodes(bob, laptop)).rpc.call('listItems', { limit: 50 })
    const fromPi = await (await connectNodes(bob, pi)).rpc.call('listItems', { limit: 50 })
    expect(fromPi.items).toEqual(fromLaptop.items)
    expect(fromPi.items.map((i) => i.text)).toEqual(['for friends'])

    // A change on either side reaches the other while the session is open.
    const later = await pi.items.get(note.id)
    expect(later?.text).toBe('for friends')
    await laptop.setDisplayName('Alice L.')
    await until(() => pi.profile.displayName === 'Alice L.', 10_000)
  })

  it('a deletion on the laptop while the server was away reaches the friend through the server, and the laptop sees it confirmed', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const bob = await set.open()
    await befriend(laptop, bob)
    await laptop.listenTopics(1)
    const item = await laptop.items.create({ type: 'note', text: 'soon gone', audience: { kind: 'friends' } })
    const first = await connectNodes(pi, laptop)
    await until(async () => (await pi.items.get(item.id)) !== undefined && (await pi.friends.get(bob.keyHex)) !== undefined)
    // Bob fetches from the server only: the laptop never delivered it.
    const received: string[] = []
    acknowledgesNotices(bob, received)
    const bobToPi = await connectNodes(bob, pi)
    expect((await bobToPi.rpc.call('listItems', { limit: 50 })).items.map((i) => i.id)).toEqual([item.id])
    first.rpc.close('the server goes away')
    await until(() => laptop.deviceSessions.size === 0 && pi.deviceSessions.size === 0)

    // The laptop deletes it while the server is away; it knows no delivery.
    await laptop.items.delete(item.id)
    expect(await laptop.notices.pendingFor(bob.keyHex)).toEqual([])

    // The server comes back: the deletion reaches it, then Bob, from it.
    pi.noticeSender.start()
    await connectNodes(pi, laptop)
    await until(async () => (await pi.items.get(item.id)) === undefined)
    await until(() => received.includes(item.id))
    // The confirmation travels back to the laptop's deletion log.
    await until(async () => (await laptop.notices.listDeletions()).some((d) => d.itemId === item.id && d.friends[bob.keyHex] === true), 10_000)
    expect(await laptop.notices.pendingFor(bob.keyHex)).toEqual([])
    expect(await pi.notices.pendingFor(bob.keyHex)).toEqual([])
    expect(bobToPi.rpc.closed).toBe(false)
  })

  it('a device that was away catches up on everything it missed', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const first = await connectNodes(pi, laptop)
    const kept = await laptop.items.create({ type: 'note', text: 'kept', audience: { kind: 'friends' } })
    await until(async () => (await pi.items.get(kept.id)) !== undefined)
    first.rpc.close('away')
    await until(() => pi.deviceSessions.size === 0)
    const ids: string[] = []
    for (let i = 0; i < 30; i++) ids.push((await laptop.items.create({ type: 'post', text: `post ${i}`, audience: { kind: 'friends' } })).id)
    const group = await laptop.friends.createGroup('family')
    await laptop.items.setAudience(kept.id, { kind: 'groups', groupIds: [group.id] })
    await connectNodes(pi, laptop)
    await until(async () => (await pi.items.get(ids.at(-1)!)) !== undefined && (await pi.items.get(kept.id))?.audience.kind === 'groups')
    expect((await pi.items.listMine({ limit: 100 })).length).toBe(31)
  })
})

describe('a server device', () => {
  it('makes no friendships: it sits in no invite swarm, and refuses to redeem an invite synced to it', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const invite = await laptop.invites.create({ label: 'for Carol', expiresInMs: null })
    await connectNodes(pi, laptop)
    await until(async () => (await pi.invites.list()).some((i) => i.id === invite.id))
    const inviteSwarm = inviteMeeting(invite.token, 9, laptop.identityKey).topic
    expect((await laptop.listenTopics(9)).map((m) => m.topic)).toContain(inviteSwarm)
    expect((await pi.listenTopics(9)).map((m) => m.topic)).not.toContain(inviteSwarm)
    const carol = createIdentity()
    const [a, b] = createMemoryTransportPair()
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(a, { identity: carol, handlers: () => ({}) }),
      internals(pi).accept(b)
    ])
    await expect(session.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: 'Carol', address: addressFromPublicKey(carol.publicKey) } }))
      .rejects.toThrow(/cannot make new friendships/)
    expect(await pi.friends.isFriend(toHex(carol.publicKey))).toBe(false)
  })
})

describe('sessions between two of my devices', () => {
  it('two devices that dialled each other at once keep the same one session, on both sides', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    const [one, two] = await Promise.all([connectNodes(pi, laptop), connectNodes(laptop, pi)])
    await until(() => one.rpc.closed !== two.rpc.closed)
    // The one kept is the session dialled by the smaller device key.
    const piKey = toHex(pi.credentials.device.publicKey)
    const laptopKey = toHex(laptop.credentials.device.publicKey)
    const kept = piKey < laptopKey ? one : two
    expect(kept.rpc.closed).toBe(false)
    expect(laptop.deviceSessions.size).toBe(1)
    expect(pi.deviceSessions.size).toBe(1)
  })
})

describe('what stays on each device', () => {
  it('trackers and ICE servers are not synced: no device sets where another one connects', async () => {
    const laptop = await set.open()
    const pi = await set.serverDeviceOf(laptop)
    await laptop.saveConfig({ trackers: ['ws://127.0.0.1:9101'], iceServers: [{ urls: 'turn:127.0.0.1:3479' }] })
    await laptop.setDisplayName('Alice')
    await connectNodes(pi, laptop)
    await until(() => pi.profile.displayName === 'Alice')
    expect(await pi.db.settings.get('config.overrides')).toBeUndefined()
    expect(pi.currentConfig.trackers).not.toContain('ws://127.0.0.1:9101')
  })
})
