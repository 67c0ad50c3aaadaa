// The scale benchmark's data and timing: a node with many friends and items
// (written with bulkAdd, far faster than item by item) and the time each
// scoped page takes. Runs in the browser (bench harness) and in Node (unit test).
import { randomBytes } from '../../shared/crypto/crypto'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { decodeCursor, type Audience, type ItemCursor, type ItemType } from '../../shared/protocol/items'
import type { FileChunkRow, FriendRow, GroupRow, ItemRow, MembershipRow, NodeDatabase } from '../../node-tab/storage/db'
import { chunkRowsOf } from '../../node-tab/storage/file-chunks'
import { keyHex, newId } from '../../node-tab/storage/ids'
import type { ItemsStore } from '../../node-tab/storage/items-store'

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

/** Fills a NodeDatabase: friends, groups (each friend in one or two; the first
 *  friend always in the first group), and items for ~50% all friends, ~30%
 *  one or two groups, ~20% only me. */
export async function seedScale (db: NodeDatabase, opts: { friends: number, items: number, groups: number }): Promise<{ friendKeys: string[] }> {
  const random = seeded(0x4b495448)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const start = Date.now() - opts.items * 1000
  const friends: FriendRow[] = Array.from({ length: opts.friends }, (_, i) => {
    const publicKey = randomBytes(32)
    return { key: keyHex(publicKey), address: addressFromPublicKey(publicKey), displayName: `Friend ${i}`, addedAt: start }
  })
  const groups: GroupRow[] = Array.from({ length: opts.groups }, (_, i) => ({ id: newId(), name: `Group ${i}`, createdAt: start }))
  const memberships = new Map<string, MembershipRow>()
  if (groups.length > 0) {
    friends.forEach((f, i) => {
      const joined = [groups[i % groups.length]!, ...(random() < 0.3 ? [pick(groups)] : [])]
      for (const g of joined) memberships.set(`${g.id}:${f.key}`, { groupId: g.id, friendKey: f.key })
    })
  }

  await db.transaction('rw', [db.friends, db.groups, db.memberships], async () => {
    await db.friends.bulkAdd(friends)
    await db.groups.bulkAdd(groups)
    await db.memberships.bulkAdd([...memberships.values()])
  })

  for (let from = 0; from < opts.items; from += BATCH) {
    const items: ItemRow[] = []
    const chunks: FileChunkRow[] = []
    for (let i = from; i < Math.min(opts.items, from + BATCH); i++) {
      const r = random()
      const audience: Audience = r < 0.5 || groups.length === 0
        ? (r < 0.8 ? { kind: 'friends' } : { kind: 'me' })
        : r < 0.8 ? { kind: 'groups', groupIds: [...new Set([pick(groups).id, ...(random() < 0.3 ? [pick(groups).id] : [])])] } : { kind: 'me' }
      const type: ItemType = random() < 0.1 ? 'file' : random() < 0.5 ? 'note' : 'post'
      const text = Array.from({ length: 8 + Math.floor(random() * 40) }, () => pick(WORDS)).join(' ')
      const at = start + i * 1000 // distinct, increasing: the order items were written in
      const row: ItemRow = { id: newId(), type, text, createdAt: at, updatedAt: at, listedAt: at, audience }
      if (type === 'file') {
        const bytes = randomBytes(64)
        row.file = { name: `photo-${i}.jpg`, mime: 'image/jpeg', size: bytes.length }
        chunks.push(...chunkRowsOf(row.id, bytes))
      }
      items.push(row)
    }
    await db.transaction('rw', [db.items, db.fileChunks], async () => {
      await db.items.bulkAdd(items)
      await db.fileChunks.bulkAdd(chunks)
    })
  }
  return { friendKeys: friends.map((f) => f.key) }
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
