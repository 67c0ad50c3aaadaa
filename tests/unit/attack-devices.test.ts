// Attacks on owner devices (DESIGN §6a, §6b): a compromised server device
// sending hostile sync pages, friends against device surfaces, linking.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { grantFriend } from '../../shared/identity/grants'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { MAX_REVOCATIONS_PER_CALL, parseSyncPullParams, type SyncRecord } from '../../shared/protocol/protocol'
import type { KithNode } from '../../node-tab/node'
import type { DevicePeer } from '../../node-tab/sync/file-fetch'
import { grantedRecords } from '../../node-tab/sync/grants-filter'
import { DeviceSync } from '../../node-tab/sync/pull'
import { formatStamp } from '../../node-tab/sync/stamps'
import { befriend, connectNodes, NodeSet, signingOf } from './device-fixtures'
import { MAX_PEER_REVOCATIONS } from '../../node-tab/storage/devices-store'
import { issueDeviceCertificate, revokeDevice } from '../../shared/identity/device-certificate'
import { kithError } from './store-fixtures'

const sets = new NodeSet()
afterEach(() => sets.closeAll())

let counter = 0
/** A stamp later than anything the node wrote, from the server device. */
const stamp = (): string => formatStamp({ wall: Date.now() + 1000, counter: counter++, device: 'abcdef0123456789' })

/** A server device that answers every pull with `records`. */
function hostilePeer (records: SyncRecord[]): DevicePeer {
  return {
    call: (async (method: string, params: unknown) => {
      if (method !== 'syncPull') throw new Error('unexpected')
      parseSyncPullParams(params)
      return { records, next: (params as { after: number }).after + 1, done: true }
    }) as DevicePeer['call']
  }
}

/** Pulls `records` into the full node as its own device sync would (grants checked). */
async function pullInto (node: KithNode, records: SyncRecord[]): Promise<void> {
  await new DeviceSync(node.db, hostilePeer(records), 'e'.repeat(64), { accept: grantedRecords(node.identityKey) }).pull()
}

function stranger (): { key: Uint8Array, profile: { displayName: string, address: string } } {
  const key = generateSigningKeyPair().publicKey
  return { key, profile: { displayName: 'Mallory', address: addressFromPublicKey(key) } }
}

function clean (row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined))
}

describe('a compromised server device cannot bring a used invite back to life on the full device', () => {
  async function usedInvite (): Promise<{ full: KithNode, used: Record<string, unknown> }> {
    const full = await sets.open()
    const invite = await full.invites.create({ label: 'for Bob', expiresInMs: 60_000 })
    const bob = stranger()
    await full.invites.redeem(invite.token, bob.profile, bob.key)
    const used = (await full.db.invites.get(invite.id))!
    expect(used.status).toBe('used')
    return { full, used: used as unknown as Record<string, unknown> }
  }

  it('the same row set back to pending (and never expiring) stays used', async () => {
    const { full, used } = await usedInvite()
    const revived = clean({ ...used, status: 'pending', usedBy: undefined, usedAt: undefined, expiresAt: null })
    await pullInto(full, [{ table: 'invites', key: used.id, stamp: stamp(), row: revived }])
    const mallory = stranger()
    await kithError(full.invites.redeem(used.token as string, mallory.profile, mallory.key), 'UNAUTHORIZED')
    expect(await full.friends.isFriend(toHex(mallory.key))).toBe(false)
  })

  it('a new row carrying the used invite’s token and grant is not taken', async () => {
    const { full, used } = await usedInvite()
    const copy = clean({ ...used, id: 'zzzzzzzzzzzz', status: 'pending', usedBy: undefined, usedAt: undefined })
    await pullInto(full, [{ table: 'invites', key: 'zzzzzzzzzzzz', stamp: stamp(), row: copy }])
    expect(await full.db.invites.get('zzzzzzzzzzzz')).toBeUndefined()
    const mallory = stranger()
    await kithError(full.invites.redeem(used.token as string, mallory.profile, mallory.key), 'UNAUTHORIZED')
  })

  it('a tombstone then the row again as pending does not revive it', async () => {
    const { full, used } = await usedInvite()
    await pullInto(full, [{ table: 'invites', key: used.id, stamp: stamp() }])
    const revived = clean({ ...used, status: 'pending', usedBy: undefined, usedAt: undefined })
    await pullInto(full, [{ table: 'invites', key: used.id, stamp: stamp(), row: revived }])
    const mallory = stranger()
    await kithError(full.invites.redeem(used.token as string, mallory.profile, mallory.key), 'UNAUTHORIZED')
  })

  it('a pending invite’s expiry cannot be pushed back', async () => {
    const full = await sets.open()
    const invite = await full.invites.create({ label: 'for Bob', expiresInMs: 60_000 })
    const row = (await full.db.invites.get(invite.id))! as unknown as Record<string, unknown>
    await pullInto(full, [{ table: 'invites', key: invite.id, stamp: stamp(), row: { ...row, expiresAt: null } }])
    expect((await full.db.invites.get(invite.id))!.expiresAt).toBe(invite.expiresAt)
  })
})

