// Making a friend fetch everything again. Incremental sync returns items
// whose updatedAt moved past the friend's cursor; but when a friend joins a
// group (or becomes a friend again) older items become visible to them
// without changing, so a cursor they already hold is past them. Bumping
// those items would show every other member which items share a group, so
// instead this friend alone gets a new epoch: a fresh clock stamp S.
//
// Every cursor handed to the friend is tagged with their epoch, and a cursor
// is trusted only if it carries the current one: it then came from a walk
// that started after the change and so already covered the older items.
// Any other cursor (from before the change, from another of their devices,
// an answer lost on the way) starts the listing over from the beginning;
// the client upserts by id, so the repeats are harmless.
//
// The tag is "0" + S appended to the cursor's item id. Item ids are base58,
// which has no "0", so the tag splits off unambiguously; the cursor keeps the
// protocol's format and stays opaque to the client. A forged tag only hides
// items from its forger.
import type { ItemCursor } from '../../shared/items'
import { clockTables, nextStamp } from './clock'
import type { NodeDatabase } from './db'

interface Epoch { stamp: number }

const TAG = '0'
const settingKey = (friendKey: string): string => `resync.${friendKey}`
const isEpoch = (v: unknown): v is Epoch =>
  typeof v === 'object' && v !== null && Number.isSafeInteger((v as Epoch).stamp)

/** The tables these functions touch: include them in the caller's transaction. */
export function resyncTables (db: NodeDatabase) {
  return [db.settings, ...clockTables(db)]
}

/** Starts a new epoch for this friend: cursors they hold now start over. */
export async function markResync (db: NodeDatabase, friendKey: string, now: () => number): Promise<void> {
  await db.putSetting(settingKey(friendKey), { stamp: await nextStamp(db, now) } satisfies Epoch)
}

export async function clearResync (db: NodeDatabase, friendKey: string): Promise<void> {
  await db.settings.delete(settingKey(friendKey))
}

export interface ListingStart {
  /** Where the listing really starts (untagged). */
  after: ItemCursor | undefined
  /** Append to every cursor handed out in this answer (null: none). */
  tag: string | null
}

/** Where this friend's listing starts, given the cursor they sent. */
export async function resyncStart (db: NodeDatabase, friendKey: string, sent: ItemCursor | undefined): Promise<ListingStart> {
  const { cursor, tag } = splitTag(sent)
  const epoch = await db.getSetting(settingKey(friendKey), isEpoch)
  // Friends from before epochs existed (or seeded ones) list as they ask.
  if (!epoch) return { after: cursor, tag: null }
  const current = TAG + epoch.stamp
  return { after: tag === current ? cursor : undefined, tag: current }
}

export function tagCursor (cursor: string, tag: string | null): string {
  return tag === null ? cursor : cursor + tag
}

function splitTag (sent: ItemCursor | undefined): { cursor: ItemCursor | undefined, tag: string | null } {
  const at = sent ? sent.id.indexOf(TAG) : -1
  if (!sent || at <= 0) return { cursor: sent, tag: null }
  return { cursor: { updatedAt: sent.updatedAt, id: sent.id.slice(0, at) }, tag: sent.id.slice(at) }
}
