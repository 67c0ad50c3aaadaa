// sessionHandlers (node-tab/handlers/session-handlers.ts): what an
// authenticated peer may call, built from who the handshake proved them to
// be. Real stores on fake-indexeddb and the real handler code; the handlers
// are called as the RPC peer calls them.
import { describe, expect, it } from 'vitest'
import { generateSigningKeyPair } from '../../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../../shared/identity/device-certificate'
import type { RemoteDevice } from '../../../shared/identity/device-credentials'
import type { DeviceRevokedParams } from '../../../shared/protocol/protocol'
import { basicHandlers } from '../../../node-tab/handlers/basic'
import { inviteHandlers } from '../../../node-tab/handlers/invites'
import { itemHandlers } from '../../../node-tab/handlers/items'
import { sessionHandlers, type HandlerProvider, type SessionHandlersDeps } from '../../../node-tab/handlers/session-handlers'
import { STRANGER_REFUSED } from '../../../node-tab/handlers/stranger-policy'
import { ownerDeviceHandlers } from '../../../node-tab/sync/handlers'
import { ownRecoveryRecord } from '../../../node-tab/person/recovery'
import { befriend, kithError, person, setup, type Person } from '../store-fixtures'

const ctx = { signal: new AbortController().signal }
const FRIENDS_METHODS = ['deviceRevoked', 'fetchFile', 'listItems', 'ping', 'profile', 'recoveryRecord', 'redeemInvite', 'workingTrackers']

function handlersOf (providers: HandlerProvider[] = []) {
  const { db, friends, items, invites } = setup()
  const me = person('Alice')
  const state = { discoverable: false, canMakeFriends: true }
  const events: string[] = []
  const learned: Array<{ key: Uint8Array, told: DeviceRevokedParams, device?: RemoteDevice }> = []
  const deps: SessionHandlersDeps = {
    code: () => ({ basicHandlers, inviteHandlers, itemHandlers, ownerDeviceHandlers, ownRecoveryRecord }),
    keyHex: me.key,
    db,
    items,
    invites,
    isFriend: (key) => friends.isFriend(key),
    profile: () => ({ displayName: 'Alice', address: me.address }),
    discoverable: () => state.discoverable,
    canMakeFriends: () => state.canMakeFriends,
    workingTrackers: () => ['wss://works.test'],
    learnRevocations: async (key, told, device) => { learned.push({ key, told, device }); events.push('learned') },
    learnOwnRevocation: async () => { events.push('learned own') },
    providers,
    onChange: () => { events.push('changed') }
  }
  return { handlersFor: sessionHandlers(deps), me, db, friends, items, invites, state, events, learned }
}

/** Another device of `me`, as the handshake proves it (certificate, or none while being linked). */
function ownDevice (me: Person, certified = true): RemoteDevice {
  const device = generateSigningKeyPair()
  const certificate = certified ? issueDeviceCertificate(me.identity, { publicKey: device.publicKey, name: 'Pi', role: 'server' }, Date.now()) : null
  return { identityKey: me.identity.publicKey, deviceKey: device.publicKey, certificate }
}

describe('sessionHandlers: my own devices', () => {
  it('another of my devices gets device sync only (and may tell this one it was revoked): none of the friends’ methods', async () => {
    const { handlersFor, me, events } = handlersOf([() => ({ deleteNotices: () => ({ acknowledged: [] }) })])
    const handlers = handlersFor(me.identity.publicKey, ownDevice(me))
    expect(Object.keys(handlers).sort()).toEqual(['deviceRevoked', 'ping', 'profile', 'syncFileRange', 'syncNewest', 'syncPull'])
    // Taken as news of this device's own revocation, not as a friend's.
    expect(await handlers.deviceRevoked!({ revocations: [] }, ctx)).toEqual({ ok: true })
    expect(events).toEqual(['learned own'])
  })

  it('a device still being linked (no certificate) gets no sync either', () => {
    const { handlersFor, me } = handlersOf()
    expect(Object.keys(handlersFor(me.identity.publicKey, ownDevice(me, false))).sort()).toEqual(['ping', 'profile'])
  })

  it('a pull from further on says the device has the rest: onChange, once per new position', async () => {
    const { handlersFor, me, events } = handlersOf()
    const handlers = handlersFor(me.identity.publicKey, ownDevice(me))
    await handlers.syncPull!({ after: 0, limit: 10 }, ctx)
    await handlers.syncPull!({ after: 0, limit: 10 }, ctx)
    expect(events).toEqual(['changed'])
    await handlers.syncPull!({ after: 3, limit: 10 }, ctx)
    expect(events).toEqual(['changed', 'changed'])
  })
})

