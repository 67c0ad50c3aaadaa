// Making a friend fetch everything again. Incremental listing returns items
// whose listing position moved past the friend's cursor; but when a friend
// joins a group (or becomes a friend again) older items become visible to
// them without changing, so a cursor they already hold is past them. Bumping
// those items would show every other member which items share a group, so
// instead this friend alone gets a new epoch: a fresh random number. Random,
// not a clock stamp: two devices changing the same friend's groups at the
// same moment must still make two different epochs (a stamp from each
// device's own clock can be the same number, and a cursor from the first
// epoch would then pass as one from the second).
//
// Every cursor handed to the friend carries their epoch, and its positions
// are trusted only if it is the current one: it then came from a walk that
// started after the change and so already covered the older items. Any
// other cursor (from before the change, an answer lost on the way) starts
// the listing over from the beginning; the client upserts by id, so the
// repeats are harmless. The epoch is a person-level setting, synced between
// owner devices, so all of them agree on it. A forged epoch or position only
// hides items from its forger.
import type { CursorPosition, ItemCursor } from '../../shared/protocol/items'
import { encodeCursor } from '../../shared/protocol/items'
import { randomBytes } from '../../shared/crypto/random'
import { clockTables } from './clock'
import type { NodeDatabase } from './db'

interface Epoch { stamp: number }

const settingKey = (friendKey: string): string => `resync.${friendKey}`
const isEpoch = (v: unknown): v is Epoch =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as Epoch).stamp)

/** The tables these functions touch: include them in the caller's transaction. */
export function resyncTables (db: NodeDatabase) {
  return [db.settings, ...clockTables(db)]
}

/** Starts a new epoch for this friend: cursors they hold now start over. */
export async function markResync (db: NodeDatabase, friendKey: string): Promise<void> {
  await db.putSetting(settingKey(friendKey), { stamp: randomEpoch() } satisfies Epoch)
}

/** A random whole number below 2^48: safe in JavaScript, never repeated in practice. */
function randomEpoch (): number {
  const bytes = randomBytes(6)
  return bytes.reduce((n, b) => n * 256 + b, 0) + 1
}

export async function clearResync (db: NodeDatabase, friendKey: string): Promise<void> {
  await db.settings.delete(settingKey(friendKey))
}

export interface ListingStart {
  /** Where the listing on this device really starts (undefined: the beginning). */
  after: { listedAt: number, id: string } | undefined
  /** The cursor to build on: the current epoch and the other devices' positions. */
  base: ItemCursor
  device: string
}

/** This friend's current epoch (null: none yet). */
export async function currentEpoch (db: NodeDatabase, friendKey: string): Promise<number | null> {
  return (await db.getSetting(settingKey(friendKey), isEpoch))?.stamp ?? null
}

/** Where this friend's listing on `device` starts, given the cursor they
 *  sent and their current epoch (currentEpoch). */
export function resyncStart (epoch: number | null, sent: ItemCursor | undefined, device: string): ListingStart {
  if (!sent || sent.epoch !== epoch) return { after: undefined, base: { epoch, positions: [] }, device }
  const mine = sent.positions.find((p) => p.device === device)
  return { after: mine && { listedAt: mine.listedAt, id: mine.id }, base: { epoch, positions: sent.positions.filter((p) => p !== mine) }, device }
}

/** The cursor after `last` on this device: its position first, the others carried through. */
export function cursorAfter (start: ListingStart, last: { listedAt: number, id: string }): string {
  const mine: CursorPosition = { device: start.device, listedAt: last.listedAt, id: last.id }
  return encodeCursor({ epoch: start.base.epoch, positions: [mine, ...start.base.positions] })
}
