// Shared by the mailbox tests against the real strict test relay (a stock
// relay from npm, strict as public ones are): the relay, the people, an
// owner's node with friends and its mailbox, and a friend reading it with
// their cache wired as the client wires it. Everything is undone by the
// test's `cleanups` (cleanups.ts), last first: mailboxes before the relay.
import WebSocket from 'ws'
import { expect } from 'vitest'
import { Mailbox, type MailboxOptions } from '../../node-tab/mailbox/mailbox'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import type { NodeDatabase } from '../../node-tab/storage/db'
import { FriendCache } from '../../client/cache/friend-cache'
import { takeLetters } from '../../client/cache/mailbox-intake'
import { pairSecret } from '../../shared/crypto/crypto'
import { addressFromPublicKey, type Identity } from '../../shared/identity/identity'
import { startRelay, type RelayOptions, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { clientDatabase, nodeDatabase } from './cleanups'
import { person, type Person } from './friend-fixtures'

type Cleanups = Array<() => unknown>
type CreateSocket = (url: string) => globalThis.WebSocket

/** A socket from the ws package (Node has no WebSocket of its own here), as tracker-fixtures.ts makes them. */
export const createSocket: CreateSocket = (url) => new WebSocket(url) as unknown as globalThis.WebSocket

/** A relay that ignores the event ids a read asks for (it sends whatever it holds under the tags). */
export const ignoringIds: CreateSocket = (url) => {
  const socket = new WebSocket(url)
  const send = socket.send.bind(socket)
  socket.send = ((data: string) => {
    const msg = JSON.parse(data) as unknown[]
    if (msg[0] === 'REQ') delete (msg[2] as { ids?: string[] }).ids
    send(JSON.stringify(msg))
  }) as typeof socket.send
  return socket as unknown as globalThis.WebSocket
}

/** The strict test relay for one test, answering a repeated filter at once
 *  (no filter cache); closed after it, and the test fails if any client
 *  broke a public relay's rules on it. */
export async function strictRelay (cleanups: Cleanups, opts: RelayOptions = {}): Promise<RunningRelay> {
  const relay = await startRelay({ strict: true, quiet: true, filterCacheMs: 0, ...opts })
  cleanups.push(async () => {
    await relay.close()
    expect(relay.violations).toEqual([])
  })
  return relay
}

/** The address of a relay that has gone away: nothing listens there any more. */
export async function goneRelayUrl (): Promise<string> {
  const gone = await startRelay({ strict: true, quiet: true })
  await gone.close()
  return gone.url
}

/** Alice and her friends Bob and Carol with real keys, and Alice's meeting secret with each. */
export function aliceBobCarol (): { alice: Person, bob: Person, carol: Person, secretAB: Uint8Array, secretAC: Uint8Array } {
  const [alice, bob, carol] = [person(), person(), person()]
  return { alice, bob, carol, secretAB: pairSecret(alice.identity.secretKey, bob.identity.publicKey), secretAC: pairSecret(alice.identity.secretKey, carol.identity.publicKey) }
}

/** What a test may set of a mailbox beyond whose it is. */
export interface MailboxOpts extends Pick<MailboxOptions, 'limits' | 'signer' | 'signingKeyOf'> {
  /** How it opens sockets (default createSocket). */
  socket?: CreateSocket
  /** The relays it uses, asked at each visit (default the one relay). */
  urls?: () => string[]
  /** What signs as the person on this device (default their identity key;
   *  null: a device without it, such as a server device). */
  signing?: () => Identity | null
}

/** `who`'s mailbox over `db` on `relay`, knowing these friends' meeting secrets; closed after the test. */
export function mailboxOf (cleanups: Cleanups, relay: RunningRelay, who: Person, db: NodeDatabase, secrets: Array<[string, Uint8Array]>, opts: MailboxOpts = {}): Mailbox {
  const mailbox = new Mailbox({
    db,
    identity: { keyHex: who.keyHex, signing: opts.signing ?? (() => who.identity) },
    signer: opts.signer,
    signingKeyOf: opts.signingKeyOf,
    relayUrls: opts.urls ?? (() => [relay.url]),
    secrets: async () => secrets,
    createSocket: opts.socket ?? createSocket,
    limits: opts.limits
  })
  cleanups.push(() => mailbox.close())
  return mailbox
}

export interface OwnersNode {
  db: NodeDatabase
  items: ItemsStore
  /** The owner's meeting secret with each friend, as a node hands them to its mailbox. */
  secrets: Array<[string, Uint8Array]>
}

/** The owner's node database (`db`: a copy of their profile; a fresh one by
 *  default) with these friends in it, and its item store. */
export async function nodeWithFriends (cleanups: Cleanups, owner: Person, friends: Person[], db: NodeDatabase = nodeDatabase(cleanups)): Promise<OwnersNode> {
  const store = new FriendsStore(db)
  for (const f of friends) await store.add({ key: f.keyHex, address: addressFromPublicKey(f.identity.publicKey), displayName: 'friend' })
  const secrets = friends.map((f): [string, Uint8Array] => [f.keyHex, pairSecret(owner.identity.secretKey, f.identity.publicKey)])
  return { db, items: new ItemsStore(db), secrets }
}

export interface Reader {
  mailbox: Mailbox
  cache: FriendCache
  /** The texts of the items the cache took, in the order it told the page of them. */
  added: string[]
}

/** `me`, a friend of `owner` knowing them by `secret`: a node of my own with
 *  its mailbox, and my cache of the owner's items taking what it reads as
 *  the client wires them (takeLetters, with the files that came along). */
export function readerOf (cleanups: Cleanups, relay: RunningRelay, me: Person, owner: Person, secret: Uint8Array, opts: MailboxOpts = {}): Reader {
  const cache = new FriendCache(clientDatabase(cleanups))
  const added: string[] = []
  cache.onNewItems = (_owner, items) => { added.push(...items.map((i) => i.text)) }
  const mailbox = mailboxOf(cleanups, relay, me, nodeDatabase(cleanups), [[owner.keyHex, secret]], opts)
  mailbox.onLetters = async (from, letters, files) => ({ forgotten: (await takeLetters(cache, from, letters, files)).forgottenBy })
  return { mailbox, cache, added }
}
