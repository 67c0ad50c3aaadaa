// The RPC limits of a node's sessions, chosen here in one place. What a
// node holds for answers not yet handed to a transport is bounded per peer
// and for the whole node; bulk bytes stream a chunk at a time, so the
// budgets are reached only by many large materialised answers at once.
import type { ByteBudget } from '../shared/byte-budget'
import type { RpcOptions } from '../shared/rpc'

/** Bytes every session's answers together may hold before the transports
 *  take them: two of the largest materialised answers (32 MiB) at once. Bulk
 *  bytes stream a chunk at a time, so this is reached only by many large
 *  listings at once; beyond it answers are RATE_LIMITED and memory stays flat. */
export const NODE_HELD_BYTES = 64 * 1024 * 1024
/** Per peer: one largest answer plus the working chunks of 32 streams. */
export const PEER_HELD_BYTES = 40 * 1024 * 1024
/** Payload per chunk frame: as large as a Chromium data channel message
 *  allows (256 KiB, less the chunk header; RpcPeer clamps it to the
 *  transport). A quarter of the messages of 64 KiB chunks: fewer sends,
 *  message events and bufferedAmount checks per byte on both sides. */
export const NODE_CHUNK_BYTES = 256 * 1024
/** Every method a node serves takes small parameters (the largest, a batch
 *  of 500 delete notices, is ~35 kB): a peer may not make it assemble more. */
export const NODE_MAX_REQUEST_BYTES = 1024 * 1024

/** Options for every session's RpcPeer; `nodeBudget` is the node's one budget. */
export function sessionRpcOptions (nodeBudget: ByteBudget): RpcOptions {
  return { nodeBudget, maxHeldBytes: PEER_HELD_BYTES, chunkBytes: NODE_CHUNK_BYTES, maxRequestBytes: NODE_MAX_REQUEST_BYTES }
}
