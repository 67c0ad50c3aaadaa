// A sync with a friend: their pages of what changed since my cursor, each
// checked and stored in my cache as it comes (client/cache/friend-cache.ts).
import type { ListItemsResult } from '../../shared/protocol/protocol'
import type { NodeSession } from '../../node-tab/node'
import type { FriendCache } from '../cache/friend-cache'

const PAGE_LIMIT = 100
/** 100,000 items: a node that keeps saying "not done" cannot hold us forever. */
const MAX_PAGES = 1_000

/** Pages until the friend says done (or the cursor stops moving); `stored`
 *  runs after each page. Returns when the sync completed. */
export async function syncPages (cache: FriendCache, owner: string, session: NodeSession, signal: AbortSignal, stored: () => Promise<void>): Promise<number> {
  let after = await cache.cursor(owner)
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = after === null ? { limit: PAGE_LIMIT } : { after, limit: PAGE_LIMIT }
    const mark = cache.deletionMark(owner)
    let result: ListItemsResult
    try {
      const { parseListItemsAnswer } = await import('../../shared/protocol/answers') // with the first sync
      result = parseListItemsAnswer(await session.rpc.call('listItems', params, { signal }), params)
    } catch (err) {
      cache.releaseMark(mark)
      throw err
    }
    await cache.storePage(owner, result.items, result.cursor, mark)
    await stored()
    const next = await cache.cursor(owner)
    if (result.done || next === null || next === after) break
    after = next
  }
  const at = Date.now()
  await cache.markSynced(owner, at)
  return at
}
