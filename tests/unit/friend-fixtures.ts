// Shared by the notices, friend-cache and outbox tests: real identities,
// real authenticated sessions over the memory transport, and a stand-in for
// the owner's listItems/fetchFile handlers (the real ones live elsewhere).
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { establishSession } from '../../shared/session/session'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { encodeCursor, FILE_RANGE_BYTES, type SharedItem } from '../../shared/protocol/items'
import { parseFileRangeParams, parseListItemsParams, type NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { NodeSession } from '../../node-tab/node'
import { FriendCache } from '../../client/cache/friend-cache'
import type { ClientDatabase } from '../../client/cache/db'
import { FriendFeedImpl, type FriendFeedOptions } from '../../client/friends/friend-feed'
import { Outbox } from '../../client/friends/outbox'
import { addressFromPublicKey } from '../../shared/identity/identity'

export type Handlers = Partial<RpcHandlers<NodeMethods>>

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `condition` holds; fails after `ms`. */
export async function until (condition: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!await condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await tick(5)
  }
}

export function uniqueName (prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2)}-${Date.now()}`
}

export interface Person { identity: Identity, keyHex: string }

export function person (): Person {
  const identity = createIdentity()
  return { identity, keyHex: toHex(identity.publicKey) }
}

/** An authenticated session between two people; each side's handlers are
 *  built from the key the handshake proved, as the node does. */
export async function connect (a: Person, b: Person, aHandlers: (remoteKeyHex: string) => Handlers, bHandlers: (remoteKeyHex: string) => Handlers): Promise<{ a: NodeSession, b: NodeSession }> {
  const [ta, tb] = createMemoryTransportPair()
  const [sa, sb] = await Promise.all([
    establishSession<NodeMethods, NodeMethods>(ta, { identity: a.identity, handlers: (key) => aHandlers(toHex(key)) }),
    establishSession<NodeMethods, NodeMethods>(tb, { identity: b.identity, handlers: (key) => bHandlers(toHex(key)) })
  ])
  return { a: sa, b: sb }
}

export function note (id: string, at: number, text = `note ${id}`): SharedItem {
  return { id, type: 'note', text, createdAt: at, updatedAt: at }
}

export function post (id: string, at: number, text = `post ${id}`): SharedItem {
  return { id, type: 'post', text, createdAt: at, updatedAt: at }
}

/** The one device of a FakeOwner, in its cursors. */
const FAKE_DEVICE = 'fa4e0000'

/** A cursor placed just after `item`, as a node with one device hands it out. */
export function cursorOf (item: SharedItem): string {
  return encodeCursor({ epoch: null, positions: [{ device: FAKE_DEVICE, listedAt: item.updatedAt, id: item.id }] })
}

/** The fake's (updatedAt, id) order. */
function compareItems (a: { updatedAt: number, id: string }, b: { updatedAt: number, id: string }): number {
  return a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** The owner's items in memory, served like the real handlers would. */
export class FakeOwner {
  items = new Map<string, SharedItem>()
  files = new Map<string, Uint8Array>()
  /** The `after` each listItems call was given (undefined = from the start). */
  listCalls: Array<string | undefined> = []
  /** How many items each listItems call answered with. */
  served: number[] = []
  /** The offset of every fetchFile call, in the order they came. */
  rangeCalls: number[] = []
  refuse = false

  add (...items: SharedItem[]): void {
    for (const item of items) this.items.set(item.id, item)
  }

  handlers (): Handlers {
    return {
      listItems: (params) => {
        if (this.refuse) throw new KithError('UNAUTHORIZED', 'not a friend')
        const p = parseListItemsParams(params)
        this.listCalls.push((params as { after?: string }).after)
        const mine = p.after?.positions.find((position) => position.device === FAKE_DEVICE)
        const after = mine && { updatedAt: mine.listedAt, id: mine.id }
        const changed = [...this.items.values()]
          .filter((item) => after === undefined || compareItems(item, after) > 0)
          .sort(compareItems)
        const page = changed.slice(0, p.limit)
        const last = page.at(-1)
        this.served.push(page.length)
        return { items: page, cursor: last ? cursorOf(last) : null, done: changed.length <= p.limit }
      },
      fetchFile: (params) => {
        if (this.refuse) throw new KithError('UNAUTHORIZED', 'not a friend')
        const { id, offset, length } = parseFileRangeParams(params)
        const bytes = this.files.get(id)
        if (!bytes) throw new KithError('NOT_FOUND', 'no such item')
        this.rangeCalls.push(offset)
        return { bytes: bytes.slice(offset, offset + length), size: bytes.length }
      }
    }
  }
}

/** A file item of `size` bytes, as a friend's listing shows it. */
export function fileItem (id: string, at: number, size: number): SharedItem {
  return { id, type: 'file', text: '', createdAt: at, updatedAt: at, file: { name: `${id}.bin`, mime: 'application/octet-stream', size } }
}

/** Stores a whole file in the cache the way a download does, piece by piece.
 *  Returns whether it ended up complete. */
export async function storeWholeFile (cache: FriendCache, owner: string, id: string, bytes: Uint8Array): Promise<boolean> {
  const plan = await cache.beginFile(owner, id)
  if (!plan) return false
  for (let index = 0; index < plan.pieces; index++) {
    const piece = bytes.slice(index * FILE_RANGE_BYTES, (index + 1) * FILE_RANGE_BYTES)
    if (!await cache.storePiece(owner, id, plan.size, index, piece)) return false
  }
  return cache.completeFile(owner, id, plan.size)
}

export async function readBlob (blob: Blob | null): Promise<Uint8Array | null> {
  return blob ? new Uint8Array(await blob.arrayBuffer()) : null
}

/** A friend feed of `owner`'s items over `db`, talking through `session`
 *  (unless `more` says otherwise: another cache, another way to a session). */
export function feedOver (owner: Person, db: ClientDatabase, session: NodeSession | null, more: Partial<FriendFeedOptions> = {}): FriendFeedImpl {
  return new FriendFeedImpl({
    ownerAddress: addressFromPublicKey(owner.identity.publicKey),
    ownerKeyHex: owner.keyHex,
    cache: new FriendCache(db),
    outbox: new Outbox(db),
    currentSession: () => session,
    getSession: async () => session!,
    ...more
  })
}
