// The blind mailbox against the real strict test relay (a stock relay from
// npm, strict as public ones are): Alice's node leaves bundles (and letters)
// for Bob while he is away; Bob's node reads them and his cache takes them
// by the doors a live answer uses. Then the attacks: another pair's letters
// and wraps, a letter not signed by the owner, replays and repeats, expired
// letters, junk floods. The attacks on bundles and wraps themselves are in
// mailbox-bundles.test.ts.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Mailbox } from '../../node-tab/mailbox/mailbox'
import { mailboxEvent } from '../../node-tab/mailbox/mailbox-events'
import { letterKey, letterTag, LETTER_LIFETIME_MS, newLetter, sealLetter, windowOf } from '../../node-tab/mailbox/mailbox-letters'
import { BUNDLE_KIND, DEFAULT_MAILBOX_RELAY_LIMITS, MAILBOX_KIND, publishEvents, WRAP_KIND, type MailboxRelayLimits } from '../../node-tab/mailbox/mailbox-relay'
import { DELETION_KIND, deletionEvent } from '../../node-tab/mailbox/mailbox-withdraw'
import { MAX_ANSWER_LETTERS, MAX_ANSWERS_PER_WINDOW } from '../../node-tab/mailbox/mailbox-requests'
import { MAX_TEXT_CHARS } from '../../shared/protocol/items'
import { MAILBOX_FILE_MAX_BYTES } from '../../node-tab/mailbox/mailbox-files'
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import type { ItemsStore } from '../../node-tab/storage/items-store'
import type { NodeDatabase } from '../../node-tab/storage/db'
import type { FriendCache } from '../../client/cache/friend-cache'
import { toBase64 } from '../../shared/util/bytes'
import type { RelayEvent, RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import { person, type Person } from './friend-fixtures'
import { aliceBobCarol, createSocket, goneRelayUrl, mailboxOf, nodeWithFriends, readerOf, strictRelay, type OwnersNode, type Reader } from './mailbox-fixtures'
import { wasDelivered } from '../../node-tab/storage/deliveries'

const cleanups = cleanupsAfterEach()
let relay: RunningRelay
let alice: Person, bob: Person, carol: Person, secretAB: Uint8Array, secretAC: Uint8Array
beforeEach(async () => { relay = await strictRelay(cleanups); ({ alice, bob, carol, secretAB, secretAC } = aliceBobCarol()) })

/** Alice's node with these friends, an item store, and her mailbox. */
async function aliceNode (friends: Person[]): Promise<OwnersNode & { mailbox: Mailbox }> {
  const node = await nodeWithFriends(cleanups, alice, friends)
  return { ...node, mailbox: mailboxOf(cleanups, relay, alice, node.db, node.secrets) }
}

/** A friend's node (knowing Alice by this secret) and cache, wired as the client wires them. */
const reader = (me: Person, secret: Uint8Array, limits: Partial<MailboxRelayLimits> = {}): Reader => readerOf(cleanups, relay, me, alice, secret, { limits })

const texts = async (cache: FriendCache): Promise<string[]> => (await cache.items(alice.keyHex)).map((i) => i.text)
/** Letters on the relay (one friend each). */
const stored = (): RelayEvent[] => relay.stored().filter((e) => e.kind === MAILBOX_KIND)
const wrapEvents = (): RelayEvent[] => relay.stored().filter((e) => e.kind === WRAP_KIND)
const bundles = (): RelayEvent[] => relay.stored().filter((e) => e.kind === BUNDLE_KIND)
/** Everything the mailbox keeps on the relay. */
const mailboxEvents = (): RelayEvent[] => relay.stored().filter((e) => [MAILBOX_KIND, WRAP_KIND, BUNDLE_KIND].includes(e.kind))

/** Wraps sealed letter bytes in a fresh event (a new throwaway key), as a replaying relay or anyone can. */
async function publish (tag: string, content: string, expMs = Date.now() + LETTER_LIFETIME_MS): Promise<void> {
  expect(await publishEvents(relay.url, [mailboxEvent(tag, content, expMs)], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
}

/** A stored event published again as it was (a relay that dropped it, or held it back, serves it again). */
async function republish (event: RelayEvent): Promise<void> {
  expect(await publishEvents(relay.url, [event], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
}

/** A stored event's kind, tags and content signed anew under a throwaway key of someone else's (a relay re-wrapping it). */
async function rewrap (event: RelayEvent, tags = event.tags): Promise<void> {
  const copy = finalizeEvent({ kind: event.kind, created_at: Math.floor(Date.now() / 1000), tags, content: event.content }, generateSecretKey())
  expect(await publishEvents(relay.url, [copy], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
}

describe('the blind mailbox', () => {
  it('a post Alice shares while Bob is away waits on the relay, sealed, and reaches his cache when he reads', async () => {
    const { db, items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Picnic on Sunday', audience: { kind: 'friends' } })
    expect(await mailbox.itemsChanged([post.id])).toBe(2) // the bundle and one wrap event, on one relay
    expect(stored()).toEqual([])
    const [bundle] = bundles()
    const [wraps] = wrapEvents()
    // Bob's wrap under his tag of this window; the bundle under a random tag of its own.
    expect(wraps!.tags.map((t) => t[0])).toEqual(['t', 'expiration'])
    expect(wraps!.tags[0]![1]).toBe(letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now())))
    expect(bundle!.tags.map((t) => t[0])).toEqual(['t', 'expiration'])
    expect(bundle!.tags[0]![1]).not.toBe(wraps!.tags[0]![1])
    expect(bundle!.pubkey).not.toBe(wraps!.pubkey)
    expect(JSON.stringify(relay.stored())).not.toContain('Picnic')
    expect(JSON.stringify(relay.stored())).not.toContain(alice.keyHex)
    expect(JSON.stringify(relay.stored())).not.toContain(bob.keyHex)
    // Both expire with the letter they replace, two weeks on.
    for (const event of [bundle!, wraps!]) expect(Number(event.tags[1]![1]) * 1000).toBeGreaterThan(Date.now() + LETTER_LIFETIME_MS - 60_000)
    // Delivered to Bob, so a deletion tells him too.
    expect(await wasDelivered(db, post.id, bob.keyHex)).toBe(true)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(1)
    expect(await texts(b.cache)).toEqual(['Picnic on Sunday'])
  })

  it('costs one bundle and one wrap event per 50 friends who may see the post, per relay, and nothing without relays', async () => {
    const friends = [bob, carol, person(), person(), person()]
    const { db, items, secrets } = await aliceNode(friends)
    const second = await strictRelay(cleanups)
    const twoRelays = mailboxOf(cleanups, relay, alice, db, secrets, { urls: () => [relay.url, second.url] })
    const post = await items.create({ type: 'post', text: 'To five friends', audience: { kind: 'friends' } })
    expect(await twoRelays.itemsChanged([post.id])).toBe(4)
    expect(bundles()).toHaveLength(1)
    expect(wrapEvents()).toHaveLength(1)
    // One wrap event carries the five friends' tags, one wrap each.
    expect(wrapEvents()[0]!.tags.filter((t) => t[0] === 't')).toHaveLength(5)
    // Counted as sent: two events on each of two relays, and their bytes.
    expect(twoRelays.published.events).toBe(4)
    expect(twoRelays.published.bytes).toBe(2 * mailboxEvents().reduce((sum, e) => sum + JSON.stringify(['EVENT', e]).length, 0))
    let sockets = 0
    const none = mailboxOf(cleanups, relay, alice, db, secrets, { urls: () => [], socket: (url) => { sockets++; return createSocket(url) } })
    expect(await none.itemsChanged([post.id])).toBe(0)
    expect(await none.read()).toBe(0)
    expect(sockets).toBe(0)
  })

  it('a letter Alice did sign is still refused whole when an item in it is not a valid item, as a live page would be', async () => {
    const tag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const key = letterKey(secretAB, alice.keyHex, bob.keyHex)
    const good = { id: 'good1', type: 'post', text: 'fine', createdAt: Date.now(), updatedAt: 1 }
    const bad = { id: 'bad1', type: 'script', text: '<b>', createdAt: Date.now(), updatedAt: 1, extra: true }
    await publish(tag, sealLetter(newLetter(alice.keyHex, bob.keyHex, Date.now(), { items: [good, bad] }), alice.identity.secretKey, key)!)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(1)
    expect(await texts(b.cache)).toEqual([])
  })

  it('what no relay took (the relay was down) is kept and sent at the next start, once', async () => {
    const { db, items } = await aliceNode([bob])
    let urls = [await goneRelayUrl()]
    const mailbox = mailboxOf(cleanups, relay, alice, db, [[bob.keyHex, secretAB]], { urls: () => urls, limits: { visitTimeoutMs: 2_000 } })
    const post = await items.create({ type: 'post', text: 'While the relay was down', audience: { kind: 'friends' } })
    expect(await mailbox.itemsChanged([post.id])).toBe(0)
    urls = [relay.url]
    expect(await mailbox.retryPending()).toBe(2)
    expect(await mailbox.retryPending()).toBe(0) // taken: not again
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(1)
    expect(await texts(b.cache)).toEqual(['While the relay was down'])
  })

  it('a file larger than the mailbox takes, or an item only Alice sees, is not put in the mailbox (small files: mailbox-files.test.ts)', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const mine = await items.create({ type: 'note', text: 'just me', audience: { kind: 'me' } })
    const file = await items.create({ type: 'file', text: 'a file', audience: { kind: 'friends' }, file: { name: 'a.bin', mime: 'application/octet-stream', content: new Blob([new Uint8Array(MAILBOX_FILE_MAX_BYTES + 1)]) } })
    expect(await mailbox.itemsChanged([mine.id, file.id])).toBe(0)
    expect(stored()).toEqual([])
  })

  it('Alice deletes it while Bob is away: his copy goes when he reads, and a replay of the old letter does not bring it back', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Oops, wrong photo', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Oops, wrong photo'])
    const [bundle, wraps] = [bundles()[0]!, wrapEvents()[0]!]
    await items.delete(post.id)
    // The "forget it" letter, and the requests to delete the wrap event and the bundle (ignored by this relay).
    expect(await mailbox.noticesChanged([post.id])).toBe(3)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual([])
    // The old bundle and its wraps again, the wraps signed anew (a relay may do that), after the "forget it" one is gone from the relay.
    relay.forget(relay.stored().map((e) => e.id))
    await republish(bundle)
    await rewrap(wraps)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual([])
  })

  it('a relay that held the post back and serves it after Bob took the deletion does not bring it back', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Held back', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const held = mailboxEvents()
    relay.forget(held.map((e) => e.id))
    await items.delete(post.id)
    await mailbox.noticesChanged([post.id])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(1) // the "forget it" letter alone
    for (const event of held) await republish(event)
    expect(await b.mailbox.read()).toBe(2) // the "forget it" letter (still there), and the bundle
    expect(await texts(b.cache)).toEqual([])
    expect(b.added).toEqual([])
  })

  it('a letter for another pair is not opened, and one sealed for another pair under our tag is dropped', async () => {
    const { items, mailbox } = await aliceNode([carol])
    const post = await items.create({ type: 'post', text: 'For Carol', audience: { kind: 'friends' } })
    expect(await mailbox.itemsChanged([post.id])).toBe(2)
    const bobTag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const carolTag = letterTag(secretAC, alice.keyHex, carol.keyHex, windowOf(Date.now()))
    expect(wrapEvents().map((e) => e.tags[0]![1])).toEqual([carolTag])
    // Tags differ per pair, per direction and per window.
    expect(new Set([bobTag, carolTag, letterTag(secretAB, bob.keyHex, alice.keyHex, windowOf(Date.now())), letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()) - 1)]).size).toBe(4)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    // Alice's wrap for Carol, moved under Bob's tag: it does not open with the Alice → Bob key.
    await rewrap(wrapEvents()[0]!, [['t', bobTag], wrapEvents()[0]!.tags[1]!])
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.unsealed).toBe(1)
    expect(await texts(b.cache)).toEqual([])
    // Carol opens it (so it was a real letter).
    const c = reader(carol, secretAC)
    expect(await c.mailbox.read()).toBe(1)
    expect(await texts(c.cache)).toEqual(['For Carol'])
  })

  it('a letter not signed by Alice is refused, even sealed under the pair’s own key by someone who holds it', async () => {
    const tag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const key = letterKey(secretAB, alice.keyHex, bob.keyHex)
    const item = { id: 'forged1', type: 'post', text: 'Alice never said this', createdAt: Date.now(), updatedAt: 1 }
    // Bob's own key (he holds the meeting secret too), and a stranger's.
    for (const signer of [bob, carol]) await publish(tag, sealLetter(newLetter(alice.keyHex, bob.keyHex, Date.now(), { items: [item] }), signer.identity.secretKey, key)!)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.forged).toBe(2)
    expect(await texts(b.cache)).toEqual([])
  })

  it('a letter Alice signed for Carol, sealed for Bob, is refused: it is not for him', async () => {
    const tag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const key = letterKey(secretAB, alice.keyHex, bob.keyHex)
    const item = { id: 'carols1', type: 'post', text: 'Only for Carol', createdAt: Date.now(), updatedAt: 1 }
    await publish(tag, sealLetter(newLetter(alice.keyHex, carol.keyHex, Date.now(), { items: [item] }), alice.identity.secretKey, key)!)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped['not-for-me']).toBe(1)
  })

  it('a letter served again and again (the same event, or rewrapped) is shown once', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Once only', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const wraps = wrapEvents()[0]!
    await rewrap(wraps)
    await rewrap(wraps)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(1) // three wrap events, one wrap
    expect(b.mailbox.dropped.duplicate).toBe(2)
    // Taken: the bundle is not even asked for again.
    expect(await b.mailbox.read()).toBe(0)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Once only'])
    expect(b.added).toEqual(['Once only'])
  })

  it('an expired letter is dropped, even when its event says it has not expired', async () => {
    const tag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const key = letterKey(secretAB, alice.keyHex, bob.keyHex)
    const item = { id: 'old1', type: 'post', text: 'Long ago', createdAt: Date.now(), updatedAt: 1 }
    const old = newLetter(alice.keyHex, bob.keyHex, Date.now() - LETTER_LIFETIME_MS - 1000, { items: [item] })
    await publish(tag, sealLetter(old, alice.identity.secretKey, key)!, Date.now() + 3_600_000)
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.expired).toBe(1)
    expect(await texts(b.cache)).toEqual([])
  })

  it('a junk flood under Bob’s tag costs at most the bound per tag, and nothing of it is taken', async () => {
    const tag = letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))
    const junk = Array.from({ length: 30 }, (_, i) => mailboxEvent(tag, toBase64(new Uint8Array(64).fill(i)), Date.now() + 3_600_000))
    expect(await publishEvents(relay.url, junk, { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(30)
    const b = reader(bob, secretAB, { eventsPerTag: 10 })
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.flood).toBe(20)
    // Only the ten within the bound were tried, and none opened.
    expect(b.mailbox.dropped.unsealed).toBe(10)
    expect(await texts(b.cache)).toEqual([])
  })
})

