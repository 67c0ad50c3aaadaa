// Where my devices met before their secret was replaced, still listened in
// for a while (docs/security.md, "If the thief acts first"). A revocation
// replaces the devices secret. If a thief holding the old key revoked my
// phone, my server device takes the thief's new secret through sync and the
// phone never learns it: the two could never meet again, and the server
// would never see the rotation the phone makes with the recovery words. So
// every device keeps listening (on this device only, never synced) in the
// swarm it left, for LEFT_MEETING_MS; and a device that rotated dials there
// too, the devices it has not met since it left it (they may never have
// learnt its newer secret either). Whoever reaches a device there is
// checked in the handshake like anyone else: a revoked device the rotation
// did not keep is refused. What it costs: a revoked device, which knew the
// old secret, can tell for that long that my devices are online (and, while
// a rotated device dials there, see its offers), as with friends in
// person/left-meetings.ts.
import { bytesEqual } from '../../shared/util/bytes'
import { LEFT_MEETING_MS } from '../person/left-meetings'
import type { NodeDatabase } from '../storage/db'
import type { Transport } from '../../shared/wire/transport'

/** Device-local: not a person setting, so sync never carries it (sync/tables.ts). */
export const LEFT_DEVICES_SECRETS_KEY = 'meeting.left-devices'
/** A thief revoking again and again must not make me sit in ever more
 *  swarms; nor push out the one my honest devices still know, which is the
 *  oldest (left before the thief's first move): so the oldest are kept, and
 *  a newer one waits for room (one expires after LEFT_MEETING_MS). */
const MAX_LEFT = 4

export interface LeftDevicesSecret { secret: Uint8Array, since: number, until: number }

const isLeftList = (v: unknown): v is LeftDevicesSecret[] => Array.isArray(v) && v.every((e) =>
  typeof e === 'object' && e !== null && (e as LeftDevicesSecret).secret instanceof Uint8Array &&
  (e as LeftDevicesSecret).secret.length === 32 && Number.isSafeInteger((e as LeftDevicesSecret).since) &&
  Number.isSafeInteger((e as LeftDevicesSecret).until))

/** The devices secret this device held until now, replaced by `next`. */
export async function rememberLeftDevicesSecret (db: NodeDatabase, left: Uint8Array | null, next: Uint8Array, now = Date.now()): Promise<void> {
  if (!left || bytesEqual(left, next)) return
  const kept = (await leftDevicesSecrets(db, now)).filter((e) => !bytesEqual(e.secret, left) && !bytesEqual(e.secret, next))
  if (kept.length >= MAX_LEFT) return
  await db.putSetting(LEFT_DEVICES_SECRETS_KEY, [...kept, { secret: left, since: now, until: now + LEFT_MEETING_MS }])
}

/** The left devices secrets still listened in, the oldest first. */
export async function leftDevicesSecrets (db: NodeDatabase, now = Date.now()): Promise<LeftDevicesSecret[]> {
  const list = await db.getSetting(LEFT_DEVICES_SECRETS_KEY, isLeftList) ?? []
  return list.filter((e) => e.until > now)
}

/** Where to dial one of my devices: the current secret; then, if this device
 *  rotated, each secret it left after it last met that device. */
export function secretsToDial (current: Uint8Array | null, left: readonly LeftDevicesSecret[], lastSeen: number | null, rotated: boolean): Uint8Array[] {
  const secrets = current ? [current] : []
  if (!rotated) return secrets
  for (const e of left) if (e.since > (lastSeen ?? 0) && !secrets.some((s) => bytesEqual(s, e.secret))) secrets.push(e.secret)
  return secrets
}

/** Dials each way at once; the first transport wins, the others are given
 *  up (and closed, should one arrive late). The winner's signal is left
 *  alone: a dial may watch it until its transport is fully open. */
export async function firstDialled (ways: ReadonlyArray<(signal: AbortSignal) => Promise<Transport>>, signal: AbortSignal): Promise<Transport> {
  if (ways.length === 1) return ways[0]!(signal)
  const controllers = ways.map(() => new AbortController())
  const stop = (): void => { for (const c of controllers) c.abort() }
  signal.addEventListener('abort', stop, { once: true })
  let won: Transport | null = null
  try {
    return await Promise.any(ways.map(async (way, i) => {
      const transport = await way(controllers[i]!.signal)
      if (won) { transport.close('found another way'); throw new Error('found another way') }
      won = transport
      controllers.forEach((c, j) => { if (j !== i) c.abort() })
      return transport
    }))
  } catch (err) {
    throw err instanceof AggregateError ? err.errors[0] : err
  } finally {
    signal.removeEventListener('abort', stop)
  }
}
