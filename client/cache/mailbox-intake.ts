// What my friends left for me in the mailbox on relays, into my cache by
// the same doors as a live answer: the items of a letter pass the check a
// live page passes (parseListItemsAnswer) and are stored by storePage;
// the ids to forget pass parseDeleteNotices and go through
// applyDeleteNotices. The node has already checked that the owner signed
// the letter, that it is for me and not expired (node-tab/mailbox); the
// cache cannot tell which way an item came. A letter is taken once, and an
// item the owner told me to forget (in this read or before) is not brought
// back by an older letter a relay serves again.
import type { Letter } from '../../node-tab/mailbox/mailbox-letters'
import { MAX_PAGE } from '../../shared/protocol/items'
import { checkSharedItems } from '../../shared/protocol/answers'
import { parseDeleteNotices } from '../../shared/protocol/protocol'
import type { SharedItem } from '../../shared/protocol/items'
import type { FriendCache } from './friend-cache'
import { isQuotaError } from '../../shared/util/quota'

export interface Intake {
  stored: number
  forgotten: number
  refused: number
  /** Each "forget it" letter taken now and the ids it made me forget: the
   *  node acknowledges them back to the owner, as a live answer would. */
  forgottenBy: Array<{ letter: string, itemIds: string[] }>
}

/** `files`: the bytes of file items that came with the letters' bundles
 *  (by item id, each checked by the node against the hash the owner signed):
 *  stored where a downloaded file goes, with their items. */
export async function takeLetters (cache: FriendCache, owner: string, letters: readonly Letter[], files?: ReadonlyMap<string, Uint8Array>): Promise<Intake> {
  const memory = await cache.mailboxMemory(owner)
  const fresh = letters.filter((letter) => !memory.taken.has(letter.id))
  const result: Intake = { stored: 0, forgotten: 0, refused: 0, forgottenBy: [] }
  if (fresh.length === 0) return result
  const gone: string[] = []
  const items: SharedItem[] = []
  for (const letter of fresh) {
    try {
      if (letter.gone) {
        const ids = parseDeleteNotices({ itemIds: letter.gone })
        gone.push(...ids)
        result.forgottenBy.push({ letter: letter.id, itemIds: ids })
      } else items.push(...checkSharedItems(letter.items ?? [], { limit: MAX_PAGE }))
    } catch {
      result.refused++ // the whole letter, as a live page would be
    }
  }
  const forget = new Set([...gone, ...memory.gone])
  const wanted = items.filter((item) => !forget.has(item.id))
  if (wanted.length > 0) {
    try {
      result.stored = await cache.storePage(owner, wanted, null, cache.deletionMark(owner), files)
    } catch (err) {
      // No room for the files: the items at least (their files come live, on demand).
      if (!files?.size || !isQuotaError(err)) throw err
      result.stored = await cache.storePage(owner, wanted, null, cache.deletionMark(owner))
    }
  }
  if (gone.length > 0) {
    // What a live delete notice acknowledges, the mailbox acknowledges too.
    const acknowledged = new Set(await cache.applyDeleteNotices(owner, gone))
    for (const entry of result.forgottenBy) entry.itemIds = entry.itemIds.filter((id) => acknowledged.has(id))
    result.forgotten = new Set(gone).size
  }
  await cache.lettersTaken(owner, fresh.map((letter) => letter.id))
  return result
}
