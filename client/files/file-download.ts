// Fetching a friend's file range by range: a few ranges in flight at once to
// keep the channel busy, every answer checked against what was asked before
// it is stored, and pieces already stored (before a reload) not asked again.
import { KithError } from '../../shared/wire/errors'
import { FILE_RANGE_BYTES, MAX_FILE_BYTES } from '../../shared/protocol/items'

/** Ranges asked for at once: enough to hide the round trip and the
 *  IndexedDB work on both sides (measured: 8 gains little over 4), few
 *  enough to keep memory small; a node answers at most 64 requests of one
 *  peer at once, so 16 downloads side by side still fit. */
export const DOWNLOAD_DEPTH = 4

import { BAD_PIECE, FILE_TOO_LARGE, NO_SPACE_HERE } from './file-errors'
export { BAD_PIECE, FILE_TOO_LARGE, NO_SPACE_HERE }

export interface DownloadPlan {
  /** The file's size as the friend's listing gave it. */
  size: number
  /** Indexes of the pieces (ranges of FILE_RANGE_BYTES) already stored. */
  have: ReadonlySet<number>
  /** Asks the friend's node for bytes [offset, offset + length); `signal`
   *  is aborted once the download has failed anyway. */
  fetchRange: (offset: number, length: number, signal: AbortSignal) => Promise<unknown>
  /** Keeps one checked piece; throws to stop the download. */
  store: (index: number, bytes: Uint8Array) => Promise<void>
  onProgress?: (fraction: number) => void
  depth?: number
}

/** The bytes of a fetchFile answer if it is exactly what was asked for:
 *  the listed size, and min(length, size - offset) bytes. Anything else is
 *  rejected whole. */
export function checkRangeAnswer (answer: unknown, asked: { offset: number, length: number, size: number }): Uint8Array {
  if (typeof answer !== 'object' || answer === null) throw new KithError('BAD_REQUEST', BAD_PIECE)
  const { bytes, size } = answer as { bytes?: unknown, size?: unknown }
  if (size !== asked.size || !(bytes instanceof Uint8Array)) throw new KithError('BAD_REQUEST', BAD_PIECE)
  if (bytes.length !== Math.max(0, Math.min(asked.length, asked.size - asked.offset))) throw new KithError('BAD_REQUEST', BAD_PIECE)
  return bytes
}

/** Fetches and stores every piece not yet stored. Rejects with the first failure. */
export async function downloadPieces (plan: DownloadPlan): Promise<void> {
  const { size } = plan
  if (!Number.isSafeInteger(size) || size < 0) throw new KithError('BAD_REQUEST', BAD_PIECE)
  if (size > MAX_FILE_BYTES) throw new KithError('TOO_LARGE', FILE_TOO_LARGE)
  const pieces = Math.ceil(size / FILE_RANGE_BYTES)
  const pieceBytes = (index: number): number => Math.min(FILE_RANGE_BYTES, size - index * FILE_RANGE_BYTES)
  const missing: number[] = []
  let stored = 0
  for (let index = 0; index < pieces; index++) {
    if (plan.have.has(index)) stored += pieceBytes(index)
    else missing.push(index)
  }
  if (size === 0) {
    // Nothing to store, but the node is asked once: it checks that we may
    // see the file (and records that we have it).
    const answer = await plan.fetchRange(0, FILE_RANGE_BYTES, new AbortController().signal)
    checkRangeAnswer(answer, { offset: 0, length: FILE_RANGE_BYTES, size })
    plan.onProgress?.(1)
    return
  }
  if (stored > 0) plan.onProgress?.(stored / size)

  let failure: { error: unknown } | null = null
  // The first failure ends the download at once: the ranges still in flight
  // are cancelled rather than waited for (up to their timeout).
  const stop = new AbortController()
  const worker = async (): Promise<void> => {
    while (failure === null) {
      const index = missing.shift()
      if (index === undefined) return
      const asked = { offset: index * FILE_RANGE_BYTES, length: FILE_RANGE_BYTES, size }
      try {
        const bytes = checkRangeAnswer(await plan.fetchRange(asked.offset, asked.length, stop.signal), asked)
        if (failure !== null) return
        await plan.store(index, bytes)
      } catch (error) {
        failure ??= { error }
        stop.abort()
        return
      }
      stored += pieceBytes(index)
      plan.onProgress?.(stored / size)
    }
  }
  const depth = Math.max(1, plan.depth ?? DOWNLOAD_DEPTH)
  await Promise.all(Array.from({ length: Math.min(depth, missing.length) }, worker))
  if (failure !== null) throw (failure as { error: unknown }).error
}
