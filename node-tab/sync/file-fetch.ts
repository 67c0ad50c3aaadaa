// Before a page with file items is applied, their pieces are fetched from
// the peer device, one FILE_CHUNK_BYTES range per call (the peer streams
// each from storage), and stored. Pieces already here are not fetched again,
// so a sync cut off in the middle of a large file resumes within it.
import Dexie from 'dexie'
import { KithError } from '../../shared/wire/errors'
import type { OwnerDeviceMethods } from '../../shared/protocol/protocol'
import type { RpcPeer } from '../../shared/wire/rpc'
import type { NodeDatabase } from '../storage/db'
import { chunkCount, deleteChunks, FILE_CHUNK_BYTES } from '../storage/file-chunks'
import type { CheckedRecord } from './records'
import { theirsWins } from './merge'

/** What DeviceSync needs of a session with the other device. */
export type DevicePeer = Pick<RpcPeer<OwnerDeviceMethods>, 'call'>

/** Fetches the missing pieces of the file items in `records` that will be
 *  applied (newer than ours). An item the peer no longer has is skipped: its
 *  deletion is further on in the peer's log. Returns the items fetched now. */
export async function fetchMissingFiles (db: NodeDatabase, peer: DevicePeer, records: readonly CheckedRecord[], signal?: AbortSignal): Promise<string[]> {
  const fetched: string[] = []
  for (const record of records) {
    const file = record.table === 'items' ? record.row?.file as { size: number } | undefined : undefined
    if (!file || !await isNewer(db, record)) continue
    const id = record.key as string
    try {
      if (await fetchFile(db, peer, id, file.size, signal)) fetched.push(id)
    } catch (err) {
      if (!(err instanceof KithError && err.code === 'NOT_FOUND')) throw err
      await deleteChunks(db, id)
    }
  }
  return fetched
}

async function isNewer (db: NodeDatabase, record: CheckedRecord): Promise<boolean> {
  return theirsWins(record, await db.syncLog.get([record.table, record.keyText]))
}

/** Stores the pieces of one file not yet here. Returns whether any were fetched. */
async function fetchFile (db: NodeDatabase, peer: DevicePeer, id: string, size: number, signal?: AbortSignal): Promise<boolean> {
  const present = new Set((await db.fileChunks.where('[itemId+index]').between([id, Dexie.minKey], [id, Dexie.maxKey]).primaryKeys()).map((k) => (k as [string, number])[1]))
  let any = false
  for (let index = 0; index < chunkCount(size); index++) {
    if (present.has(index)) continue
    const offset = index * FILE_CHUNK_BYTES
    const answer = await peer.call('syncFileRange', { id, offset, length: FILE_CHUNK_BYTES }, { signal, maxResultBytes: FILE_CHUNK_BYTES + 1024 })
    const want = Math.min(FILE_CHUNK_BYTES, size - offset)
    if (typeof answer !== 'object' || answer === null || !(answer.bytes instanceof Uint8Array) || answer.size !== size || answer.bytes.length !== want) {
      throw new KithError('BAD_REQUEST', 'the device answered a file range that does not match the item')
    }
    await db.fileChunks.put({ itemId: id, index, data: new Blob([answer.bytes as Uint8Array<ArrayBuffer>]) })
    any = true
  }
  return any
}
