// What several harness entry points do for the person on their page: open a
// node and the client over it, befriend an owner by invite, and fill a node
// with notes for a benchmark.
import { KithNode } from '../../node-tab/node'
import { NodeDatabase, type ItemRow } from '../../node-tab/storage/db'
import { newItemId } from '../../node-tab/storage/ids'
import { KithClient } from '../../client/api/kith-client'
import { ClientDatabase } from '../../client/cache/db'

/** A node listening on `trackers` and the client over it, each in a database
 *  of its own (names start with `prefix`). */
export async function openClient (trackers: string[], prefix = 'kith'): Promise<KithClient> {
  const tag = Math.random().toString(36).slice(2)
  const node = await KithNode.open({ db: new NodeDatabase(`${prefix}-node-${tag}`), hostConfig: { trackers, relays: [], iceServers: [] } })
  const client = new KithClient(node, new ClientDatabase(`${prefix}-client-${tag}`))
  node.startListening()
  return client
}

/** Redeems the owner's invite and syncs their listing; returns how many items came. */
export async function befriendAndSync (client: KithClient, ownerAddress: string, token: string): Promise<number> {
  await client.acceptInvite(ownerAddress, token)
  const feed = await client.feed(ownerAddress)
  await feed.sync()
  return (await feed.items()).length
}

const SEED_BATCH = 1000

/** `items` notes for all friends, added in batches as the app would write
 *  them (so the change log holds an entry for each), with the ids the app
 *  would have given them when they were made (newItemId). */
export async function seedNotes (db: NodeDatabase, items: number): Promise<void> {
  const now = Date.now()
  for (let from = 0; from < items; from += SEED_BATCH) {
    const rows: ItemRow[] = []
    for (let i = from; i < Math.min(items, from + SEED_BATCH); i++) {
      const at = now - (items - i) * 1000
      rows.push({ id: newItemId(at), type: 'note', text: `note ${i}: ${'a short line of text '.repeat(3)}`, createdAt: at, updatedAt: at, listedAt: at, audience: { kind: 'friends' } })
    }
    await db.items.bulkAdd(rows)
  }
}
