// Shared set-up for the node storage tests: a fresh database per test,
// people with real keys, a clock the test moves, and paging helpers.
import { afterEach, expect } from 'vitest'
import { KithError, type ErrorCode } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { decodeCursor, type SharedItem } from '../../shared/protocol/items'
import type { ListItemsParams } from '../../shared/protocol/protocol'
import Dexie from 'dexie'
import { NodeDatabase, SCHEMA } from '../../node-tab/storage/db'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { keyHex } from '../../node-tab/storage/ids'
import { InvitesStore } from '../../node-tab/storage/invites-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import type { ByteStream } from '../../shared/wire/byte-stream'

const opened: NodeDatabase[] = []
afterEach(async () => {
  for (const db of opened.splice(0)) await db.delete()
})

export function freshDb (): NodeDatabase {
  const db = new NodeDatabase(`t-${Math.random().toString(36).slice(2)}`)
  opened.push(db)
  return db
}

export class TestClock {
  constructor (public t = 1_700_000_000_000) {}
  readonly now = (): number => this.t
  advance (ms = 1000): number { this.t += ms; return this.t }
}

export function setup (clock = new TestClock()) {
  const db = freshDb()
  const friends = new FriendsStore(db, clock.now)
  return { db, clock, friends, items: new ItemsStore(db, clock.now), invites: new InvitesStore(db, friends, clock.now) }
}

export interface Person { identity: Identity, key: string, address: string, displayName: string }

export function person (displayName: string): Person {
  const identity = createIdentity()
  return { identity, key: keyHex(identity.publicKey), address: addressFromPublicKey(identity.publicKey), displayName }
}

export async function befriend (friends: FriendsStore, ...people: Person[]): Promise<void> {
  for (const p of people) await friends.add({ key: p.key, address: p.address, displayName: p.displayName })
}

/** Pages through everything a friend may list from `after`, checking the
 *  cursor/done contract on every page. Returns the items and the last cursor. */
export async function listAll (items: ItemsStore, friendKey: string, params: Partial<ListItemsParams> = {}, limit = 7): Promise<{ items: SharedItem[], cursor: string | null, pages: number }> {
  const out: SharedItem[] = []
  let after = params.after
  let cursor: string | null = null
  for (let pages = 1; pages < 10_000; pages++) {
    const page = await items.listVisible(friendKey, { ...params, after, limit })
    expect(page.items.length).toBeLessThanOrEqual(limit)
    if (!page.done) expect(page.items.length).toBe(limit)
    // The cursor holds this device's position: the last item's (see node-tab/storage/resync.ts).
    const last = page.items.at(-1)
    if (!last) expect(page.cursor).toBeNull()
    else expect(decodeCursor(page.cursor!).positions[0]!.id).toBe(last.id)
    out.push(...page.items)
    if (page.cursor !== null) cursor = page.cursor
    if (page.done) return { items: out, cursor, pages }
    after = decodeCursor(page.cursor!)
  }
  throw new Error('listing never finished')
}

export async function kithError (promise: Promise<unknown>, code: ErrorCode, message?: string | RegExp): Promise<KithError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(KithError)
    const e = err as KithError
    expect(e.code).toBe(code)
    if (typeof message === 'string') expect(e.message).toBe(message)
    else if (message) expect(e.message).toMatch(message)
    return e
  }
  throw new Error(`expected ${code}, but it succeeded`)
}

/** A sentence a person can read. */
export function expectSentence (message: string): void {
  expect(message).toMatch(/^[A-Z“].{8,}[.]$/)
  expect(message).not.toMatch(/undefined|null|\[object|Error/)
}

export const ids = (list: Array<{ id: string }>): string[] => list.map((i) => i.id).sort()

/** A friend's file range as the RPC layer sends it: the streamed bytes pulled
 *  to the end, chunk by chunk. */
export async function collectRange (answer: Promise<{ bytes: ByteStream, size: number }>): Promise<{ bytes: Uint8Array, size: number }> {
  const { bytes: stream, size } = await answer
  const bytes = new Uint8Array(stream.totalBytes)
  for (let at = 0; at < bytes.length;) {
    const piece = await stream.pull(64 * 1024, 64 * 1024)
    if (piece.length === 0) throw new Error('a stream stopped short')
    bytes.set(piece, at)
    at += piece.length
  }
  stream.close?.()
  return { bytes, size }
}

/** A database as an older schema version left it (plain Dexie, no upgrades). */
export function oldDatabase (name: string, version: 2 | 3 | 5): Dexie {
  const db = new Dexie(name)
  for (let v = 1; v <= version; v++) db.version(v).stores(SCHEMA[v as keyof typeof SCHEMA])
  return db
}
