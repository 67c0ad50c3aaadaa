// The scale benchmark's data and timing: a node with many friends and items
// (items written straight into IndexedDB, far faster than item by item) and the time each
// scoped page takes. Runs in the browser (bench harness) and in Node (unit test).
import { randomBytes } from '../../shared/crypto/crypto'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { decodeCursor, type Audience, type ItemCursor, type ItemType } from '../../shared/protocol/items'
import type { FileChunkRow, FriendRow, GroupRow, ItemRow, MembershipRow, NodeDatabase } from '../../node-tab/storage/db'
import { chunkRowsOf } from '../../node-tab/storage/file-chunks'
import { keyHex, newId, newItemId } from '../../node-tab/storage/ids'
import type { ItemsStore } from '../../node-tab/storage/items-store'
import { seenByOf } from '../../node-tab/storage/visibility-index'

const BATCH = 5000
const WORDS = ['garden', 'bread', 'train', 'river', 'photo', 'birthday', 'rain', 'soup', 'bike', 'letter', 'concert', 'walk']

/** A small seeded generator, so every run seeds the same mix. */
function seeded (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed's audiences: one item in a hundred, evenly spread, for all
 *  friends; of the rest ~20% only me and ~80% one or two of the groups. */
function audienceOf (i: number, random: () => number, groups: readonly GroupRow[]): Audience {
  if (i % 100 === 50 || groups.length === 0) return { kind: 'friends' }
  if (random() < 0.2) return { kind: 'me' }
  const pick = (): string => groups[Math.floor(random() * groups.length)]!.id
  return { kind: 'groups', groupIds: [...new Set([pick(), ...(random() < 0.3 ? [pick()] : [])])] }
}

/** Items from..to-1 as the seed writes them: 8–47 words, files with one
 *  small piece each; `full` false (the growth): notes and posts of 1–3
 *  words, a fifth of the bytes to write. Item i is listed at start + i seconds. */
function itemBatch (from: number, to: number, start: number, random: () => number, groups: readonly GroupRow[], full: boolean): { items: ItemRow[], chunks: FileChunkRow[] } {
  const items: ItemRow[] = []
  const chunks: FileChunkRow[] = []
  for (let i = from; i < to; i++) {
    const audience = audienceOf(i, random, groups)
    const type: ItemType = full && random() < 0.1 ? 'file' : random() < 0.5 ? 'note' : 'post'
    const text = Array.from({ length: full ? 8 + Math.floor(random() * 40) : 1 + Math.floor(random() * 3) }, () => WORDS[Math.floor(random() * WORDS.length)]!).join(' ')
    const at = start + i * 1000 // distinct, increasing: the order items were written in
    const row: ItemRow = { id: newItemId(at), type, text, createdAt: at, updatedAt: at, listedAt: at, audience }
    if (type === 'file') {
      const bytes = randomBytes(64)
      row.file = { name: `photo-${i}.jpg`, mime: 'image/jpeg', size: bytes.length }
      chunks.push(...chunkRowsOf(row.id, bytes))
    }
    items.push(row)
  }
  return { items, chunks }
}

export interface ScaleSeed {
  /** Every friend; the first is in half the groups and sees about 45% of the items. */
  friendKeys: string[]
  /** A friend in no group: sees only the items for all friends, 1% of them. */
  sparseFriendKey: string
  /** A friend in exactly the first friend's groups: sees the same items,
   *  none of them delivered yet (a first walk, not a walk over pages the
   *  first friend was already given). */
  twinFriendKey: string
  groups: GroupRow[]
  /** Where items were first listed: extendScale continues from there. */
  start: number
}

/** Fills a NodeDatabase: friends, groups (each friend in one or two, the
 *  first friend in half of them and the second in the same ones, the last in
 *  none) through Dexie, and items
 *  (see audienceOf) straight into IndexedDB (putStraight). */
export async function seedScale (db: NodeDatabase, opts: { friends: number, items: number, groups: number }): Promise<ScaleSeed> {
  if (opts.friends < 3) throw new Error('The scale seed needs at least 3 friends: the first, its twin and the one in no group.')
  const random = seeded(0x4b495448)
  const start = Date.now() - 10 * opts.items * 1000
  const friends: FriendRow[] = Array.from({ length: opts.friends }, (_, i) => {
    const publicKey = randomBytes(32)
    return { key: keyHex(publicKey), address: addressFromPublicKey(publicKey), displayName: `Friend ${i}`, addedAt: start }
  })
  const groups: GroupRow[] = Array.from({ length: opts.groups }, (_, i) => ({ id: newId(), name: `Group ${i}`, createdAt: start }))
  const memberships = new Map<string, MembershipRow>()
  const join = (g: GroupRow, f: FriendRow): void => { memberships.set(`${g.id}:${f.key}`, { groupId: g.id, friendKey: f.key }) }
  if (groups.length > 0) {
    friends.slice(0, -1).forEach((f, i) => {
      join(groups[i % groups.length]!, f)
      if (random() < 0.3) join(groups[Math.floor(random() * groups.length)]!, f)
    })
    for (const g of groups.slice(0, Math.ceil(groups.length / 2))) join(g, friends[0]!)
    // The second friend becomes the first's twin (after the draws above, so
    // the items' audiences stay the seed's).
    for (const [key, m] of memberships) if (m.friendKey === friends[1]!.key) memberships.delete(key)
    for (const m of [...memberships.values()]) if (m.friendKey === friends[0]!.key) join(groups.find((g) => g.id === m.groupId)!, friends[1]!)
  }

  await db.transaction('rw', [db.friends, db.groups, db.memberships], async () => {
    await db.friends.bulkAdd(friends)
    await db.groups.bulkAdd(groups)
    await db.memberships.bulkAdd([...memberships.values()])
  })

  await writeBatches(opts.items, 0, (from, to) => itemBatch(from, to, start, random, groups, true), db)
  return { friendKeys: friends.map((f) => f.key), sparseFriendKey: friends.at(-1)!.key, twinFriendKey: friends[1]!.key, groups, start }
}

/** Adds items from..to-1 (same audience mix, short notes and posts) straight to
 *  IndexedDB: a million rows through Dexie and the change log would take
 *  minutes, and neither changes what a friend's page reads. Their visibility
 *  index entries are written as the middleware writes them. */
export async function extendScale (db: NodeDatabase, seed: ScaleSeed, from: number, to: number): Promise<void> {
  const random = seeded(from)
  await writeBatches(to, from, (at, end) => itemBatch(at, end, seed.start, random, seed.groups, false), db)
}

/** Items from..to-1 in batches of BATCH, each made while the one before is
 *  being written: the browser's storage process writes one transaction
 *  while the page makes the next, instead of each waiting for the other. */
async function writeBatches (to: number, from: number, make: (from: number, to: number) => { items: ItemRow[], chunks: FileChunkRow[] }, db: NodeDatabase): Promise<void> {
  let writing: Promise<void> = Promise.resolve()
  for (let at = from; at < to; at += BATCH) {
    const { items, chunks } = make(at, Math.min(to, at + BATCH))
    await writing
    writing = putStraight(db, items, chunks)
  }
  await writing
}

/** Writes items (with their visibility index entries, as the middleware
 *  would) and file pieces straight to IndexedDB in one transaction, relaxed
 *  durability, no change-log entries: through Dexie and the log, 100,000
 *  items took 130–200 s on a busy machine, and the log is not what a page reads. */
async function putStraight (db: NodeDatabase, items: readonly ItemRow[], chunks: readonly FileChunkRow[]): Promise<void> {
  const idb = db.backendDB()
  await new Promise<void>((resolve, reject) => {
    const tx = idb.transaction(['items', 'fileChunks'], 'readwrite', { durability: 'relaxed' })
    const itemStore = tx.objectStore('items')
    for (const item of items) itemStore.add({ ...item, seenBy: seenByOf(item) })
    const chunkStore = tx.objectStore('fileChunks')
    for (const chunk of chunks) chunkStore.add(chunk)
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('aborted'))
  })
}

/** Milliseconds per listVisible call (pages of 50), walking forward with the
 *  cursor and starting over at the beginning when the walk is done. */
export async function timeScopedPages (items: ItemsStore, friendKey: string, pages: number): Promise<number[]> {
  const times: number[] = []
  let after: ItemCursor | undefined
  for (let i = 0; i < pages; i++) {
    const started = performance.now()
    const page = await items.listVisible(friendKey, { limit: 50, after })
    times.push(performance.now() - started)
    after = page.done || page.cursor === null ? undefined : decodeCursor(page.cursor)
  }
  return times
}