describe('acknowledgements back through the mailbox', () => {
  const confirmed = async (db: NodeDatabase, itemId: string, friend: string): Promise<boolean | undefined> =>
    (await db.deletionLog.where('itemId').equals(itemId).first())?.friends[friend]

  /** Alice shares a post with Bob, he reads it, she deletes it and leaves a "forget it" letter. */
  async function deletedWhileBobAway (): Promise<{ db: NodeDatabase, items: ItemsStore, mailbox: Mailbox, b: ReturnType<typeof reader>, postId: string }> {
    const { db, items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Take it back', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    await items.delete(post.id)
    // The "forget it" letter, and the requests to delete the wrap event and the bundle (ignored by this relay).
    expect(await mailbox.noticesChanged([post.id])).toBe(3)
    expect(await confirmed(db, post.id, bob.keyHex)).toBe(false)
    return { db, items, mailbox, b, postId: post.id }
  }

  const bobToAliceTag = (): string => letterTag(secretAB, bob.keyHex, alice.keyHex, windowOf(Date.now()))
  const acksOnRelay = (): RelayEvent[] => stored().filter((e) => e.tags[0]![1] === bobToAliceTag())

  it('Bob takes the "forget it" letter and leaves a sealed acknowledgement; Alice reads it: "Bob — confirmed", as after a live one', async () => {
    const { db, mailbox, b, postId } = await deletedWhileBobAway()
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual([])
    expect(acksOnRelay()).toHaveLength(1)
    expect(JSON.stringify(acksOnRelay())).not.toContain(postId)
    // Reading again (the letter still on the relay) acknowledges nothing more.
    await b.mailbox.read()
    expect(acksOnRelay()).toHaveLength(1)
    const told: string[][] = []
    mailbox.onAcknowledged = (friend, ids) => { expect(friend).toBe(bob.keyHex); told.push(ids) }
    await mailbox.read()
    expect(told).toEqual([[postId]])
    expect(await db.notices.get([postId, bob.keyHex])).toBeUndefined()
    expect(await confirmed(db, postId, bob.keyHex)).toBe(true)
  })

  it('an acknowledgement not signed by Bob, or Carol’s moved under Bob’s tag, changes nothing', async () => {
    const { db, mailbox, postId } = await deletedWhileBobAway()
    const key = letterKey(secretAB, bob.keyHex, alice.keyHex)
    const ack = { ack: [postId], asOf: Date.now() }
    // Alice herself, a stranger (Carol) and a letter "from Bob" signed by Alice's key: none is Bob.
    for (const signer of [alice, carol]) await publish(bobToAliceTag(), sealLetter(newLetter(bob.keyHex, alice.keyHex, Date.now(), ack), signer.identity.secretKey, key)!)
    // Carol's genuine acknowledgement, sealed for her pair, under Bob's tag.
    await publish(bobToAliceTag(), sealLetter(newLetter(carol.keyHex, alice.keyHex, Date.now(), ack), carol.identity.secretKey, letterKey(secretAC, carol.keyHex, alice.keyHex))!)
    // Signed by Bob but for another person.
    await publish(bobToAliceTag(), sealLetter(newLetter(bob.keyHex, carol.keyHex, Date.now(), ack), bob.identity.secretKey, key)!)
    await mailbox.read()
    expect(mailbox.dropped.forged).toBe(2)
    expect(mailbox.dropped.unsealed).toBe(1)
    expect(mailbox.dropped['not-for-me']).toBe(1)
    expect(await confirmed(db, postId, bob.keyHex)).toBe(false)
    expect(await db.notices.get([postId, bob.keyHex])).toBeDefined()
  })

  it('an old acknowledgement served again does not confirm a later notice for the same item', async () => {
    const { db, items } = await aliceNode([bob])
    const alices = mailboxOf(cleanups, relay, alice, db, [[bob.keyHex, secretAB]])
    const post = await items.create({ type: 'post', text: 'Now you see it', audience: { kind: 'friends' } })
    await alices.itemsChanged([post.id])
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    // Hidden from Bob, acknowledged, confirmed.
    await items.setAudience(post.id, { kind: 'me' })
    await alices.noticesChanged([post.id])
    await b.mailbox.read()
    const [oldAck] = acksOnRelay()
    await alices.read()
    expect(await db.notices.get([post.id, bob.keyHex])).toBeUndefined()
    // Shown again, and hidden again: a fresh notice, not yet sent.
    await items.setAudience(post.id, { kind: 'friends' })
    await alices.itemsChanged([post.id])
    await items.setAudience(post.id, { kind: 'me' })
    expect(await db.notices.get([post.id, bob.keyHex])).toBeDefined()
    // The old acknowledgement, as the same event and rewrapped.
    relay.forget(relay.stored().filter((e) => e.id !== oldAck!.id).map((e) => e.id))
    await publish(oldAck!.tags[0]![1]!, oldAck!.content)
    const told: string[][] = []
    alices.onAcknowledged = (_friend, ids) => told.push(ids)
    expect(await alices.read()).toBe(1) // one letter, served twice
    expect(told).toEqual([])
    expect(await db.notices.get([post.id, bob.keyHex])).toBeDefined()
  })

  it('an acknowledgement for items Alice never asked Bob about confirms nothing', async () => {
    const { db, mailbox, postId } = await deletedWhileBobAway()
    const key = letterKey(secretAB, bob.keyHex, alice.keyHex)
    await publish(bobToAliceTag(), sealLetter(newLetter(bob.keyHex, alice.keyHex, Date.now(), { ack: ['neverAsked1'], asOf: Date.now() }), bob.identity.secretKey, key)!)
    const told: string[][] = []
    mailbox.onAcknowledged = (_friend, ids) => told.push(ids)
    expect(await mailbox.read()).toBe(1)
    expect(told).toEqual([])
    expect(await confirmed(db, postId, bob.keyHex)).toBe(false)
  })

  it('an acknowledgement no relay took (the relay was down) is sent at the next start', async () => {
    const { db, mailbox, postId } = await deletedWhileBobAway()
    const downUrl = await goneRelayUrl()
    let urls = [relay.url]
    const { mailbox: bobs } = readerOf(cleanups, relay, bob, alice, secretAB, { urls: () => urls, limits: { visitTimeoutMs: 2_000 } })
    const take = bobs.onLetters!
    bobs.onLetters = async (owner, letters, files) => {
      urls = [downUrl] // the relay goes away between reading and answering
      return take(owner, letters, files)
    }
    await bobs.read()
    expect(acksOnRelay()).toHaveLength(0)
    urls = [relay.url]
    expect(await bobs.retryPending()).toBe(1)
    expect(await bobs.retryPending()).toBe(0)
    await mailbox.read()
    expect(await confirmed(db, postId, bob.keyHex)).toBe(true)
  })
})

describe('withdrawing letters (NIP-09)', () => {
  const deletionRequests = (): number => relay.seen().filter((m) => {
    const msg = JSON.parse(m) as unknown[]
    return msg[0] === 'EVENT' && (msg[1] as RelayEvent).kind === DELETION_KIND
  }).length
  const storedIds = (): string[] => mailboxEvents().map((e) => e.id)

  describe('on a relay that honours deletions', () => {
    beforeEach(async () => {
      relay = await strictRelay(cleanups, { deletions: 'honoured' })
    })

    it('Alice deletes a post Bob has not read: its bundle and wraps leave the relay, and Bob never sees it', async () => {
      const { items, mailbox } = await aliceNode([bob])
      const post = await items.create({ type: 'post', text: 'Sent in haste', audience: { kind: 'friends' } })
      await mailbox.itemsChanged([post.id])
      expect(storedIds()).toHaveLength(2)
      await items.delete(post.id)
      await mailbox.noticesChanged([post.id])
      expect(mailboxEvents()).toEqual(stored())
      expect(stored()).toHaveLength(1) // the "forget it" letter alone
      const b = reader(bob, secretAB)
      expect(await b.mailbox.read()).toBe(1)
      expect(b.added).toEqual([])
    })

    it('an audience narrowed away from Bob withdraws the bundle; a bundle that still holds an item for him stays', async () => {
      const { items, mailbox } = await aliceNode([bob])
      const first = await items.create({ type: 'note', text: 'one', audience: { kind: 'friends' } })
      const second = await items.create({ type: 'note', text: 'two', audience: { kind: 'friends' } })
      const alone = await items.create({ type: 'note', text: 'three', audience: { kind: 'friends' } })
      await mailbox.itemsChanged([first.id, second.id]) // one bundle holding both
      const both = storedIds()
      await mailbox.itemsChanged([alone.id])
      const three = storedIds().filter((id) => !both.includes(id))
      expect(both).toHaveLength(2)
      expect(three).toHaveLength(2)
      await items.setAudience(alone.id, { kind: 'me' })
      await mailbox.noticesChanged([alone.id])
      expect(storedIds()).not.toContain(three[0])
      expect(storedIds()).not.toContain(three[1])
      await items.delete(first.id)
      await mailbox.noticesChanged([first.id])
      expect(storedIds()).toEqual(expect.arrayContaining(both)) // "two" is still for Bob
      await items.delete(second.id)
      await mailbox.noticesChanged([second.id])
      expect(storedIds().filter((id) => both.includes(id))).toEqual([])
    })

    it('narrowed away from Carol alone: her wrap goes (its event is deleted and Bob\'s wrap sent again in a new one), the bundle stays for Bob, and Carol never reads it', async () => {
      const { db, items, mailbox } = await aliceNode([bob, carol])
      const family = await new FriendsStore(db).createGroup('family')
      await new FriendsStore(db).setMembership(family.id, bob.keyHex, true)
      await new FriendsStore(db).setMembership(family.id, carol.keyHex, true)
      const post = await items.create({ type: 'post', text: 'Family news', audience: { kind: 'groups', groupIds: [family.id] } })
      expect(await mailbox.itemsChanged([post.id])).toBe(2)
      const [bundle, before] = [bundles()[0]!, wrapEvents()[0]!]
      await new FriendsStore(db).setMembership(family.id, carol.keyHex, false)
      await mailbox.withdraw([post.id])
      // The bundle stays; the old wrap event is gone, a new one carries Bob's tag alone.
      expect(bundles().map((e) => e.id)).toEqual([bundle.id])
      expect(wrapEvents().map((e) => e.id)).not.toContain(before.id)
      expect(wrapEvents()).toHaveLength(1)
      expect(wrapEvents()[0]!.tags.filter((t) => t[0] === 't').map((t) => t[1])).toEqual([letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))])
      const c = reader(carol, secretAC)
      expect(await c.mailbox.read()).toBe(0)
      expect(c.added).toEqual([])
      const b = reader(bob, secretAB)
      expect(await b.mailbox.read()).toBe(1)
      expect(b.added).toEqual(['Family news'])
    })

    it('each side deletes what it took: after Bob reads, acknowledges, and Alice reads, no letter is left on the relay', async () => {
      const { db, items, mailbox } = await aliceNode([bob])
      const post = await items.create({ type: 'post', text: 'Read then gone', audience: { kind: 'friends' } })
      await mailbox.itemsChanged([post.id])
      const b = reader(bob, secretAB)
      await b.mailbox.read()
      expect(await texts(b.cache)).toEqual(['Read then gone'])
      expect(stored()).toEqual([])
      await items.delete(post.id)
      await mailbox.noticesChanged([post.id])
      await b.mailbox.read()
      expect(stored()).toHaveLength(1) // Bob's acknowledgement, waiting for Alice
      await mailbox.read()
      expect(stored()).toEqual([])
      expect(await db.notices.count()).toBe(0) // confirmed
    })

    it('nobody without the event’s key can delete a bundle or its wraps', async () => {
      const { items, mailbox } = await aliceNode([bob])
      const post = await items.create({ type: 'post', text: 'Stays put', audience: { kind: 'friends' } })
      await mailbox.itemsChanged([post.id])
      const ids = storedIds()
      // A stranger (or Bob, who read it: he holds no key of these events) asks for their deletion.
      expect(await publishEvents(relay.url, [deletionEvent(ids, generateSecretKey())], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
      const b = reader(bob, secretAB)
      expect(await b.mailbox.read()).toBe(1)
      // The reader leaves them: other friends' wraps are in the wrap event, and the bundle is theirs too.
      expect(storedIds()).toEqual(ids)
    })

    it('nobody without the letter’s key can delete it, and a re-wrapped copy is not deleted by the reader (its key is not the letter’s)', async () => {
      const { items, mailbox } = await aliceNode([bob])
      const post = await items.create({ type: 'post', text: 'Stays put', audience: { kind: 'friends' } })
      await mailbox.itemsChanged([post.id])
      await items.delete(post.id)
      await mailbox.noticesChanged([post.id]) // the "forget it" letter; the bundle withdrawn
      const [letter] = stored()
      // A stranger asks for its deletion with a key of their own.
      expect(await publishEvents(relay.url, [deletionEvent([letter!.id], generateSecretKey())], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
      expect(storedIds()).toEqual([letter!.id])
      // Re-wrapped under another key: Bob takes the letter, deletes the original, not the copy.
      await publish(letter!.tags[0]![1]!, letter!.content)
      const copy = storedIds().find((id) => id !== letter!.id)
      expect(storedIds()).toHaveLength(2)
      const b = reader(bob, secretAB)
      expect(await b.mailbox.read()).toBe(1)
      expect(storedIds()).not.toContain(letter!.id)
      expect(storedIds()).toContain(copy) // beside Bob's acknowledgement
    })
  })

  it('on a relay that ignores deletions nothing depends on them, and a taken letter is asked deleted once, not at every read', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Still here', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    expect(deletionRequests()).toBe(0) // a bundle and its wraps are not the reader's to delete
    expect(await texts(b.cache)).toEqual(['Still here'])
    // Alice deletes it: the wrap event and the bundle withdrawn (ignored too), and Bob's copy goes all the same.
    await items.delete(post.id)
    await mailbox.noticesChanged([post.id])
    expect(deletionRequests()).toBe(2)
    expect(mailboxEvents()).toHaveLength(3)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual([])
    expect(deletionRequests()).toBe(3) // Bob's, for the "forget it" letter he took
    await b.mailbox.read()
    await b.mailbox.read()
    expect(deletionRequests()).toBe(3)
  })
})

describe('requests through the mailbox', () => {
  const bobToAliceTag = (): string => letterTag(secretAB, bob.keyHex, alice.keyHex, windowOf(Date.now()))
  const requestsOnRelay = (): RelayEvent[] => stored().filter((e) => e.tags[0]![1] === bobToAliceTag())
  const aliceToBob = (): RelayEvent[] => stored().filter((e) => e.tags[0]![1] === letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now())))

  /** Alice's node knowing Bob and Carol, with items for several audiences, and no mailbox letter sent for them. */
  async function aliceWithItems (): Promise<{ db: NodeDatabase, items: ItemsStore, mailbox: Mailbox }> {
    const node = await aliceNode([bob, carol])
    const store = new FriendsStore(node.db)
    const family = await store.createGroup('family')
    await store.setMembership(family.id, carol.keyHex, true)
    await node.items.create({ type: 'post', text: 'For every friend', audience: { kind: 'friends' } })
    await node.items.create({ type: 'note', text: 'Only for me', audience: { kind: 'me' } })
    await node.items.create({ type: 'post', text: 'Family only', audience: { kind: 'groups', groupIds: [family.id] } })
    await node.items.create({ type: 'file', text: 'A file', audience: { kind: 'friends' }, file: { name: 'a.txt', mime: 'text/plain', content: new Blob(['hello']) } })
    return node
  }

  it('Bob asks for everything while Alice is away; her node answers when it starts, with only what Bob may see; Bob then has it', async () => {
    const { mailbox } = await aliceWithItems()
    const b = reader(bob, secretAB)
    expect(await b.mailbox.ask(alice.keyHex, null)).toBe(1)
    expect(requestsOnRelay()).toHaveLength(1)
    expect(await mailbox.read()).toBe(1)
    expect(aliceToBob()).toHaveLength(1)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['For every friend'])
    // Answered once: Alice starting again does not answer the same request again.
    await mailbox.read()
    expect(aliceToBob()).toHaveLength(1)
  })

  it('the same request served again, or re-wrapped, is answered once', async () => {
    const { mailbox } = await aliceWithItems()
    const b = reader(bob, secretAB)
    await b.mailbox.ask(alice.keyHex, null)
    const [request] = requestsOnRelay()
    await publish(request!.tags[0]![1]!, request!.content)
    await publish(request!.tags[0]![1]!, request!.content)
    expect(await mailbox.read()).toBe(1)
    expect(aliceToBob()).toHaveLength(1)
  })

  it('a request not signed by Bob, one from someone Alice does not know, or one with a broken cursor is not answered', async () => {
    const { db, mailbox } = await aliceWithItems()
    await new FriendsStore(db).remove(carol.keyHex)
    const key = letterKey(secretAB, bob.keyHex, alice.keyHex)
    // Carol (a stranger to Alice now) signs one "from Bob"; Alice's own key signs another.
    for (const signer of [carol, alice]) await publish(bobToAliceTag(), sealLetter(newLetter(bob.keyHex, alice.keyHex, Date.now(), { ask: { after: null } }), signer.identity.secretKey, key)!)
    // Carol's own request, under her own tag with Alice (this node's list of secrets is stale: she is
    // no friend any more): refused by the same friend check as a live listItems.
    const carolTag = letterTag(secretAC, carol.keyHex, alice.keyHex, windowOf(Date.now()))
    await publish(carolTag, sealLetter(newLetter(carol.keyHex, alice.keyHex, Date.now(), { ask: { after: null } }), carol.identity.secretKey, letterKey(secretAC, carol.keyHex, alice.keyHex))!)
    // Bob's, with a cursor that is not one.
    await publish(bobToAliceTag(), sealLetter(newLetter(bob.keyHex, alice.keyHex, Date.now(), { ask: { after: 'not a cursor' } }), bob.identity.secretKey, key)!)
    expect(await mailbox.read()).toBe(2)
    expect(mailbox.dropped.forged).toBe(2)
    expect(mailbox.dropped.refused).toBe(2)
    expect(aliceToBob()).toEqual([])
  })

  it('a request from Bob after Alice removed him is not answered', async () => {
    const { db, mailbox } = await aliceWithItems()
    const b = reader(bob, secretAB)
    await b.mailbox.ask(alice.keyHex, null)
    // Alice's node still reads under the old secret (a stale list of secrets), but Bob is no friend any more.
    await new FriendsStore(db).remove(bob.keyHex)
    await mailbox.read()
    expect(aliceToBob()).toEqual([])
    expect(mailbox.dropped.refused).toBe(1)
  })

  it('Bob asks at most once per cursor for a while, and Alice answers at most a few requests per window', async () => {
    const { mailbox } = await aliceWithItems()
    const b = reader(bob, secretAB)
    expect(await b.mailbox.ask(alice.keyHex, null)).toBe(1)
    expect(await b.mailbox.ask(alice.keyHex, null)).toBe(0)
    // A node that forgot what it asked (or a hostile one) sends more: Alice answers MAX_ANSWERS_PER_WINDOW.
    for (let i = 1; i < MAX_ANSWERS_PER_WINDOW + 3; i++) expect(await reader(bob, secretAB).mailbox.ask(alice.keyHex, null)).toBe(1)
    await mailbox.read()
    expect(aliceToBob()).toHaveLength(MAX_ANSWERS_PER_WINDOW)
    expect(mailbox.dropped.flood).toBe(3)
  })

  it('an answer holds at most MAX_ANSWER_LETTERS letters, however much Bob may see', async () => {
    const { items, mailbox } = await aliceNode([bob])
    for (let i = 0; i < 30; i++) await items.create({ type: 'note', text: `${i} `.padEnd(MAX_TEXT_CHARS, 'x'), audience: { kind: 'friends' } })
    await reader(bob, secretAB).mailbox.ask(alice.keyHex, null)
    await mailbox.read()
    expect(aliceToBob()).toHaveLength(MAX_ANSWER_LETTERS)
  })

  it('after Bob clears his copies, a letter of a deleted item served again does not bring it back, and old letters are not taken again: his request is how he gets them', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const kept = await items.create({ type: 'post', text: 'Kept', audience: { kind: 'friends' } })
    const gone = await items.create({ type: 'post', text: 'Deleted later', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([kept.id])
    await mailbox.itemsChanged([gone.id])
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    expect(aliceToBob()).toEqual([])
    await items.delete(gone.id)
    await mailbox.noticesChanged([gone.id])
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Kept'])
    // The relay drops the "forget it" letter and keeps the old bundles and wraps; Bob clears his copies of Alice.
    relay.forget(aliceToBob().map((e) => e.id))
    expect(bundles()).toHaveLength(2)
    expect(wrapEvents()).toHaveLength(2)
    for (const purge of [() => b.cache.purge(alice.keyHex), () => b.cache.purgeAll()]) {
      await purge()
      await b.mailbox.read()
      expect(await texts(b.cache)).toEqual([])
    }
    await b.mailbox.ask(alice.keyHex, null)
    await mailbox.read()
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Kept'])
  })

  it('a device without the identity key leaves the request for one that has it', async () => {
    const { db, mailbox } = await aliceWithItems()
    const server = mailboxOf(cleanups, relay, alice, db, [[bob.keyHex, secretAB]], { signing: () => null })
    const b = reader(bob, secretAB)
    await b.mailbox.ask(alice.keyHex, null)
    await server.read()
    expect(aliceToBob()).toEqual([])
    await mailbox.read()
    expect(aliceToBob()).toHaveLength(1)
  })
})
