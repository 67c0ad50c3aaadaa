// MeetingPlan (node-tab/rendezvous/meeting-plan.ts): which swarms a node
// sits in during an epoch, and where it looks for someone it dials. Built
// on real stores (fake-indexeddb) and the real meeting constructors.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fromHex } from '../../../shared/util/bytes'
import { pairSecret } from '../../../shared/crypto/crypto'
import * as grants from '../../../shared/identity/grants'
import { addressFromPublicKey, createIdentity } from '../../../shared/identity/identity'
import { addressMeeting, deviceMeeting, inviteMeeting, pairMeeting } from '../../../shared/rendezvous/meetings'
import { MeetingPlan, USED_INVITE_REACHABLE_MS, type MeetingPlanOptions } from '../../../node-tab/rendezvous/meeting-plan'
import { FriendsStore } from '../../../node-tab/storage/friends-store'
import { InvitesStore } from '../../../node-tab/storage/invites-store'
import { befriend, person } from '../store-fixtures'
import { fullDevice, serverDeviceOf, type Device } from './identities'

vi.mock('../../../shared/identity/grants', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../shared/identity/grants')>()
  return { ...actual, isFriendGranted: vi.fn(actual.isFriendGranted) }
})
const friendChecks = vi.mocked(grants.isFriendGranted)

const EPOCH = 20_000
const HOUR = 60 * 60 * 1000
const makers = { addressMeeting, deviceMeeting, inviteMeeting, pairMeeting }

const plans: MeetingPlan[] = []
afterEach(() => {
  for (const plan of plans.splice(0)) plan.stop()
  vi.useRealTimers()
})

function planFor (device: Device, over: Partial<MeetingPlanOptions> = {}) {
  const friends = new FriendsStore(device.db)
  const invites = new InvitesStore(device.db, friends)
  const state = { discoverable: false, devicesSecret: null as Uint8Array | null, listening: false, expiries: 0 }
  const plan = new MeetingPlan({
    identity: device.me,
    friends,
    invites,
    discoverable: () => state.discoverable,
    devicesSecret: () => state.devicesSecret,
    makers: async () => makers,
    isListening: () => state.listening,
    onInviteExpiry: () => { state.expiries++ },
    ...over
  })
  plans.push(plan)
  const topics = async (epoch = EPOCH): Promise<string[]> => (await plan.listenTopics(epoch)).map((m) => m.topic).sort()
  return { plan, friends, invites, state, topics, db: device.db, me: device.me }
}

describe('MeetingPlan.listenTopics: friends', () => {
  it('one pair swarm per friend, none for a stored key that needs no secret', async () => {
    const full = await fullDevice()
    const { friends, db, me, topics, plan } = planFor(full)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob, carol)
    // Stored before keys were checked: the identity point, whose "pair secret" anyone can compute.
    const weak = '0100000000000000000000000000000000000000000000000000000000000000'
    await db.friends.add({ key: weak, address: addressFromPublicKey(fromHex(weak)), displayName: 'weak', addedAt: 1 })
    const meetAt = (friend: typeof bob): string => pairMeeting(pairSecret(friend.identity.secretKey, me.identityKey), EPOCH, me.identityKey).topic
    expect(await topics()).toEqual([meetAt(bob), meetAt(carol)].sort())
    // Each swarm comes with the key an offer into it must prove (the friend's side derives the same).
    expect(await plan.listenTopics(EPOCH)).toContainEqual(pairMeeting(pairSecret(bob.identity.secretKey, me.identityKey), EPOCH, me.identityKey))
  })

  it('stores each friendship’s pair secret, for my server devices which cannot compute it', async () => {
    const full = await fullDevice()
    const { friends, plan } = planFor(full)
    const bob = person('Bob')
    await befriend(friends, bob)
    expect((await friends.get(bob.key))?.pairSecret).toBeUndefined()
    await plan.listenTopics(EPOCH)
    expect((await friends.get(bob.key))?.pairSecret).toEqual(pairSecret(full.signing.secretKey, bob.identity.publicKey))
  })

  it('both the old and the next pair secret while the friend is not told of a revocation; only the next once told', async () => {
    const { friends, topics, plan, me } = planFor(await fullDevice())
    const bob = person('Bob')
    await befriend(friends, bob)
    await plan.listenTopics(EPOCH)
    const old = (await friends.get(bob.key))!.pairSecret!
    const next = new Uint8Array(32).fill(7)
    await friends.replaceAllPairSecrets(() => next)
    const oldSwarm = pairMeeting(old, EPOCH, me.identityKey).topic
    const nextSwarm = pairMeeting(next, EPOCH, me.identityKey).topic
    expect(await topics()).toEqual([oldSwarm, nextSwarm].sort())
    await friends.markRevocationsTold(bob.key, [], next)
    expect(await topics()).toEqual([nextSwarm])
  })

  it('a former friend’s swarms, old and next, are left', async () => {
    const { friends, topics } = planFor(await fullDevice())
    const bob = person('Bob')
    await befriend(friends, bob)
    await friends.replaceAllPairSecrets(() => new Uint8Array(32).fill(7))
    expect(await topics()).toHaveLength(2)
    await friends.remove(bob.key)
    expect(await topics()).toEqual([])
  })
})

