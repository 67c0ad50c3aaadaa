// This device learns that it was revoked (DESIGN §6a): the full device that
// revoked it tells it over their open session before closing it, with the
// revocation the identity signed. It then stops serving for good: a reload
// (or the headless runner restarting Chromium) finds its own device revoked
// and says so, by whom and when, instead of serving again. A device that
// was offline at the time is not told here: its friends refuse it, and it
// can no longer meet my devices (their secret was replaced).
import { toHex } from '../../shared/util/bytes'
import { checkDeviceRevocation } from '../../shared/identity/device-certificate'
import { revokedUnder, type HeldRotations } from '../../shared/identity/rotation-record'
import type { DeviceRevokedParams } from '../../shared/protocol/protocol'
import type { NodeDatabase } from '../storage/db'
import type { DevicesStore } from '../storage/devices-store'

/** Device-local (not synced): who told this device it was revoked, and when. */
export const REVOKED_BY_KEY = 'device.revokedBy'

export interface RevokedBy {
  /** The name of the device that told it (its certificate's); null: not known. */
  by: string | null
  /** When it was revoked (the revocation's time, ms). */
  at: number
}

const isRevokedBy = (v: unknown): v is RevokedBy => typeof v === 'object' && v !== null &&
  (typeof (v as RevokedBy).by === 'string' || (v as RevokedBy).by === null) && Number.isSafeInteger((v as RevokedBy).at)

export interface RevokedHereDeps {
  identityKey: Uint8Array
  deviceHex: string
  db: NodeDatabase
  devices: Pick<DevicesStore, 'revoke' | 'list'>
  /** My rotations as this device follows them: after one, a revocation
   *  counts if Sₙ signed it, or if a rotation revoked the device too. */
  rotations?: HeldRotations | null
}

/** Stops the node for good; the page shows its message as it is. */
export class DeviceRevokedError extends Error {
  override readonly name = 'DeviceRevokedError'
}

/** "revoked by Laptop on 2026-12-06": the date without a time zone to mistake. */
export function revokedWords (note: RevokedBy): string {
  const day = new Date(note.at).toISOString().slice(0, 10)
  return `This device was revoked ${note.by ? `by ${note.by} ` : ''}on ${day}; it no longer serves your friends or syncs. To use it again, clear this browser’s data for Kith and link it anew.`
}

/** Another of my devices says some devices were revoked. Each revocation
 *  must be signed by my identity (a forged one refuses the whole message);
 *  returns what to say if this device is among them, else null (the others
 *  come by sync). */
export async function learnOwnRevocation (deps: RevokedHereDeps, told: DeviceRevokedParams, by: string | null, now = Date.now()): Promise<RevokedBy | null> {
  const held = deps.rotations
  const revokedByRotations = held && held.keys.n > 0 ? revokedUnder(held.keys, [], held.records) : null
  const revocations = told.revocations.flatMap((r) => {
    if (!held || !revokedByRotations) return [checkDeviceRevocation(r, deps.identityKey)]
    try {
      return [checkDeviceRevocation(r, deps.identityKey, held.keys.signingKey)]
    } catch {
      // The old key's (a thief's): only for what the rotations revoked too.
      const old = checkDeviceRevocation(r, deps.identityKey)
      return revokedByRotations.has(toHex(old.deviceKey)) ? [old] : []
    }
  })
  const mine = revocations.find((r) => toHex(r.deviceKey) === deps.deviceHex)
  if (!mine) return null
  await deps.devices.revoke(mine)
  // A time from the future (a wrong clock) is shown as now.
  const note: RevokedBy = { by: by?.slice(0, 64) ?? null, at: Math.min(mine.revokedAt, now) }
  await deps.db.putSetting(REVOKED_BY_KEY, note)
  return note
}

/** Before opening the node: told earlier that this device was revoked.
 *  Written only after the revocation's check, so read as it is (no
 *  cryptography code needed), and the page says so before anything starts. */
export async function toldRevokedBefore (db: NodeDatabase): Promise<DeviceRevokedError | null> {
  const note = await db.getSetting(REVOKED_BY_KEY, isRevokedBy)
  return note ? new DeviceRevokedError(revokedWords(note)) : null
}

/** At start: the words for a device revoked earlier, or null if it is not. */
export async function revokedBefore (deps: RevokedHereDeps): Promise<DeviceRevokedError | null> {
  const mine = (await deps.devices.list()).find((d) => d.key === deps.deviceHex)
  if (!mine?.revocation) return null
  const note = await deps.db.getSetting(REVOKED_BY_KEY, isRevokedBy)
  return new DeviceRevokedError(revokedWords(note ?? { by: null, at: mine.revocation.revokedAt }))
}
