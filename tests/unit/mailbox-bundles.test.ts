// Bundles and wraps (node-tab/mailbox/mailbox-bundles.ts) against the real
// strict test relay: what a post to many friends costs, and the attacks on
// the scheme. A wrap must be Alice's signature over the recipient's key (a
// friend who got K, or a revoked device that still holds a meeting secret,
// cannot make one, nor re-address one); the bundle must be the event and
// content the wrap names; expired, oversized, malformed, replayed and junk
// events are refused or bounded.
import { beforeEach, describe, expect, it } from 'vitest'
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure'
import type { Mailbox } from '../../node-tab/mailbox/mailbox'
import { bundleEvent } from '../../node-tab/mailbox/mailbox-bundle-events'
import { joinWraps, MAX_WRAP_CONTENT_CHARS, MAX_WRAPS_PER_EVENT, openWrap, SEALED_WRAP_BYTES, sealBundle, sealWrap, splitWraps, wrapKey, type Wrap } from '../../node-tab/mailbox/mailbox-bundles'
import { letterTag, LETTER_LIFETIME_MS, windowOf } from '../../node-tab/mailbox/mailbox-letters'
import { BUNDLE_KIND, DEFAULT_MAILBOX_RELAY_LIMITS, publishEvents, WRAP_KIND } from '../../node-tab/mailbox/mailbox-relay'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { pairSecret } from '../../shared/crypto/crypto'
import { toBase64 } from '../../shared/util/bytes'
import type { RelayEvent, RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import { person, type Person } from './friend-fixtures'
import { aliceBobCarol, createSocket, ignoringIds, mailboxOf, nodeWithFriends, readerOf, strictRelay, type MailboxOpts, type OwnersNode, type Reader } from './mailbox-fixtures'

const cleanups = cleanupsAfterEach()
let relay: RunningRelay
let alice: Person, bob: Person, carol: Person, secretAB: Uint8Array, secretAC: Uint8Array
beforeEach(async () => { relay = await strictRelay(cleanups); ({ alice, bob, carol, secretAB, secretAC } = aliceBobCarol()) })

const wrapEvents = (): RelayEvent[] => relay.stored().filter((e) => e.kind === WRAP_KIND)
const bundles = (): RelayEvent[] => relay.stored().filter((e) => e.kind === BUNDLE_KIND)
const bobsTag = (): string => letterTag(secretAB, alice.keyHex, bob.keyHex, windowOf(Date.now()))

async function publish (events: Event[], url = relay.url): Promise<void> {
  expect(await publishEvents(url, events, { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(events.length)
}

/** Alice's node with these friends (and a family group of `family`), an item store, and her mailbox. */
async function aliceNode (friends: Person[], family: Person[] = []): Promise<OwnersNode & { mailbox: Mailbox, familyId: string }> {
  const node = await nodeWithFriends(cleanups, alice, friends)
  const store = new FriendsStore(node.db)
  const group = await store.createGroup('family')
  for (const f of family) await store.setMembership(group.id, f.keyHex, true)
  return { ...node, mailbox: mailboxOf(cleanups, relay, alice, node.db, node.secrets), familyId: group.id }
}

/** A friend's node (knowing Alice by this secret) and cache, wired as the client wires them. */
const reader = (me: Person, secret: Uint8Array, opts: MailboxOpts = {}): Reader => readerOf(cleanups, relay, me, alice, secret, opts)

/** What Carol, in the audience, finds in her wrap: K and the bundle it names. */
function carolsWrap (): Wrap {
  const event = wrapEvents()[0]!
  const tags = event.tags.filter((t) => t[0] === 't').map((t) => t[1])
  const i = tags.indexOf(letterTag(secretAC, alice.keyHex, carol.keyHex, windowOf(Date.now())))
  const wrap = openWrap(splitWraps(event.content, tags.length)![i]!, wrapKey(secretAC, alice.keyHex, carol.keyHex), alice.keyHex, carol.keyHex, Date.now())
  if (typeof wrap === 'string') throw new Error(wrap)
  return wrap
}

/** A wrap event holding one sealed wrap under Bob's tag. */
function underBobsTag (sealed: Uint8Array, expMs = Date.now() + LETTER_LIFETIME_MS): Event {
  return finalizeEvent({ kind: WRAP_KIND, created_at: Math.floor(Date.now() / 1000), tags: [['t', bobsTag()], ['expiration', String(Math.floor(expMs / 1000))]], content: joinWraps([sealed]) }, generateSecretKey())
}

const sharedItem = (id: string, text: string): Record<string, unknown> => ({ id, type: 'post', text, createdAt: Date.now(), updatedAt: 1 })

describe('bundles: what a post to many friends costs', () => {
  it('a post to 120 friends is one bundle and three wrap events, and each friend opens their own wrap', async () => {
    const friends = Array.from({ length: 120 }, () => person())
    const { items, mailbox } = await aliceNode(friends)
    const post = await items.create({ type: 'post', text: 'To everyone', audience: { kind: 'friends' } })
    expect(await mailbox.itemsChanged([post.id])).toBe(4)
    expect(bundles()).toHaveLength(1)
    expect(wrapEvents().map((e) => e.tags.filter((t) => t[0] === 't').length)).toEqual([MAX_WRAPS_PER_EVENT, MAX_WRAPS_PER_EVENT, 20])
    // Under the strict relay's 64 KiB: a full wrap event is about a third of it.
    for (const e of wrapEvents()) expect(JSON.stringify(['EVENT', e]).length).toBeLessThan(24_000)
    // The first, one in the middle of the second event, and the last.
    for (const f of [friends[0]!, friends[75]!, friends[119]!]) {
      const r = reader(f, pairSecret(alice.identity.secretKey, f.identity.publicKey))
      expect(await r.mailbox.read()).toBe(1)
      expect(r.added).toEqual(['To everyone'])
    }
  })

  it('friends who may see different items get bundles of their own; a friend outside an audience gets no wrap for it', async () => {
    const { items, mailbox, familyId } = await aliceNode([bob, carol], [carol])
    const everyone = await items.create({ type: 'post', text: 'For all', audience: { kind: 'friends' } })
    const family = await items.create({ type: 'post', text: 'Family only', audience: { kind: 'groups', groupIds: [familyId] } })
    // Bob's visible set {everyone}, Carol's {everyone, family}: two bundles, one wrap event each.
    expect(await mailbox.itemsChanged([everyone.id, family.id])).toBe(4)
    const b = reader(bob, secretAB)
    await b.mailbox.read()
    expect(b.added).toEqual(['For all'])
    const c = reader(carol, secretAC)
    await c.mailbox.read()
    expect(c.added.sort()).toEqual(['Family only', 'For all'])
  })
})

describe('attacks on bundles and wraps', () => {
  it('Carol, in the audience, holds K and the bundle’s tag; even with Bob’s meeting secret (as a revoked device of Alice’s holds it) she cannot make Bob accept the bundle: the wrap is not Alice’s signature over his key', async () => {
    const { items, mailbox, familyId } = await aliceNode([bob, carol], [carol])
    const post = await items.create({ type: 'post', text: 'Family only', audience: { kind: 'groups', groupIds: [familyId] } })
    await mailbox.itemsChanged([post.id])
    const k = carolsWrap()
    // Sealed under Bob's own pair key, signed by Carol, and by Bob himself (he holds the meeting secret too).
    for (const signer of [carol, bob]) await publish([underBobsTag(sealWrap(alice.keyHex, bob.keyHex, k, signer.identity.secretKey, wrapKey(secretAB, alice.keyHex, bob.keyHex)))])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.forged).toBe(2)
    expect(b.added).toEqual([])
  })

  it('a wrap Alice signed for Carol, re-addressed to Bob (sealed under his pair’s key, under his tag), is refused', async () => {
    const { items, mailbox, familyId } = await aliceNode([bob, carol], [carol])
    const post = await items.create({ type: 'post', text: 'Family only', audience: { kind: 'groups', groupIds: [familyId] } })
    await mailbox.itemsChanged([post.id])
    // What Alice signed for Carol (her real wrap's contents), sealed anew for Bob.
    const forCarol = sealWrap(alice.keyHex, carol.keyHex, carolsWrap(), alice.identity.secretKey, wrapKey(secretAB, alice.keyHex, bob.keyHex))
    await publish([underBobsTag(forCarol)])
    // And Carol's sealed wrap moved under Bob's tag as it is.
    const event = wrapEvents()[0]!
    await publish([underBobsTag(splitWraps(event.content, 1)![0]!)])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.forged).toBe(1)
    expect(b.mailbox.dropped.unsealed).toBe(1)
    expect(b.added).toEqual([])
  })

  it('a bundle whose content does not match the hash in the wrap is refused', async () => {
    const now = Date.now()
    const bundle = sealBundle(alice.keyHex, [sharedItem('swapped1', 'Not what the wrap names')], alice.identity.secretKey, now)!
    const event = bundleEvent(bundle, now, generateSecretKey())
    const other = sealBundle(alice.keyHex, [sharedItem('real1', 'What Alice wrapped')], alice.identity.secretKey, now)!
    // Alice's signature and the bundle's own K, but another content's hash: the bundle would open, were it not checked.
    const wrap = sealWrap(alice.keyHex, bob.keyHex, { ...bundle, hash: other.hash, event: event.id }, alice.identity.secretKey, wrapKey(secretAB, alice.keyHex, bob.keyHex))
    await publish([event, underBobsTag(wrap)])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped['bundle-mismatch']).toBe(1)
    expect(b.added).toEqual([])
  })

  it('a bundle re-wrapped by the relay (its bytes under a key of the relay’s, the original gone) is not taken, and junk under its tag is dropped unopened while the real one opens', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'The real one', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    const bundle = bundles()[0]!
    const tag = bundle.tags[0]!
    // Junk under the bundle's tag, of the bundle's kind, newer than the bundle (served first).
    const junk = Array.from({ length: 30 }, () => finalizeEvent({ kind: BUNDLE_KIND, created_at: Math.floor(Date.now() / 1000) + 5, tags: [tag, bundle.tags[1]!], content: toBase64(new Uint8Array(1064).fill(7)) }, generateSecretKey()))
    await publish(junk)
    const b = reader(bob, secretAB, { socket: ignoringIds, limits: { eventsPerTag: 10 } })
    expect(await b.mailbox.read()).toBe(1)
    expect(b.mailbox.dropped['wrong-id']).toBe(30)
    expect(b.added).toEqual(['The real one'])
    // The original gone, a copy under a relay's key: not the event Alice's wrap names.
    relay.forget([bundle.id])
    await publish([finalizeEvent({ kind: BUNDLE_KIND, created_at: bundle.created_at, tags: bundle.tags, content: bundle.content }, generateSecretKey())])
    const again = reader(bob, secretAB, { socket: ignoringIds })
    expect(await again.mailbox.read()).toBe(0)
    expect(again.mailbox.dropped['wrong-id']).toBe(31)
    expect(again.mailbox.dropped['bundle-missing']).toBe(1)
    expect(again.added).toEqual([])
  })

  it('an expired wrap, or a live wrap naming an expired bundle, is refused even when the events say they have not expired', async () => {
    const now = Date.now()
    const old = sealBundle(alice.keyHex, [sharedItem('old1', 'Long ago')], alice.identity.secretKey, now - LETTER_LIFETIME_MS - 1000)!
    const event = bundleEvent({ ...old, exp: now + 3_600_000 }, now, generateSecretKey()) // the event's NIP-40 expiry says later
    const key = wrapKey(secretAB, alice.keyHex, bob.keyHex)
    const expiredWrap = sealWrap(alice.keyHex, bob.keyHex, { ...old, event: event.id }, alice.identity.secretKey, key)
    await publish([event, underBobsTag(expiredWrap, now + 3_600_000)])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.expired).toBe(1)
    relay.forget(wrapEvents().map((e) => e.id))
    const liveWrap = sealWrap(alice.keyHex, bob.keyHex, { ...old, exp: now + 3_600_000, event: event.id }, alice.identity.secretKey, key)
    await publish([underBobsTag(liveWrap, now + 3_600_000)])
    const again = reader(bob, secretAB)
    expect(await again.mailbox.read()).toBe(0)
    expect(again.mailbox.dropped.expired).toBe(1)
    expect(again.added).toEqual([])
  })

  it('an oversized wrap event, one whose wraps do not match its tags, and one with too many tags are dropped before anything is opened', async () => {
    const exp = String(Math.floor(Date.now() / 1000) + 3600)
    const event = (tags: string[][], content: string): Event => finalizeEvent({ kind: WRAP_KIND, created_at: Math.floor(Date.now() / 1000), tags: [...tags, ['expiration', exp]], content }, generateSecretKey())
    const wrap = sealWrap(alice.keyHex, bob.keyHex, { ...sealBundle(alice.keyHex, [sharedItem('x1', 'x')], alice.identity.secretKey, Date.now())!, event: '00'.repeat(32) }, alice.identity.secretKey, wrapKey(secretAB, alice.keyHex, bob.keyHex))
    const others = Array.from({ length: MAX_WRAPS_PER_EVENT }, (_, i) => ['t', i.toString(16).padStart(64, '0')])
    await publish([
      event([['t', bobsTag()]], 'A'.repeat(MAX_WRAP_CONTENT_CHARS + 4)),
      event([['t', bobsTag()], ['t', others[0]![1]!]], joinWraps([wrap])), // two tags, one wrap (its shape checked before any wrap is opened)
      event([['t', bobsTag()], ...others], joinWraps(Array.from({ length: MAX_WRAPS_PER_EVENT + 1 }, () => wrap)))
    ])
    const b = reader(bob, secretAB)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.oversized).toBe(1)
    // Two wraps short of its tags, and more tags than a wrap event carries: both malformed.
    expect(b.mailbox.dropped.malformed).toBe(2)
    // The one wrap that was well formed was never opened: nobody asked a relay for its bundle.
    expect(b.mailbox.dropped['bundle-missing']).toBeUndefined()
  })

  it('the same bundle and wraps from two relays, and again at every read, are taken once', async () => {
    const second = await strictRelay(cleanups)
    const { items, mailbox } = await aliceNode([bob])
    const post = await items.create({ type: 'post', text: 'Twice stored', audience: { kind: 'friends' } })
    await mailbox.itemsChanged([post.id])
    await publish(relay.stored().filter((e) => e.kind === WRAP_KIND || e.kind === BUNDLE_KIND) as Event[], second.url)
    const b = reader(bob, secretAB, { urls: () => [relay.url, second.url] })
    expect(await b.mailbox.read()).toBe(1)
    expect(b.mailbox.dropped.duplicate).toBe(1)
    expect(await b.mailbox.read()).toBe(0)
    expect(b.added).toEqual(['Twice stored'])
  })

  it('junk wrap events flooding Bob’s tag cost at most the bound per tag, and nothing of them is taken', async () => {
    const exp = String(Math.floor(Date.now() / 1000) + 3600)
    const junk = Array.from({ length: 30 }, (_, i) => finalizeEvent({ kind: WRAP_KIND, created_at: Math.floor(Date.now() / 1000), tags: [['t', bobsTag()], ['expiration', exp]], content: joinWraps([new Uint8Array(SEALED_WRAP_BYTES).fill(i)]) }, generateSecretKey()))
    await publish(junk)
    const b = reader(bob, secretAB, { limits: { eventsPerTag: 10 } })
    expect(await b.mailbox.read()).toBe(0)
    expect(b.mailbox.dropped.flood).toBe(20)
    // Only the ten within the bound were tried, and none opened.
    expect(b.mailbox.dropped.unsealed).toBe(10)
    expect(b.added).toEqual([])
  })
})