describe('MeetingPlan.listenTopics: invites, the address swarm, the devices’ swarm', () => {
  it('pending and just-used invites have a swarm; withdrawn, expired and long-used ones do not', async () => {
    const full = await fullDevice()
    const { invites, friends, db, topics, me } = planFor(full)
    const forever = await invites.create({ label: 'forever', expiresInMs: null })
    const later = await invites.create({ label: 'later', expiresInMs: HOUR })
    const withdrawn = await invites.create({ label: 'withdrawn', expiresInMs: null })
    await invites.revoke(withdrawn.id)
    const expired = await new InvitesStore(db, friends, () => Date.now() - 2 * HOUR).create({ label: 'expired', expiresInMs: HOUR })
    const justUsed = await invites.create({ label: 'just used', expiresInMs: HOUR })
    await db.invites.update(justUsed.id, { status: 'used', usedAt: Date.now() - HOUR })
    const longUsed = await invites.create({ label: 'long used', expiresInMs: null })
    await db.invites.update(longUsed.id, { status: 'used', usedAt: Date.now() - USED_INVITE_REACHABLE_MS - 1 })
    const swarm = (invite: { token: string }): string => inviteMeeting(invite.token, EPOCH, me.identityKey).topic
    expect(await topics()).toEqual([forever, later, justUsed].map(swarm).sort())
  })

  it('signs the grants invites lack, so my other devices take them', async () => {
    const full = await fullDevice()
    const { invites, plan } = planFor(full)
    const invite = await invites.create({ label: 'old', expiresInMs: null })
    expect(invite.grant).toBeUndefined()
    await plan.listenTopics(EPOCH)
    const [row] = await invites.list()
    expect(grants.isInviteGranted(full.me.identityKey, row!, row!.grant)).toBe(true)
  })

  it('the address swarm only when discoverable, and only on a full device', async () => {
    const full = await fullDevice()
    const atFull = planFor(full)
    const swarm = addressMeeting(full.me.identityKey, EPOCH)
    expect(await atFull.plan.listenTopics(EPOCH)).toEqual([])
    atFull.state.discoverable = true
    expect(await atFull.plan.listenTopics(EPOCH)).toEqual([swarm])
    // Offers there are sealed to the identity key, which a server device does not hold.
    const atServer = planFor(await serverDeviceOf(full))
    atServer.state.discoverable = true
    expect(await atServer.plan.listenTopics(EPOCH)).toEqual([])
  })

  it('the devices’ swarm only once there is a devices secret', async () => {
    const full = await fullDevice()
    const { plan, state } = planFor(full)
    expect(await plan.listenTopics(EPOCH)).toEqual([])
    state.devicesSecret = new Uint8Array(32).fill(3)
    expect(await plan.listenTopics(EPOCH)).toEqual([deviceMeeting(state.devicesSecret, EPOCH, full.me.credentials.device.publicKey)])
  })
})

describe('MeetingPlan.listenTopics on a server device', () => {
  it('sits only where it knows the pair secret, and never in an invite’s swarm', async () => {
    const server = await serverDeviceOf(await fullDevice())
    const { friends, invites, topics, me } = planFor(server)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob, carol)
    const secret = new Uint8Array(32).fill(9)
    await friends.setPairSecret(bob.key, secret) // as sync brings it from a full device
    await invites.create({ label: 'synced', expiresInMs: null })
    expect(await topics()).toEqual([pairMeeting(secret, EPOCH, me.identityKey).topic])
    // Nothing was written for Carol: a server device cannot compute her secret.
    expect((await friends.get(carol.key))?.pairSecret).toBeUndefined()
  })
})

