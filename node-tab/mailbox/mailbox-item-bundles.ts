// What goes to relays when items change (mailbox.ts sends it): the bundles
// of the items each group of friends may see (friends who may see the same
// items share a bundle, mailbox-bundle-events.ts), with the bytes of their
// small files (mailbox-files.ts), and who is then owed which items.
import type { Event } from 'nostr-tools/pure'
import { canSee } from '../storage/access-policy'
import type { ItemRow, NodeDatabase } from '../storage/db'
import { toShared } from '../storage/friend-pages'
import { loadViewers } from '../storage/revoke'
import { fileBlob, hasAllChunks } from '../storage/file-chunks'
import { bundleEvents, type BundleFriend, type SentBundle } from './mailbox-bundle-events'
import { MAILBOX_FILE_MAX_BYTES, MAX_FILES_PER_READ } from './mailbox-files'

export interface ItemBundles {
  events: Event[]
  /** Each bundle made, kept for its withdrawal (mailbox-bundle-withdraw.ts). */
  sent: SentBundle[]
  /** [friend, item ids]: what each friend is now owed a delete notice for. */
  delivered: Array<[string, string[]]>
}

/** The bundles for these changed items; null when none of them goes by the
 *  mailbox (only for me, gone, or a file too large). */
export async function itemBundles ({ db, me, signingSecret, itemIds, secrets, now }: {
  db: NodeDatabase
  me: string
  signingSecret: Uint8Array
  itemIds: readonly string[]
  /** Every friend's current meeting secret, [key hex, secret]. */
  secrets: Array<[string, Uint8Array]>
  now: () => number
}): Promise<ItemBundles | null> {
  const candidates = (await db.items.bulkGet([...itemIds])).filter((row): row is ItemRow => row !== undefined && row.audience.kind !== 'me')
  // A small file's bytes travel with its item (mailbox-files.ts); a larger
  // one, and its item, wait for a live session as before.
  const files = await smallFiles(db, candidates)
  const rows = candidates.filter((row) => row.type !== 'file' || files.has(row.id))
  if (rows.length === 0) return null
  const viewers = await loadViewers(db, secrets.map(([key]) => key))
  // Friends who may see the same items share their bundles.
  const groups = new Map<string, { rows: ItemRow[], friends: BundleFriend[] }>()
  for (const [friend, secret] of secrets) {
    const viewer = viewers.get(friend)
    const visible = viewer?.isFriend ? rows.filter((row) => canSee(row.audience, viewer)) : []
    if (visible.length === 0) continue
    const same = visible.map((row) => row.id).join()
    const group = groups.get(same) ?? { rows: visible, friends: [] }
    group.friends.push({ key: friend, secret })
    groups.set(same, group)
  }
  const out: ItemBundles = { events: [], sent: [], delivered: [] }
  for (const { rows: visible, friends } of groups.values()) {
    const sent = bundleEvents(me, friends, signingSecret, visible.map(toShared), now(), files)
    if (sent.taken.length === 0) continue
    out.events.push(...sent.events)
    out.sent.push(...sent.sent)
    const ids = sent.taken.map((item) => (item as { id: string }).id)
    for (const friend of friends) out.delivered.push([friend.key, ids])
  }
  return out
}

/** The bytes of these rows' files that may travel through the mailbox (at
 *  most MAILBOX_FILE_MAX_BYTES each, all their pieces on this device), by
 *  item id: at most MAX_FILES_PER_READ of them, which bounds what one change
 *  holds in memory (a change is usually one item; more files wait for a live session). */
async function smallFiles (db: NodeDatabase, rows: readonly ItemRow[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  for (const row of rows) {
    if (out.size >= MAX_FILES_PER_READ) break
    if (row.type !== 'file' || !row.file || row.file.size < 1 || row.file.size > MAILBOX_FILE_MAX_BYTES) continue
    if (!await hasAllChunks(db, row.id, row.file.size)) continue
    const bytes = new Uint8Array(await (await fileBlob(db, row.id, row.file.mime)).arrayBuffer())
    if (bytes.length === row.file.size) out.set(row.id, bytes)
  }
  return out
}
