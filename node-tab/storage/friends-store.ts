// Friends and the owner's private groups of them. Groups never leave this
// node: friends see only which items reach them. Any change that takes items
// away from a friend who received them (removal, leaving a group, a deleted
// group) revokes those deliveries in the same transaction.
import { bytesEqual, fromHex } from '../../shared/util/bytes'
import { isNewer, type DatedSecret } from './meeting-secret'
import type { SecretProof } from '../../shared/identity/meeting-secret-grants'
import { KithError } from '../../shared/wire/errors'
import { cleanDisplayName } from '../../shared/protocol/display-name'
import { isValidSigningPublicKey } from '../../shared/crypto/crypto'
import { addressFromPublicKey } from '../../shared/identity/identity'
import type { Audience } from '../../shared/protocol/items'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/display-name'
import type { FriendRow, GroupRow, ItemRow, NodeDatabase } from './db'
import { newId } from './ids'
import { clearResync, markResync, resyncTables } from './resync'
import { revokeInvisible, revokeTables, unionTables } from './revoke'

export const MAX_GROUP_NAME = 60
export type GroupWithMembers = GroupRow & { memberKeys: string[] }

const NO_SUCH_FRIEND = 'No such friend.'
const NO_SUCH_GROUP = 'No such group.'

/** When the friendship last removed here began (a device-local setting,
 *  never synced): a friends row that comes by sync from no later than that
 *  is the removed friendship sent back, and is not taken (sync/apply.ts). */
export const removedFriendSetting = (key: string): string => `friends.removed.${key}`

export class FriendsStore {
  /** Signs new friendships on a full device (see shared/identity/grants.ts);
   *  undefined where it may not sign now (node-tab/person/person-signer.ts). */
  grant: ((friendKeyHex: string, addedAt: number) => Uint8Array | undefined) | null = null
  /** Signs the meeting secrets a full device makes or takes, so my other
   *  devices take them (see shared/identity/meeting-secret-grants.ts). */
  proveSecret: ((friendKeyHex: string, secret: Uint8Array, since: number) => SecretProof | undefined) | null = null

  constructor (private readonly db: NodeDatabase, private readonly now: () => number = Date.now) {}

  /** Stores the identity's grant for a friendship made before grants existed. */
  async setGrant (key: string, grant: Uint8Array): Promise<void> {
    await this.db.friends.update(key, { grant })
  }

  /** Stores the secret that names our meeting swarms (the one computed
   *  from both identity keys, on a full device). */
  async setPairSecret (key: string, secret: Uint8Array): Promise<void> {
    const changes: Partial<FriendRow> = { pairSecret: secret }
    const proof = this.proveSecret?.(key, secret, 0)
    if (proof) changes.pairSecretProof = proof
    await this.db.friends.update(key, changes)
  }

  /** On a full device: signs the secrets stored before secrets were signed,
   *  so my other devices take them, and those `stale` says an older signing
   *  key of mine proved (after a rotation, my devices take only Sₙ's). */
  async proveUnproven (row: FriendRow, stale: (secret: Uint8Array, proof: SecretProof) => boolean = () => false): Promise<void> {
    if (!this.proveSecret) return
    const changes: Partial<FriendRow> = {}
    const again = (secret: Uint8Array, proof: SecretProof | undefined): boolean => !proof || stale(secret, proof)
    if (row.pairSecret && again(row.pairSecret, row.pairSecretProof)) changes.pairSecretProof = this.proveSecret(row.key, row.pairSecret, row.pairSecretSince ?? 0)
    if (row.nextPairSecret && again(row.nextPairSecret, row.nextPairSecretProof)) changes.nextPairSecretProof = this.proveSecret(row.key, row.nextPairSecret, row.nextPairSecretSince ?? 0)
    for (const field of ['pairSecretProof', 'nextPairSecretProof'] as const) if (field in changes && changes[field] === undefined) delete changes[field]
    if (Object.keys(changes).length > 0) await this.db.friends.update(row.key, changes)
  }

  /** A device of mine was revoked: every friend gets a new meeting secret,
   *  which the revoked device never learns. */
  async replaceAllPairSecrets (fresh: () => Uint8Array): Promise<void> {
    const db = this.db
    const since = this.now()
    await db.transaction('rw', db.friends, async () => {
      for (const row of await db.friends.toArray()) {
        const secret = fresh()
        await db.friends.update(row.key, { nextPairSecret: secret, nextPairSecretSince: since, nextPairSecretProof: this.proveSecret?.(row.key, secret, since) })
      }
    })
  }

