// One of a friend's files into my cache: the pieces not yet there, a few
// ranges at a time, each stored as it arrives (so a reload loses at most
// the ranges in flight), each answer bounded before any of it is held.
import { KithError } from '../../shared/wire/errors'
import { isQuotaError } from '../../shared/util/quota'
import type { NodeSession } from '../../node-tab/node'
import type { FriendCache } from '../cache/friend-cache'
import { NO_SPACE_HERE } from '../files/file-errors'
import { noRoomMessage } from '../browser/no-room'
import { NOT_CACHED } from './feed-words'

/** msgpack framing of a range answer around its bytes ({bytes, size}, the
 *  frame's type and id): a few dozen bytes; generous. */
const RANGE_FRAMING_BYTES = 1024
/** Per range: one range is small, so a minute means the friend is stuck. */
const RANGE_TIMEOUT_MS = 60_000

/** Resolves with the whole file once every piece is stored; NOT_FOUND when
 *  the item is not cached (or was deleted or changed meanwhile). */
export async function fetchFileInto (cache: FriendCache, owner: string, session: NodeSession, id: string, signal: AbortSignal, report: (fraction: number) => void): Promise<Blob> {
  const plan = await cache.beginFile(owner, id)
  if (!plan) throw new KithError('NOT_FOUND', NOT_CACHED)
  const { size } = plan
  const { downloadPieces } = await import('../files/file-download') // with the first download
  await downloadPieces({
    size,
    have: plan.have,
    // A range answer is the range plus a few bytes of framing: a node
    // announcing more is refused before any of it is held.
    fetchRange: (offset, length, stopped) => session.rpc.call('fetchFile', { id, offset, length }, {
      timeoutMs: RANGE_TIMEOUT_MS,
      signal: AbortSignal.any([signal, stopped]),
      maxResultBytes: length + RANGE_FRAMING_BYTES
    }),
    // Pieces for an item deleted (or changed) meanwhile are not kept, nor handed out.
    store: async (index, bytes) => {
      let kept: boolean
      try {
        kept = await cache.storePiece(owner, id, size, index, bytes)
      } catch (err) {
        // Asking again will not make room: the request is dropped, in
        // words, with the pieces already kept (no half file left behind).
        if (!isQuotaError(err)) throw err
        await cache.dropPartialFile(owner, id).catch(() => { /* purged with the cache */ })
        throw new KithError('TOO_LARGE', await noRoomMessage(NO_SPACE_HERE))
      }
      if (!kept) throw new KithError('NOT_FOUND', NOT_CACHED)
    },
    onProgress: report
  })
  const file = await cache.completeFile(owner, id, size) ? await cache.fileBlob(owner, id) : null
  if (!file) throw new KithError('NOT_FOUND', NOT_CACHED)
  return file
}
