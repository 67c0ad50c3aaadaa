// Telling friends that a device of mine was revoked (DESIGN §6a), queued
// like delete notices for friends who are offline, and sent before them.
// With the revocations goes the friend's next meeting secret: the revoked
// device knew the old one, so from the friend's answer on we meet in swarms
// it cannot name. Until then both swarms are listened in.
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import type { NodeSession } from '../connections/sessions'
import type { FriendRow } from '../storage/db'
import type { DevicesStore } from '../storage/devices-store'
import type { FriendsStore } from '../storage/friends-store'
import type { FriendQueue } from '../notices/notice-sender'

export class RevocationQueue implements FriendQueue {
  /** @param secretAlone whether this device may send a new meeting secret
   *  without a revocation (a full device): friends take one from a server
   *  device only with a revocation new to them (devices/friend-revocations.ts). */
  constructor (private readonly friends: FriendsStore, private readonly devices: DevicesStore, private readonly secretAlone = true) {}

  private async owed (row: FriendRow): Promise<{ revocations: unknown[], keys: string[], secret?: Uint8Array, since: number, signature?: Uint8Array }> {
    const told = new Set(row.toldRevocations ?? [])
    const revocations = (await this.devices.revocations()).filter((r) => !told.has(toHex(r.deviceKey)))
    const secret = revocations.length > 0 || this.secretAlone ? row.nextPairSecret : undefined
    // With my identity's signature, the friend's other devices take it too;
    // it covers the time it was made, which goes as it was signed.
    const proof = row.nextPairSecretProof
    return { revocations, keys: revocations.map((r) => toHex(r.deviceKey)), secret, since: proof?.since ?? row.nextPairSecretSince ?? 0, signature: proof?.signature }
  }

  async friendsWithPending (): Promise<string[]> {
    const out: string[] = []
    for (const row of await this.friends.list()) if (await this.hasPendingRow(row)) out.push(row.key)
    return out
  }

  async hasPending (friendKey: string): Promise<boolean> {
    const row = await this.friends.get(friendKey)
    return row !== undefined && await this.hasPendingRow(row)
  }

  private async hasPendingRow (row: FriendRow): Promise<boolean> {
    const owed = await this.owed(row)
    return owed.keys.length > 0 || owed.secret !== undefined
  }

  async deliver (friendKey: string, session: NodeSession, signal: AbortSignal): Promise<void> {
    const row = await this.friends.get(friendKey)
    if (!row) return
    const owed = await this.owed(row)
    if (owed.keys.length === 0 && !owed.secret) return
    const answer = await session.rpc.call('deviceRevoked', {
      revocations: owed.revocations.slice(0, 64),
      ...(owed.secret ? { pairSecret: owed.secret, pairSecretSince: owed.since, ...(owed.signature ? { pairSecretSignature: owed.signature } : {}) } : {})
    }, { signal })
    if ((answer as { ok?: unknown } | null)?.ok !== true) throw new KithError('BAD_REQUEST', 'the friend did not confirm the revocation')
    await this.friends.markRevocationsTold(friendKey, owed.keys.slice(0, 64), owed.secret)
  }
}
