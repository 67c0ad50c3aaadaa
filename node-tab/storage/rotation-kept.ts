// Which of my devices my latest rotation kept (docs/security.md, "Recovery
// key and rotation"), as this device followed it: device-local, written by
// person/rotations.ts only after the rotation checked against my recovery
// key, never synced. A revocation the old signing key signed (a thief
// revoking my phone before I rotated) no longer counts for a device the
// rotation kept: my devices list it, sync with it and dial it again.
import type { NodeDatabase } from './db'

export const ROTATION_KEPT_KEY = 'rotation.kept'

const isHexList = (v: unknown): v is string[] => Array.isArray(v) && v.every((k) => typeof k === 'string')

/** The device keys (hex) my latest rotation kept; empty before any. */
export async function keptByRotation (db: NodeDatabase): Promise<Set<string>> {
  return new Set(await db.getSetting(ROTATION_KEPT_KEY, isHexList) ?? [])
}