  /** The friend replaced our meeting secret (one of their devices was
   *  revoked). Taken if it is newer than the one we meet with and than the
   *  one I may be replacing it with myself (see meeting-secret.ts). Kept
   *  with the friend's signature, else (on a full device) with mine. */
  async adoptPairSecret (key: string, theirs: DatedSecret): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.friends, async () => {
      const row = await db.friends.get(key)
      if (!row) return
      const current = row.pairSecret && { secret: row.pairSecret, since: row.pairSecretSince ?? 0 }
      const pending = row.nextPairSecret && { secret: row.nextPairSecret, since: row.nextPairSecretSince ?? 0 }
      if (!isNewer(theirs, current) || (pending && !isNewer(theirs, pending))) return
      const proof = theirs.proof ?? this.proveSecret?.(key, theirs.secret, theirs.since)
      // Mine, older, is dropped: theirs wins on both sides.
      await db.friends.update(key, {
        pairSecret: theirs.secret, pairSecretSince: theirs.since, pairSecretProof: proof,
        nextPairSecret: undefined, nextPairSecretSince: undefined, nextPairSecretProof: undefined
      })
    })
  }

  /** This friend was told of these revocations (and got `secret`, the next
   *  meeting secret, if one was sent): that secret now names our swarms. */
  async markRevocationsTold (key: string, deviceKeys: string[], secret?: Uint8Array): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.friends, async () => {
      const row = await db.friends.get(key)
      if (!row) return
      const told = [...new Set([...(row.toldRevocations ?? []), ...deviceKeys])]
      const changes: Partial<FriendRow> = { toldRevocations: told }
      // Only the secret that was sent: a newer one (another revocation
      // meanwhile, or the friend's own, adopted since) stays.
      if (secret && row.nextPairSecret && bytesEqual(row.nextPairSecret, secret)) {
        changes.pairSecret = secret
        changes.pairSecretSince = row.nextPairSecretSince ?? 0
        changes.pairSecretProof = row.nextPairSecretProof
        changes.nextPairSecret = undefined
        changes.nextPairSecretSince = undefined
        changes.nextPairSecretProof = undefined
      }
      await db.friends.update(key, changes)
    })
  }

  /** Adds a friend, or updates the name of one already there. */
  async add (friend: { key: string, address: string, displayName: string }): Promise<FriendRow> {
    if (!/^[0-9a-f]{64}$/.test(friend.key) || addressFromPublicKey(fromHex(friend.key)) !== friend.address) {
      throw new KithError('BAD_REQUEST', 'The friend’s address does not match their key.')
    }
    // A key that needs no secret (small order, mixed order) would make the
    // pair secret, and so the pair swarm and its offer key, computable by anyone.
    if (!isValidSigningPublicKey(fromHex(friend.key))) throw new KithError('BAD_REQUEST', 'This is not a valid identity key.')
    const displayName = cleanDisplayName(typeof friend.displayName === 'string' ? friend.displayName : '').slice(0, MAX_DISPLAY_NAME)
    const db = this.db
    return db.transaction('rw', unionTables([db.friends], resyncTables(db)), async () => {
      const existing = await db.friends.get(friend.key)
      if (existing) {
        if (existing.displayName !== displayName) await db.friends.update(friend.key, { displayName })
        return { ...existing, displayName }
      }
      // Later than the friendship removed before (see remove), whatever the clock did.
      const removed = await db.getSetting(removedFriendSetting(friend.key), (v): v is number => Number.isSafeInteger(v)) ?? -1
      const row: FriendRow = { key: friend.key, address: friend.address, displayName, addedAt: Math.max(this.now(), removed + 1) }
      const grant = this.grant?.(friend.key, row.addedAt)
      if (grant) row.grant = grant
      await db.friends.add(row)
      // Someone coming back after being removed may hold a cursor past items they can see again.
      await markResync(db, friend.key)
      return row
    })
  }

  async get (key: string): Promise<FriendRow | undefined> {
    return this.db.friends.get(key)
  }

  /** Oldest friendship first. */
  async list (): Promise<FriendRow[]> {
    return this.db.friends.orderBy('addedAt').toArray()
  }

  async isFriend (key: string): Promise<boolean> {
    return (await this.db.friends.get(key)) !== undefined
  }

  /** Ends a friendship: no more access from now on, and every item they
   *  received is to be deleted from their cache. */
  async remove (key: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', unionTables(revokeTables(db), resyncTables(db)), async () => {
      const row = await db.friends.get(key)
      if (!row) throw new KithError('NOT_FOUND', NO_SUCH_FRIEND)
      await db.friends.delete(key)
      await db.putSetting(removedFriendSetting(key), row.addedAt)
      await db.memberships.where('friendKey').equals(key).delete()
      await clearResync(db, key)
      await revokeInvisible(db, { friendKeys: [key], reason: 'friend-removed', at: this.now() })
    })
  }

  /** Groups by name, each with its members' keys. */
  async listGroups (): Promise<GroupWithMembers[]> {
    const [groups, memberships] = await Promise.all([this.db.groups.toArray(), this.db.memberships.toArray()])
    const members = new Map(groups.map((g) => [g.id, [] as string[]]))
    for (const m of memberships) members.get(m.groupId)?.push(m.friendKey)
    return groups
      .map((g) => ({ ...g, memberKeys: members.get(g.id)! }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.createdAt - b.createdAt)
  }

  async createGroup (name: string): Promise<GroupRow> {
    const db = this.db
    return db.transaction('rw', db.groups, async () => {
      const clean = await this.checkGroupName(name, null)
      const row: GroupRow = { id: newId(), name: clean, createdAt: this.now() }
      await db.groups.add(row)
      return row
    })
  }

  async renameGroup (id: string, name: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.groups, async () => {
      if (!await db.groups.get(id)) throw new KithError('NOT_FOUND', NO_SUCH_GROUP)
      await db.groups.update(id, { name: await this.checkGroupName(name, id) })
    })
  }

  /** Deletes a group. Items shared with it lose it from their audience (an
   *  item left with no group is for me only), and its former members lose
   *  what they can no longer see. */
  async deleteGroup (id: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', unionTables(revokeTables(db), [db.groups]), async () => {
      if (!await db.groups.get(id)) throw new KithError('NOT_FOUND', NO_SUCH_GROUP)
      const exMembers = (await db.memberships.where('groupId').equals(id).toArray()).map((m) => m.friendKey)
      await db.groups.delete(id)
      await db.memberships.where('groupId').equals(id).delete()
      // No index on audiences: deleting a group is rare, so a scan is fine.
      const named = await db.items.filter((item) => item.audience.kind === 'groups' && item.audience.groupIds.includes(id)).toArray()
      // updatedAt stays: friends never see audiences, so for those who still
      // see an item nothing changed, and bumping all of a group's items at
      // once would tell them which items shared it.
      await db.items.bulkPut(named.map((item): ItemRow => ({ ...item, audience: withoutGroup(item.audience, id) })))
      // Only the group's members can have lost anything.
      await revokeInvisible(db, { itemIds: named.map((item) => item.id), friendKeys: exMembers, reason: 'left-group', at: this.now() })
    })
  }

  /** Puts a friend into a group or takes them out; taking out revokes what they can no longer see. */
  async setMembership (groupId: string, friendKey: string, member: boolean): Promise<void> {
    const db = this.db
    await db.transaction('rw', unionTables(revokeTables(db), [db.groups], resyncTables(db)), async () => {
      const existing = await db.memberships.get([groupId, friendKey])
      if (member) {
        if (!await db.groups.get(groupId)) throw new KithError('NOT_FOUND', NO_SUCH_GROUP)
        if (!await db.friends.get(friendKey)) throw new KithError('NOT_FOUND', NO_SUCH_FRIEND)
        if (existing) return
        await db.memberships.add({ groupId, friendKey })
        // The group's older items are new to them but unchanged: their cursor is past them.
        await markResync(db, friendKey)
        return
      }
      if (!existing) return
      await db.memberships.delete([groupId, friendKey])
      await revokeInvisible(db, { friendKeys: [friendKey], reason: 'left-group', at: this.now() })
    })
  }

  /** A trimmed name of 1 to 60 characters that no other group has (ignoring case). */
  private async checkGroupName (name: string, selfId: string | null): Promise<string> {
    const clean = typeof name === 'string' ? name.replace(/\s+/g, ' ').trim() : ''
    if (clean === '') throw new KithError('BAD_REQUEST', 'A group needs a name.')
    if (clean.length > MAX_GROUP_NAME) throw new KithError('BAD_REQUEST', `A group name can be at most ${MAX_GROUP_NAME} characters.`)
    const lower = clean.toLowerCase()
    const clash = await this.db.groups.filter((g) => g.id !== selfId && g.name.toLowerCase() === lower).first()
    if (clash) throw new KithError('BAD_REQUEST', `There is already a group called “${clash.name}”.`)
    return clean
  }
}

function withoutGroup (audience: Audience, groupId: string): Audience {
  if (audience.kind !== 'groups') return audience
  const groupIds = audience.groupIds.filter((g) => g !== groupId)
  return groupIds.length > 0 ? { kind: 'groups', groupIds } : { kind: 'me' }
}
