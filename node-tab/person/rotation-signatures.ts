// What the person signed, around a rotation (docs/security.md, "What Sₙ
// signs"): friendship and invite grants, the signed settings (where their
// devices meet, whether they are discoverable) and the meeting-secret
// proofs they made. After rotation n the person's devices that follow it
// take these through sync only as Sₙ signed them (sync/grants-filter.ts).
//
// - The device that rotated signs again, with Sₙ, everything it holds that
//   must stay current: a friendship, an invite or a setting signed before
//   was the person's then, and is still (the choice, written down: rather
//   than accepting what the old key signed before the rotation, which no
//   date can tell apart from what a thief signs with it after).
// - A device that follows a rotation of its own person drops the signature
//   from each stored setting an older key signed: a value taken before, a
//   thief's dated in the future among them, would otherwise still be the
//   later one and keep this device where only the thief meets it. It stays
//   this device's value until the first one Sₙ signed replaces it,
//   whatever the dates. The recovery record is left alone: R decides it,
//   never a signing key (sync/merge.ts: firstRecoveryRecord).
import { grantFriend, grantInvite, isSettingGranted } from '../../shared/identity/grants'
import { isMeetingSecretProven, proveMeetingSecret, type SecretProof } from '../../shared/identity/meeting-secret-grants'
import type { SigningKeyPair } from '../../shared/crypto/crypto'
import { bytesEqual, fromHex, toHex } from '../../shared/util/bytes'
import type { NodeDatabase } from '../storage/db'
import type { FriendRow } from '../storage/rows'
import { DISCOVERABLE_KEY, DEVICES_SECRET_KEY, type SignedSettingRow } from '../storage/signed-settings'

/** The signed settings a rotation moves to Sₙ. */
export const ROTATED_SETTINGS = [DISCOVERABLE_KEY, DEVICES_SECRET_KEY] as const

/** Each stored value of ROTATED_SETTINGS that `signingKey` (the Sₙ this
 *  device now follows) did not sign is kept unsigned: it wins no merge. */
export async function demoteUnsignedBy (db: NodeDatabase, signingKey: Uint8Array): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    for (const key of ROTATED_SETTINGS) {
      const row = await db.settings.get(key) as SignedSettingRow | undefined
      if (!row || row.grant === undefined || isSettingGranted(signingKey, key, row.value, row.at, row.grant)) continue
      await db.settings.put({ key, value: row.value })
    }
  })
}

/** On the device that just rotated: its signed settings (dated now), its
 *  friendships and invites, and the meeting secrets it proved with an
 *  older key (`olderKeys`), all signed again by `signer` (Sₙ). */
export async function signAgain (db: NodeDatabase, identityKey: Uint8Array, signer: SigningKeyPair, olderKeys: readonly Uint8Array[]): Promise<void> {
  const { putSignedSetting } = await import('../storage/signed-setting-writes')
  for (const key of ROTATED_SETTINGS) {
    const row = await db.settings.get(key) as SignedSettingRow | undefined
    if (row && (typeof row.value === 'boolean' || row.value instanceof Uint8Array)) await putSignedSetting(db, key, row.value, signer)
  }
  await db.transaction('rw', db.friends, db.invites, async () => {
    for (const row of await db.friends.toArray()) {
      const friend = fromHex(row.key)
      const mine = (secret: Uint8Array | undefined, proof: SecretProof | undefined): boolean =>
        secret !== undefined && proof !== undefined && olderKeys.some((key) => isMeetingSecretProven(identityKey, friend, secret, proof, key))
      const changes: Partial<FriendRow> = { grant: grantFriend(signer, row.key, row.addedAt) }
      if (mine(row.pairSecret, row.pairSecretProof)) changes.pairSecretProof = proveMeetingSecret(identityKey, signer, friend, row.pairSecret!, row.pairSecretProof!.since)
      if (mine(row.nextPairSecret, row.nextPairSecretProof)) changes.nextPairSecretProof = proveMeetingSecret(identityKey, signer, friend, row.nextPairSecret!, row.nextPairSecretProof!.since)
      await db.friends.update(row.key, changes)
    }
    for (const invite of await db.invites.toArray()) await db.invites.update(invite.id, { grant: grantInvite(signer, invite) })
  })
}

/** On following rotations of `maker` (me, or a friend) from `at` (the
 *  first new record's time): each meeting secret `maker` made that an
 *  older key of theirs (`olderKeys`) proved and dated after `at` is
 *  forgotten. Only a holder of an old key signs with it after a rotation,
 *  and a thief dating its secret ahead would otherwise stay the newer one
 *  for good (a friend refused the person's own next secret as older). A
 *  current one forgotten leaves the one both keys give (a full device
 *  computes it again), where the person finds the friend. */
export async function forgetSecretsDatedAfter (db: NodeDatabase, me: Uint8Array, maker: Uint8Array, olderKeys: readonly Uint8Array[], at: number): Promise<void> {
  const makerHex = toHex(maker)
  const mine = bytesEqual(maker, me)
  await db.transaction('rw', db.friends, async () => {
    const rows = mine ? await db.friends.toArray() : [await db.friends.get(makerHex)].filter((r): r is FriendRow => r !== undefined)
    for (const row of rows) {
      const other = mine ? fromHex(row.key) : me
      const voided = (secret: Uint8Array | undefined, proof: SecretProof | undefined): boolean =>
        secret !== undefined && proof !== undefined && proof.since > at && olderKeys.some((key) => isMeetingSecretProven(maker, other, secret, proof, key))
      const changes: Partial<FriendRow> = {}
      if (voided(row.pairSecret, row.pairSecretProof)) Object.assign(changes, { pairSecret: undefined, pairSecretSince: undefined, pairSecretProof: undefined })
      if (voided(row.nextPairSecret, row.nextPairSecretProof)) Object.assign(changes, { nextPairSecret: undefined, nextPairSecretSince: undefined, nextPairSecretProof: undefined })
      if (Object.keys(changes).length > 0) await db.friends.update(row.key, changes)
    }
  })
}
