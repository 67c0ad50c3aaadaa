// The person's settings that decide how they can be reached: whether anyone
// with the address may (rendezvous.discoverable) and where their devices
// meet (devices.secret). Both sync to every device of the person, and a
// server device, which never holds the identity key, must not be able to
// choose them for the others (DESIGN §6a): a stolen Pi that synced
// `discoverable: true` made every full device sit in the address swarm and
// give strangers the person's name. So a full device signs each value with
// the identity key, with when it was set (shared/identity/grants.ts); sync
// takes only signed values (sync/grants-filter.ts), and of two, the later
// (sync/merge.ts): an old signed value sent again never wins. Saving one
// (signing it) is in signed-setting-writes.ts, loaded when a value is saved.
import { compareBytes } from '../../shared/util/bytes'
import type { NodeDatabase, SettingRow } from './db'

export const DISCOVERABLE_KEY = 'rendezvous.discoverable'
/** The devices' shared swarm secret (see deviceMeeting): made by the first
 *  device, handed to each device it links, replaced when one is revoked. */
export const DEVICES_SECRET_KEY = 'devices.secret'
/** My recovery record's bytes (node-tab/person/recovery.ts): it is signed
 *  itself, and signed as a setting too, so it syncs by the same rules. */
export const RECOVERY_RECORD_KEY = 'recovery.record'
export const SIGNED_SETTINGS = new Set([DISCOVERABLE_KEY, DEVICES_SECRET_KEY, RECOVERY_RECORD_KEY])

export function isSignedSetting (key: unknown): boolean {
  return typeof key === 'string' && SIGNED_SETTINGS.has(key)
}

/** A settings row, with the identity's grant over its value when it is one
 *  of the signed settings. */
export interface SignedSettingRow extends SettingRow {
  /** When the value was set: a later one replaces it, whatever sync stamps say. */
  at?: number
  grant?: Uint8Array
}

/** Whether any signed setting was saved before values were signed (a
 *  full device then signs it: signed-setting-writes.ts). */
export async function hasUnsignedSettings (db: NodeDatabase): Promise<boolean> {
  for (const key of SIGNED_SETTINGS) {
    const row = await db.settings.get(key) as SignedSettingRow | undefined
    if (row && !row.grant) return true
  }
  return false
}

/** Which of two values of a signed setting to keep (both checked, or our
 *  own): the one set later; an unsigned one (saved before values were
 *  signed, or a server device's own) loses to any signed one. Neither is
 *  ever deleted. Ties go by the grant's bytes, so every device keeps the same. */
export function laterSetting<T extends Partial<SignedSettingRow>> (ours: T | undefined, theirs: T | undefined, theirsWins: boolean): T | undefined {
  if (!ours || !theirs) return ours ?? theirs
  const rank = (row: T): number => row.grant instanceof Uint8Array && typeof row.at === 'number' ? row.at : -1
  if (rank(ours) !== rank(theirs)) return rank(theirs) > rank(ours) ? theirs : ours
  if (ours.grant instanceof Uint8Array && theirs.grant instanceof Uint8Array) return compareBytes(theirs.grant, ours.grant) < 0 ? theirs : ours
  return theirsWins ? theirs : ours
}
