// The recovery record on the node (docs/security.md, "Recovery key and
// rotation"): the person's own, made once on a full device from R's public
// half (the words never reach the node), a signed setting that syncs to the
// person's devices; and each friend's, as this device took it from that
// friend: the first one their signing key signed, then only one their kept
// R signed (shared/identity/recovery-record.ts). A friend's record is this
// device's own (a setting that never syncs): each device takes it from the
// friend and checks it itself, so no device of mine can hand the others a
// recovery key for a friend.
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { encodeRecoveryRecord, makeRecoveryRecord, parseRecoveryRecord, takeRecoveryRecord, type RecoveryRecord } from '../../shared/identity/recovery-record'
import type { Identity } from '../../shared/identity/identity'
import type { NodeDatabase } from '../storage/db'
import { RECOVERY_RECORD_KEY } from '../storage/signed-settings'
import { putSignedSetting } from '../storage/signed-setting-writes'

export { RECOVERY_RECORD_KEY }
/** A friend's record, per friend, on this device only (not a person setting: see sync/tables.ts). */
export const FRIEND_RECORD_PREFIX = 'recovery.of.'

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

/** My recovery record as stored (bytes), or null when none was made yet. */
export async function ownRecoveryRecord (db: NodeDatabase): Promise<Uint8Array | null> {
  return await db.getSetting(RECOVERY_RECORD_KEY, isBytes) ?? null
}

/** When my recovery words were set up, or null. */
export async function recoveryRecordSince (db: NodeDatabase): Promise<number | null> {
  const bytes = await ownRecoveryRecord(db)
  if (!bytes) return null
  try {
    return parseRecoveryRecord(bytes).at
  } catch {
    return null
  }
}

/** Makes my recovery record from R's public half, once: signed by the
 *  identity key, so only a full device can. Words already set up are not
 *  replaced here (friends keep the first record they took). */
export async function setUpRecovery (db: NodeDatabase, signing: Identity | null, recoveryKey: Uint8Array, now = Date.now()): Promise<void> {
  if (!signing) throw new KithError('UNAUTHORIZED', 'Recovery words are set up on a full device (your laptop or phone), not on a server device.')
  if (await ownRecoveryRecord(db)) throw new KithError('BAD_REQUEST', 'Recovery words are already set up for you.')
  const record = makeRecoveryRecord(signing, signing.publicKey, recoveryKey, now)
  await putSignedSetting(db, RECOVERY_RECORD_KEY, encodeRecoveryRecord(record), signing, now)
}

/** The record this device keeps for a friend, or null. */
export async function friendRecoveryRecord (db: NodeDatabase, friendHex: string): Promise<RecoveryRecord | null> {
  const bytes = await db.getSetting(FRIEND_RECORD_PREFIX + friendHex, isBytes)
  if (!bytes) return null
  try {
    return parseRecoveryRecord(bytes)
  } catch {
    return null
  }
}

/** A friend offered their recovery record: taken by the rule above, or
 *  refused whole (a RecoveryRecordError). True when what is kept changed.
 *  Read, judged and written in one transaction: two sessions with the
 *  friend's devices at once must not each take a "first" record. */
export async function learnFriendRecoveryRecord (db: NodeDatabase, friendKey: Uint8Array, offered: unknown, now = Date.now()): Promise<boolean> {
  const friendHex = toHex(friendKey)
  return await db.transaction('rw', db.settings, async () => {
    const kept = await friendRecoveryRecord(db, friendHex)
    // Before any rotation the friend's signing key is their identity key.
    const next = takeRecoveryRecord(kept, offered, { identityKey: friendKey, signingKey: friendKey, now })
    if (next === kept) return false
    await db.putSetting(FRIEND_RECORD_PREFIX + friendHex, encodeRecoveryRecord(next))
    return true
  })
}
