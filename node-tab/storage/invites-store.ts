// Invites: single-use secrets the owner hands out of band. Whoever presents
// a pending, unexpired token over an authenticated session becomes a friend.
import { bytesEqual, utf8 } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import type { GrantedInvite } from '../../shared/identity/grants'
import { addressFromPublicKey } from '../../shared/identity/identity'
import type { Profile } from '../../shared/protocol/protocol'
import type { InviteRow, NodeDatabase } from './db'
import type { FriendsStore } from './friends-store'
import { keyHex, newId } from './ids'
import { resyncTables } from './resync'
import { unionTables } from './revoke'

export const MAX_INVITE_LABEL = 80

export class InvitesStore {
  /** Signs new invites on a full device (see shared/identity/grants.ts). */
  grant: ((invite: GrantedInvite) => Uint8Array | undefined) | null = null

  constructor (private readonly db: NodeDatabase, private readonly friends: FriendsStore, private readonly now: () => number = Date.now) {}

  async create (opts: { label: string, expiresInMs: number | null }): Promise<InviteRow> {
    const label = typeof opts.label === 'string' ? opts.label.replace(/\s+/g, ' ').trim() : ''
    if (label.length > MAX_INVITE_LABEL) throw new KithError('BAD_REQUEST', `A label can be at most ${MAX_INVITE_LABEL} characters.`)
    const { expiresInMs } = opts
    if (expiresInMs !== null && (!Number.isSafeInteger(expiresInMs) || expiresInMs <= 0)) {
      throw new KithError('BAD_REQUEST', 'An invite expires after some time in the future, or never.')
    }
    const createdAt = this.now()
    const row: InviteRow = {
      id: newId(),
      token: newId(),
      label,
      createdAt,
      expiresAt: expiresInMs === null ? null : createdAt + expiresInMs,
      status: 'pending'
    }
    const grant = this.grant?.(row)
    if (grant) row.grant = grant
    await this.db.invites.add(row)
    return row
  }

  /** Stores the identity's grant for an invite made before grants existed. */
  async setGrant (id: string, grant: Uint8Array): Promise<void> {
    await this.db.invites.update(id, { grant })
  }

  /** Newest first. */
  async list (): Promise<InviteRow[]> {
    return this.db.invites.orderBy('createdAt').reverse().toArray()
  }

  /** Withdraws a pending invite: its link stops working. */
  async revoke (id: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', db.invites, async () => {
      const row = await db.invites.get(id)
      if (!row) throw new KithError('NOT_FOUND', 'No such invite.')
      if (row.status === 'used') throw new KithError('BAD_REQUEST', 'This invite has already been used.')
      if (row.status === 'revoked') throw new KithError('BAD_REQUEST', 'This invite was already withdrawn.')
      await db.invites.update(id, { status: 'revoked' })
    })
  }

  /** The person behind remoteKey (proven by the session handshake) presents
   *  a token; a valid one makes them a friend and is used up. */
  async redeem (token: string, profile: Profile, remoteKey: Uint8Array): Promise<void> {
    let address: string
    try {
      address = addressFromPublicKey(remoteKey)
    } catch {
      throw new KithError('BAD_REQUEST', 'The key that connected is not a valid key.')
    }
    if (profile.address !== address) throw new KithError('BAD_REQUEST', 'The address you gave is not the one you connected with.')
    const key = keyHex(remoteKey)
    const db = this.db
    await db.transaction('rw', unionTables([db.invites, db.friends], resyncTables(db)), async () => {
      const invite = findByToken(await db.invites.toArray(), token)
      if (!invite) throw new KithError('UNAUTHORIZED', 'This invite is not valid.')
      // Already friends (e.g. the answer to their first try was lost): nothing to use up.
      if (await this.friends.isFriend(key)) return
      if (invite.status === 'used') throw new KithError('UNAUTHORIZED', 'This invite has already been used.')
      if (invite.status === 'revoked') throw new KithError('UNAUTHORIZED', 'This invite was withdrawn.')
      const now = this.now()
      if (invite.expiresAt !== null && now >= invite.expiresAt) throw new KithError('UNAUTHORIZED', 'This invite has expired.')
      await db.invites.update(invite.id, { status: 'used', usedBy: key, usedAt: now })
      await this.friends.add({ key, address, displayName: profile.displayName })
    })
  }
}

/** Compares the token with every invite's, without stopping at a match, so
 *  the time taken says nothing about how close a guess came. */
function findByToken (rows: InviteRow[], token: string): InviteRow | undefined {
  const wanted = utf8(token)
  let found: InviteRow | undefined
  for (const row of rows) {
    if (bytesEqual(utf8(row.token), wanted)) found = row
  }
  return found
}