describe('sessionHandlers: friends and strangers', () => {
  it('a friend gets the friends’ methods and is served', async () => {
    const { handlersFor, friends, items } = handlersOf()
    const bob = person('Bob')
    await befriend(friends, bob)
    const note = await items.create({ type: 'note', text: 'hello', audience: { kind: 'friends' } })
    const handlers = handlersFor(bob.identity.publicKey)
    expect(Object.keys(handlers).sort()).toEqual(FRIENDS_METHODS)
    const page = await handlers.listItems!({ limit: 5 }, ctx) as { items: Array<{ id: string }> }
    expect(page.items.map((i) => i.id)).toEqual([note.id])
    expect(await handlers.workingTrackers!({}, ctx)).toEqual({ trackers: ['wss://works.test'] })
  })

  it('a stranger is refused by the stranger policy, in the same words for every method', async () => {
    const { handlersFor, state } = handlersOf()
    const handlers = handlersFor(person('Mallory').identity.publicKey)
    const calls: Array<() => unknown> = [
      () => handlers.listItems!({ limit: 5 }, ctx),
      () => handlers.workingTrackers!({}, ctx),
      () => handlers.deviceRevoked!({ revocations: [] }, ctx),
      () => handlers.profile!({}, ctx)
    ]
    for (const call of calls) await kithError(Promise.resolve().then(call), 'UNAUTHORIZED', STRANGER_REFUSED)
    // A tiny ping proves the session alive; the profile only when discoverable.
    expect(await handlers.ping!({ data: Uint8Array.of(1) }, ctx)).toEqual({ data: Uint8Array.of(1) })
    state.discoverable = true
    expect(await handlers.profile!({}, ctx)).toMatchObject({ displayName: 'Alice' })
  })

  it('a friendship ended mid-session ends access at the next call', async () => {
    const { handlersFor, friends } = handlersOf()
    const bob = person('Bob')
    await befriend(friends, bob)
    const handlers = handlersFor(bob.identity.publicKey)
    await handlers.listItems!({ limit: 5 }, ctx)
    await friends.remove(bob.key)
    await kithError(Promise.resolve().then(() => handlers.listItems!({ limit: 5 }, ctx)), 'UNAUTHORIZED', STRANGER_REFUSED)
  })
})

describe('sessionHandlers: redeemInvite', () => {
  it('a stranger with a valid invite becomes a friend, and the owner’s list changes at once', async () => {
    const { handlersFor, invites, friends, events } = handlersOf()
    const invite = await invites.create({ label: 'Dave', expiresInMs: null })
    const dave = person('Dave')
    const answer = await handlersFor(dave.identity.publicKey).redeemInvite!({ token: invite.token, profile: { displayName: 'Dave', address: dave.address } }, ctx)
    expect(answer).toEqual({ owner: { displayName: 'Alice', address: expect.any(String) } })
    expect(await friends.isFriend(dave.key)).toBe(true)
    expect(events).toEqual(['changed'])
  })

  it('is refused on a device that cannot make friends, and the invite stays unused', async () => {
    const { handlersFor, invites, friends, state, events } = handlersOf()
    state.canMakeFriends = false
    const invite = await invites.create({ label: 'Dave', expiresInMs: null })
    const dave = person('Dave')
    const call = Promise.resolve().then(() => handlersFor(dave.identity.publicKey).redeemInvite!({ token: invite.token, profile: { displayName: 'Dave', address: dave.address } }, ctx))
    await kithError(call, 'UNAUTHORIZED', /cannot make new friendships/)
    expect(await friends.isFriend(dave.key)).toBe(false)
    expect((await invites.list())[0]!.status).toBe('pending')
    expect(events).toEqual([])
  })
})

describe('sessionHandlers: providers and revocations', () => {
  it('registered providers add their methods, built for the peer, behind the stranger policy', async () => {
    const asked: string[] = []
    const provider: HandlerProvider = (remoteHex) => {
      asked.push(remoteHex)
      return { deleteNotices: () => ({ acknowledged: [remoteHex] }) }
    }
    const { handlersFor, friends } = handlersOf([provider])
    const bob = person('Bob'); const mallory = person('Mallory')
    await befriend(friends, bob)
    expect(await handlersFor(bob.identity.publicKey).deleteNotices!({ itemIds: [] }, ctx)).toEqual({ acknowledged: [bob.key] })
    await kithError(Promise.resolve().then(() => handlersFor(mallory.identity.publicKey).deleteNotices!({ itemIds: [] }, ctx)), 'UNAUTHORIZED', STRANGER_REFUSED)
    expect(asked).toEqual([bob.key, mallory.key])
  })

  it('deviceRevoked hands the checked params and the device to learnRevocations, then onChange', async () => {
    const { handlersFor, friends, learned, events } = handlersOf()
    const bob = person('Bob')
    await befriend(friends, bob)
    const device = ownDevice(bob)
    const told = { revocations: [{ any: 'thing' }], pairSecret: new Uint8Array(32).fill(4), pairSecretSince: 5 }
    expect(await handlersFor(bob.identity.publicKey, device).deviceRevoked!(told, ctx)).toEqual({ ok: true })
    expect(learned).toHaveLength(1)
    expect(learned[0]!.key).toEqual(bob.identity.publicKey)
    expect(learned[0]!.told).toEqual(told)
    expect(learned[0]!.device).toBe(device)
    expect(events).toEqual(['learned', 'changed'])
    // Malformed params never reach it.
    await kithError(Promise.resolve().then(() => handlersFor(bob.identity.publicKey, device).deviceRevoked!({ revocations: 'all' }, ctx)), 'BAD_REQUEST')
    expect(learned).toHaveLength(1)
  })
})