describe('MeetingPlan: friendship grants', () => {
  beforeEach(() => friendChecks.mockClear())

  it('a grant is checked once, and again only when its row changed', async () => {
    const full = await fullDevice()
    const { friends, plan, db } = planFor(full)
    friends.grant = (key, addedAt) => grants.grantFriend(full.signing, key, addedAt)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob, carol)
    await plan.listenTopics(EPOCH)
    expect(friendChecks).toHaveBeenCalledTimes(2)
    await plan.listenTopics(EPOCH)
    await plan.listenTopics(EPOCH + 1)
    expect(friendChecks).toHaveBeenCalledTimes(2)
    // Another device re-granted Bob's friendship (sync brought a new row).
    const addedAt = (await friends.get(bob.key))!.addedAt + 1
    await db.friends.update(bob.key, { addedAt, grant: grants.grantFriend(full.signing, bob.key, addedAt) })
    await plan.listenTopics(EPOCH)
    expect(friendChecks).toHaveBeenCalledTimes(3)
    expect(friendChecks.mock.calls[2]![1]).toBe(bob.key)
  })

  it('a missing or forged grant is replaced by one the identity signed', async () => {
    const full = await fullDevice()
    const { friends, plan, db } = planFor(full)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob, carol) // no grant: from before grants
    const carolRow = (await friends.get(carol.key))!
    await db.friends.update(carol.key, { grant: grants.grantFriend(createIdentity(), carol.key, carolRow.addedAt) })
    await plan.listenTopics(EPOCH)
    for (const row of await friends.list()) {
      expect(grants.isFriendGranted(full.me.identityKey, row.key, row.addedAt, row.grant), row.displayName).toBe(true)
    }
  })
})

describe('MeetingPlan: invite expiry', () => {
  it('while listening, the next pending invite’s expiry calls onInviteExpiry', async () => {
    const { invites, plan, state } = planFor(await fullDevice())
    await invites.create({ label: 'soon', expiresInMs: HOUR })
    await invites.create({ label: 'later', expiresInMs: 2 * HOUR })
    state.listening = true
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    await plan.listenTopics(EPOCH)
    vi.advanceTimersByTime(HOUR - 1000)
    expect(state.expiries).toBe(0)
    vi.advanceTimersByTime(2000)
    expect(state.expiries).toBe(1)
  })

  it('not while not listening, and not after stop()', async () => {
    const { invites, plan, state } = planFor(await fullDevice())
    await invites.create({ label: 'soon', expiresInMs: HOUR })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    await plan.listenTopics(EPOCH)
    vi.advanceTimersByTime(2 * HOUR)
    expect(state.expiries).toBe(0)

    const again = planFor(await fullDevice())
    await again.invites.create({ label: 'soon', expiresInMs: HOUR })
    again.state.listening = true
    await again.plan.listenTopics(EPOCH)
    again.plan.stop()
    vi.advanceTimersByTime(2 * HOUR)
    expect(again.state.expiries).toBe(0)
  })
})

describe('MeetingPlan.meetingFor', () => {
  it('an invite token: the invite’s swarm; a friend: our pair swarm; anyone else: their address swarm', async () => {
    const full = await fullDevice()
    const { friends, plan } = planFor(full)
    const bob = person('Bob'); const carol = person('Carol')
    await befriend(friends, bob)
    await plan.prepareDial()
    const bobKey = bob.identity.publicKey
    const carolKey = carol.identity.publicKey
    expect(plan.meetingFor(bobKey, EPOCH, {})).toEqual(pairMeeting(pairSecret(full.signing.secretKey, bobKey), EPOCH, bobKey))
    expect(plan.meetingFor(bobKey, EPOCH, { inviteToken: 'tok-123456789' })).toEqual(inviteMeeting('tok-123456789', EPOCH, bobKey))
    expect(plan.meetingFor(carolKey, EPOCH, {})).toEqual(addressMeeting(carolKey, EPOCH))
    // A removed friend owed delete notices is still looked for in our pair swarm.
    expect(plan.meetingFor(carolKey, EPOCH, { via: 'pair' })).toEqual(pairMeeting(pairSecret(full.signing.secretKey, carolKey), EPOCH, carolKey))
  })

  it('prepareDial() reads the friends again: a new friend is looked for in our pair swarm', async () => {
    const full = await fullDevice()
    const { friends, plan } = planFor(full)
    const bob = person('Bob')
    await plan.prepareDial()
    expect(plan.meetingFor(bob.identity.publicKey, EPOCH, {}).kind).toBe('address')
    await befriend(friends, bob)
    await plan.prepareDial()
    expect(plan.meetingFor(bob.identity.publicKey, EPOCH, {}).kind).toBe('pair')
  })
})
