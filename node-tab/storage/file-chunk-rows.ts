// How a file's bytes are cut into fileChunks rows: the piece size and the
// rows for bytes already in memory. Apart from file-chunks.ts (which reads
// and writes them through the database) so the schema's own upgrade can
// use it without an import circle.
import type { FileChunkRow } from './rows'

export const FILE_CHUNK_BYTES = 1024 * 1024

export function chunkCount (size: number): number {
  return Math.ceil(size / FILE_CHUNK_BYTES)
}

/** Rows for bytes already in memory (the v2→v3 upgrade, seeded benchmarks). */
export function chunkRowsOf (itemId: string, bytes: Uint8Array): FileChunkRow[] {
  const rows: FileChunkRow[] = []
  for (let index = 0; index < chunkCount(bytes.length); index++) {
    const piece = bytes.slice(index * FILE_CHUNK_BYTES, (index + 1) * FILE_CHUNK_BYTES)
    rows.push({ itemId, index, data: new Blob([piece.buffer as ArrayBuffer]) })
  }
  return rows
}
