// The person's settings that decide how they can be reached: whether anyone
// with the address may (rendezvous.discoverable) and where their devices
// meet (devices.secret). Both sync to every device of the person, and a
// server device, which never holds the identity key, must not be able to
// choose them for the others (DESIGN §6a): a stolen Pi that synced
// `discoverable: true` made every full device sit in the address swarm and
// give strangers the person's name. So a full device signs each value with
// the identity key, with when it was set (shared/identity/grants.ts); sync
// takes only signed values (sync/grants-filter.ts), and of two, the later
// (sync/merge.ts): an old signed value sent again never wins.
import { grantSetting, type GrantedValue } from '../../shared/identity/grants'
import type { Identity } from '../../shared/identity/identity'
import { compareBytes } from '../../shared/util/bytes'
import type { NodeDatabase, SettingRow } from './db'

export const DISCOVERABLE_KEY = 'rendezvous.discoverable'
/** The devices' shared swarm secret (see deviceMeeting): made by the first
 *  device, handed to each device it links, replaced when one is revoked. */
export const DEVICES_SECRET_KEY = 'devices.secret'
const SIGNED = new Set([DISCOVERABLE_KEY, DEVICES_SECRET_KEY])

export function isSignedSetting (key: unknown): boolean {
  return typeof key === 'string' && SIGNED.has(key)
}

/** A settings row, with the identity's grant over its value when it is one
 *  of the signed settings. */
export interface SignedSettingRow extends SettingRow {
  /** When the value was set: a later one replaces it, whatever sync stamps say. */
  at?: number
  grant?: Uint8Array
}

/** Saves a signed setting, signed when this device holds the identity key
 *  (a server device's own value stays its own: sync never takes it). */
export async function putSignedSetting (db: NodeDatabase, key: string, value: GrantedValue, signing: Identity | null, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const previous = await db.settings.get(key) as SignedSettingRow | undefined
    const row: SignedSettingRow = { key, value }
    if (signing) {
      // Later than the value it replaces, whatever the clock did.
      row.at = Math.max(now, (previous?.at ?? -1) + 1)
      row.grant = grantSetting(signing, key, value, row.at)
    }
    await db.settings.put(row)
  })
}

/** On a full device: signs the values saved before they were signed, so the
 *  person's other devices take them. Dated 0, older than any choice signed
 *  since: a device that was away signing its stale value now would bring
 *  back, everywhere, a devices secret replaced after a revocation. */
export async function signUnsignedSettings (db: NodeDatabase, signing: Identity): Promise<void> {
  for (const key of SIGNED) {
    const row = await db.settings.get(key) as SignedSettingRow | undefined
    if (row && !row.grant && (typeof row.value === 'boolean' || row.value instanceof Uint8Array)) await putSignedSetting(db, key, row.value, signing, 0)
  }
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