describe('a compromised server device cannot bring back a friend the owner removed', () => {
  async function removedFriend (): Promise<{ full: KithNode, old: Record<string, unknown> }> {
    const full = await sets.open()
    const ex = stranger()
    await full.friends.add({ key: toHex(ex.key), address: ex.profile.address, displayName: 'Ex' })
    const old = (await full.db.friends.get(toHex(ex.key)))! as unknown as Record<string, unknown>
    expect(old.grant).toBeInstanceOf(Uint8Array)
    await full.removeFriend(toHex(ex.key))
    return { full, old }
  }

  it('the old granted row, sent again, is not taken', async () => {
    const { full, old } = await removedFriend()
    await pullInto(full, [{ table: 'friends', key: old.key, stamp: stamp(), row: old }])
    expect(await full.friends.isFriend(old.key as string)).toBe(false)
  })

  it('nor with a later addedAt (the grant covers when the friendship began)', async () => {
    const { full, old } = await removedFriend()
    await pullInto(full, [{ table: 'friends', key: old.key, stamp: stamp(), row: { ...old, addedAt: Date.now() + 500 } }])
    expect(await full.friends.isFriend(old.key as string)).toBe(false)
  })

  it('a friend the owner added again on another full device is taken', async () => {
    const { full, old } = await removedFriend()
    const addedAt = (old.addedAt as number) + 1
    const again = { ...old, addedAt, grant: grantFriend(await signingOf(full), old.key as string, addedAt) }
    await pullInto(full, [{ table: 'friends', key: old.key, stamp: stamp(), row: again }])
    expect(await full.friends.isFriend(old.key as string)).toBe(true)
  })

  it('a removal learned by sync is remembered the same way', async () => {
    const full = await sets.open()
    const ex = stranger()
    const old = await full.friends.add({ key: toHex(ex.key), address: ex.profile.address, displayName: 'Ex' }) as unknown as Record<string, unknown>
    await pullInto(full, [{ table: 'friends', key: old.key, stamp: stamp() }])
    expect(await full.friends.isFriend(old.key as string)).toBe(false)
    await pullInto(full, [{ table: 'friends', key: old.key, stamp: stamp(), row: old }])
    expect(await full.friends.isFriend(old.key as string)).toBe(false)
  })
})

describe('a friend flooding deviceRevoked', () => {
  it('cannot store revocations without bound: past MAX_PEER_REVOCATIONS they are refused', async () => {
    const bob = await sets.open()
    const mallory = await sets.open()
    await befriend(bob, mallory)
    const signing = await signingOf(mallory)
    const session = await connectNodes(mallory, bob)
    const batch = (n = MAX_REVOCATIONS_PER_CALL): unknown[] => Array.from({ length: n }, () => revokeDevice(signing, generateSigningKeyPair().publicKey, Date.now()))
    const calls = Math.ceil(MAX_PEER_REVOCATIONS / MAX_REVOCATIONS_PER_CALL)
    for (let i = 0; i < calls; i++) await session.rpc.call('deviceRevoked', { revocations: batch() })
    // One past the bound is refused (a whole batch more cost 64 more key
    // pairs, signatures and checks: a fifth of the test's CPU).
    await expect(session.rpc.call('deviceRevoked', { revocations: batch(1) })).rejects.toThrow(/at most/)
    expect(await bob.db.peerRevocations.count()).toBe(MAX_PEER_REVOCATIONS)
    // The same revocations again cost nothing and are not refused.
    const known = await bob.db.peerRevocations.limit(3).toArray()
    await session.rpc.call('deviceRevoked', { revocations: known.map((r) => r.revocation) })
  }, 30_000)
})

