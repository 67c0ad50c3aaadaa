// Saving the signed settings (see signed-settings.ts): apart, so the code
// that signs (the identity's grants) loads when a value is saved, not with
// the app's first screen.
import { grantSetting, type GrantedValue } from '../../shared/identity/grants'
import type { Identity } from '../../shared/identity/identity'
import type { NodeDatabase } from './db'
import { SIGNED_SETTINGS, type SignedSettingRow } from './signed-settings'

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
  for (const key of SIGNED_SETTINGS) {
    const row = await db.settings.get(key) as SignedSettingRow | undefined
    if (row && !row.grant && (typeof row.value === 'boolean' || row.value instanceof Uint8Array)) await putSignedSetting(db, key, row.value, signing, 0)
  }
}
