// The types of the RPC peer (rpc.ts): method tables, handlers, call and
// peer options with their defaults, and the counts it reports.
import type { ByteBudget } from './byte-budget'
import type { MaybeStreamed } from './byte-stream'

export type MethodTable = Record<string, { params: unknown, result: unknown }>

export interface HandlerContext {
  /** Aborted when the caller cancels, times out or the connection closes. */
  signal: AbortSignal
}

/** Handlers get params as `unknown`: every handler validates its input. They
 *  may answer a ByteStream in place of bytes (see byte-stream.ts). */
export type RpcHandlers<T extends MethodTable> = {
  [M in keyof T]: (params: unknown, ctx: HandlerContext) => MaybeStreamed<T[M]['result']> | Promise<MaybeStreamed<T[M]['result']>>
}

export interface CallOptions {
  timeoutMs?: number
  signal?: AbortSignal
  /** Called while a large result streams in. */
  onProgress?: (receivedBytes: number, totalBytes: number) => void
  /** Largest answer this call accepts, when the caller knows it is small
   *  (a file range): a larger one is refused at its header, before any of
   *  it is held. At most maxMessageBytes either way. */
  maxResultBytes?: number
}

export interface RpcOptions {
  defaultTimeoutMs?: number
  /** Largest message (request or result) accepted or sent, in encoded bytes. */
  maxMessageBytes?: number
  /** Largest request accepted from the peer (default: maxMessageBytes). A
   *  node's methods take small parameters; only answers are large. */
  maxRequestBytes?: number
  /** Payload bytes per chunk frame. */
  chunkBytes?: number
  /** Pause sending chunks while this many bytes wait in the transport. */
  highWaterMark?: number
  /** Requests from the peer being handled at once; more are RATE_LIMITED. */
  maxConcurrentRequests?: number
  /** Bytes this peer's answers may hold before they reach the transport
   *  (encoded results being chunked, stream chunks being filled); an answer
   *  beyond it is RATE_LIMITED. */
  maxHeldBytes?: number
  /** One budget shared by every session of a node: the same, node-wide. */
  nodeBudget?: ByteBudget | null
  /** Bytes this peer's streamed answers may read ahead of the chunk being
   *  filled (a stored piece read at once, ByteStream.readBytes), apart from
   *  maxHeldBytes so that reading ahead never refuses an answer: past it,
   *  sources read a chunk at a time. 0: never. */
  maxReadAheadBytes?: number
  /** The same, node-wide. */
  nodeReadBudget?: ByteBudget | null
  /** A large request from the peer that sends no chunk for this long is dropped. */
  assemblyIdleMs?: number
}

// Per peer: one answer of the largest size (32 MiB) plus the working chunk
// of each of its streams (64 concurrent requests x at most one 256 KiB frame
// is 16 MiB). Bulk bytes stream; only a rare listing is materialised whole.
export const DEFAULT_MAX_HELD_BYTES = 48 * 1024 * 1024

export const RPC_DEFAULTS: Omit<Required<RpcOptions>, 'maxRequestBytes'> = {
  defaultTimeoutMs: 15_000,
  maxMessageBytes: 32 * 1024 * 1024,
  chunkBytes: 64 * 1024,
  highWaterMark: 1024 * 1024,
  maxConcurrentRequests: 64,
  maxHeldBytes: DEFAULT_MAX_HELD_BYTES,
  nodeBudget: null,
  maxReadAheadBytes: 0,
  nodeReadBudget: null,
  assemblyIdleMs: 15_000
}

/** Internal counts, for tests and diagnostics. */
export interface RpcStats {
  pending: number
  inFlight: number
  assemblies: number
  heldBytes: number
}