describe('friends and strangers against the own-device surface', () => {
  async function refusal (call: Promise<unknown>): Promise<string> {
    try {
      await call
    } catch (err) {
      return `${(err as { code?: string }).code}: ${(err as Error).message}`
    }
    throw new Error('the call succeeded')
  }

  it('a friend calling syncPull or syncFileRange is refused exactly like a method that does not exist', async () => {
    const laptop = await sets.open()
    await sets.serverDeviceOf(laptop)
    const bob = await sets.open()
    await befriend(laptop, bob)
    await laptop.items.create({ type: 'note', text: 'only me', audience: { kind: 'me' } })
    const session = await connectNodes(bob, laptop)
    const call = session.rpc.call.bind(session.rpc) as (method: string, params: unknown) => Promise<unknown>
    const unknown = await refusal(call('noSuchMethod', { after: 0, limit: 10 }))
    expect(await refusal(call('syncPull', { after: 0, limit: 10 }))).toBe(unknown.replace('noSuchMethod', 'syncPull'))
    expect(await refusal(call('syncFileRange', { id: 'abc', offset: 0, length: 1 }))).toBe(unknown.replace('noSuchMethod', 'syncFileRange'))
  })

  it('a stranger calling syncPull is refused like any method that does not exist', async () => {
    const laptop = await sets.open()
    const mallory = await sets.open()
    const session = await connectNodes(mallory, laptop)
    const call = session.rpc.call.bind(session.rpc) as (method: string, params: unknown) => Promise<unknown>
    const unknown = await refusal(call('noSuchMethod', { after: 0, limit: 10 }))
    expect(await refusal(call('syncPull', { after: 0, limit: 10 }))).toBe(unknown.replace('noSuchMethod', 'syncPull'))
  })
})

