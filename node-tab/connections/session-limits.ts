// The RPC limits of a node's sessions, chosen here in one place. What a
// node holds for answers not yet handed to a transport is bounded per peer
// and for the whole node; bulk bytes stream a chunk at a time, so the
// budgets are reached only by many large materialised answers at once.
import type { ByteBudget } from '../../shared/wire/byte-budget'
import type { RpcOptions } from '../../shared/wire/rpc'

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

/** What a peer's file answers may read ahead of the chunk being sent: a
 *  range is one stored 1 MiB piece, read at once rather than a chunk at a
 *  time (each read is a round trip to the browser's storage; per 100 MB
 *  fetched, five reads a range cost 5-10 % more CPU, bench/README.md). A
 *  download asks for 4 ranges at once (client/files/file-download.ts), so
 *  this covers one download; past it, reads go a chunk at a time. Apart
 *  from the held bytes above, so reading ahead never refuses an answer. */
export const PEER_READ_AHEAD_BYTES = 4 * 1024 * 1024
/** The same for every session together: four downloads at once. */
export const NODE_READ_AHEAD_BYTES = 16 * 1024 * 1024

/** Options for every session's RpcPeer; `nodeBudget` and `nodeReadBudget`
 *  are the node's one budget for each. */
export function sessionRpcOptions (nodeBudget: ByteBudget, nodeReadBudget: ByteBudget | null = null): RpcOptions {
  return {
    nodeBudget,
    maxHeldBytes: PEER_HELD_BYTES,
    chunkBytes: NODE_CHUNK_BYTES,
    maxRequestBytes: NODE_MAX_REQUEST_BYTES,
    maxReadAheadBytes: PEER_READ_AHEAD_BYTES,
    nodeReadBudget
  }
}

/** How many sessions a node holds and for how long (see sessions.ts). */
export interface SessionLimits {
  /** Sessions with friends (and strangers) open at once, both directions. */
  maxSessions: number
  /** A session with nothing in flight and no frame from the peer for this
   *  long is closed. */
  idleMs: number
  /** At the cap, only a session quiet this long may be closed for a newcomer. */
  evictableAfterMs: number
}

/** Each session holds an RTCPeerConnection, and Chromium allows 500 per
 *  page. 200 sessions leave room for what else holds one at the same time:
 *  offers being answered (the listener's answer slots, 50 at most), offers
 *  of our own dials (3 per swarm and epoch; background dials run 6 at once),
 *  and the sessions with my own devices, which are kept apart and open.
 *
 *  Idle after 5 minutes: a session costs an RTCPeerConnection (its memory,
 *  SCTP heartbeats, a place under the cap) for as long as it is open, while
 *  opening one again costs a dial of a second or two. A friend reading my
 *  feed calls now and then (a page, a file, a sync); 5 minutes covers
 *  reading a page of posts without reopening, and closes what nobody uses:
 *  without it, every friend who synced once today would hold a connection
 *  until one of us reloads. A delete notice or a queued request dials
 *  again on demand, and an open page keeps the sessions it dialled
 *  (client/friends/session-keepalive.ts pings every 4 minutes), since friends' live
 *  hints come over them. What is left to close is what nobody keeps: the
 *  sessions of pages that went away without closing, and the dials of a
 *  node without a page (a server device delivering delete notices to 250
 *  friends).
 *
 *  Evictable after 1 minute quiet: at the cap a newcomer may close only a
 *  session nobody has used for a minute, so friends busy with theirs are not
 *  pushed out by a stream of newcomers (who are refused instead). */
export const SESSION_LIMITS: SessionLimits = { maxSessions: 200, idleMs: 5 * 60_000, evictableAfterMs: 60_000 }
