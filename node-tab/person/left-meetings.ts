// Meeting secrets a friend moved me away from, still listened in for a while
// (docs/security.md, "If the thief acts first"). A friend's device that is
// revoked replaces our meeting secret and tells me the new one. If a thief
// holding the friend's old key did that (revoking the friend's phone first),
// the friend's own devices never learn the new secret: they keep looking for
// me where we met before, and only there can the phone the friend rotates
// from reach me to show me the rotation. So the swarm I left stays one I
// listen in (never dial), on this device only, for LEFT_MEETING_MS. Whoever
// dials me there is still checked in the handshake like anyone else; what it
// costs: the revoked device, which knew that secret, can tell I am online
// for that long.
import type { NodeDatabase } from '../storage/db'

export const LEFT_MEETING_PREFIX = 'meeting.left.'
/** How long a left swarm is listened in: the time a person has to notice a
 *  theft and rotate, for friends a thief told first to still be reached. */
export const LEFT_MEETING_MS = 30 * 24 * 60 * 60 * 1000

interface LeftMeeting { secret: Uint8Array, until: number }

const isLeftMeeting = (v: unknown): v is LeftMeeting =>
  typeof v === 'object' && v !== null && (v as LeftMeeting).secret instanceof Uint8Array &&
  (v as LeftMeeting).secret.length === 32 && Number.isSafeInteger((v as LeftMeeting).until)

/** The friend moved us from `secret` to another: listened in until the time is up. */
export async function rememberLeftMeeting (db: NodeDatabase, friendHex: string, secret: Uint8Array, now = Date.now()): Promise<void> {
  await db.putSetting(LEFT_MEETING_PREFIX + friendHex, { secret, until: now + LEFT_MEETING_MS })
}

/** The left swarms still listened in, by friend (hex). */
export async function leftMeetings (db: NodeDatabase, now = Date.now()): Promise<Map<string, Uint8Array>> {
  const left = new Map<string, Uint8Array>()
  for (const row of await db.settings.where('key').startsWith(LEFT_MEETING_PREFIX).toArray()) {
    if (isLeftMeeting(row.value) && row.value.until > now) left.set(row.key.slice(LEFT_MEETING_PREFIX.length), row.value.secret)
  }
  return left
}