describe('a compromised server device cannot undo a revocation through the devices table', () => {
  async function revoked (): Promise<{ laptop: KithNode, pi: KithNode, row: Record<string, unknown> }> {
    const laptop = await sets.open()
    const pi = await sets.serverDeviceOf(laptop)
    await laptop.revokeDevice(toHex(pi.credentials.device.publicKey))
    const row = (await laptop.db.devices.get(toHex(pi.credentials.device.publicKey)))! as unknown as Record<string, unknown>
    expect(row.revocation).toBeDefined()
    return { laptop, pi, row }
  }

  async function stillRevoked (laptop: KithNode, pi: KithNode): Promise<void> {
    await laptop.devices.load()
    expect(laptop.devices.isRevoked(laptop.identityKey, pi.credentials.device.publicKey)).toBe(true)
    expect((await laptop.devices.revocations()).map((r) => toHex(r.deviceKey))).toContain(toHex(pi.credentials.device.publicKey))
  }

  it('the row sent again with a broken certificate: the revocation still holds and is still told', async () => {
    const { laptop, pi, row } = await revoked()
    await pullInto(laptop, [{ table: 'devices', key: row.deviceKey, stamp: stamp(), row: { ...row, certificate: { name: 'x' } } }])
    await stillRevoked(laptop, pi)
  })

  it('the row sent again with a junk revocation: the real one is kept', async () => {
    const { laptop, pi, row } = await revoked()
    await pullInto(laptop, [{ table: 'devices', key: row.deviceKey, stamp: stamp(), row: { ...row, revocation: { junk: true } } }])
    await stillRevoked(laptop, pi)
  })

  it('the row without its revocation, then a tombstone: the revocation stays', async () => {
    const { laptop, pi, row } = await revoked()
    await pullInto(laptop, [{ table: 'devices', key: row.deviceKey, stamp: stamp(), row: clean({ ...row, revocation: undefined }) }])
    await pullInto(laptop, [{ table: 'devices', key: row.deviceKey, stamp: stamp() }])
    await stillRevoked(laptop, pi)
  })

  it('a device row whose certificate another identity signed is not stored, listed or dialled', async () => {
    const laptop = await sets.open()
    const mallory = await sets.open()
    const fake = generateSigningKeyPair().publicKey
    const certificate = { ...issueDeviceCertificate(await signingOf(mallory), { publicKey: fake, name: 'Evil', role: 'full' }, Date.now()), identityKey: laptop.identityKey }
    await pullInto(laptop, [{ table: 'devices', key: toHex(fake), stamp: stamp(), row: { deviceKey: toHex(fake), certificate } }])
    expect(await laptop.db.devices.get(toHex(fake))).toBeUndefined()
    expect((await laptop.devices.list()).map((d) => d.key)).not.toContain(toHex(fake))
  })

  it('a friend’s revocation not signed by that friend is not stored and refuses nothing', async () => {
    const laptop = await sets.open()
    const bob = await sets.open()
    const mallory = await sets.open()
    const bobDevice = bob.credentials.device.publicKey
    const forged = { ...revokeDevice(await signingOf(mallory), bobDevice, Date.now()), identityKey: bob.identityKey }
    const key = [bob.keyHex, toHex(bobDevice)]
    await pullInto(laptop, [{ table: 'peerRevocations', key, stamp: stamp(), row: { identityKey: bob.keyHex, deviceKey: toHex(bobDevice), revocation: forged } }])
    await laptop.devices.load()
    expect(laptop.devices.isRevoked(bob.identityKey, bobDevice)).toBe(false)
    expect(await laptop.db.peerRevocations.count()).toBe(0)
  })
})

describe('a stolen server device cannot move a friend to a swarm only it can name', () => {
  it('a new meeting secret from a server device without a new revocation is not taken; from the full device it is', async () => {
    const laptop = await sets.open()
    const pi = await sets.serverDeviceOf(laptop)
    const bob = await sets.open()
    await befriend(laptop, bob)
    const secretOf = async (): Promise<Uint8Array | undefined> => (await bob.friends.get(laptop.keyHex))?.pairSecret
    const before = await secretOf()
    const fromPi = await connectNodes(pi, bob)
    await fromPi.rpc.call('deviceRevoked', { revocations: [], pairSecret: new Uint8Array(32).fill(7), pairSecretSince: Date.now() - 30_000 })
    expect(await secretOf()).toEqual(before)
    // Nor by replaying a revocation the friend already knows.
    const old = generateSigningKeyPair().publicKey
    const known = revokeDevice(await signingOf(laptop), old, Date.now())
    await fromPi.rpc.call('deviceRevoked', { revocations: [known] })
    await fromPi.rpc.call('deviceRevoked', { revocations: [known], pairSecret: new Uint8Array(32).fill(8), pairSecretSince: Date.now() - 20_000 })
    expect(await secretOf()).toEqual(before)
    // A revocation new to the friend carries its secret, from any device.
    const fresh = revokeDevice(await signingOf(laptop), generateSigningKeyPair().publicKey, Date.now())
    await fromPi.rpc.call('deviceRevoked', { revocations: [fresh], pairSecret: new Uint8Array(32).fill(9), pairSecretSince: Date.now() - 10_000 })
    expect(await secretOf()).toEqual(new Uint8Array(32).fill(9))
    const fromLaptop = await connectNodes(laptop, bob)
    await fromLaptop.rpc.call('deviceRevoked', { revocations: [], pairSecret: new Uint8Array(32).fill(10), pairSecretSince: Date.now() })
    expect(await secretOf()).toEqual(new Uint8Array(32).fill(10))
  })
})
