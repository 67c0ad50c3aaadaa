// Small files through the mailbox (node-tab/mailbox/mailbox-files.ts)
// against the real strict test relay: a photo Alice shares while Bob is away
// travels with its bundle as chunk events, once per relay whatever the
// audience, and lands in Bob's cache where a downloaded file goes. Then the
// attacks: a chunk swapped, missing, re-tagged, oversized, replayed from
// another file, junk and floods under a chunk's tag, a bundle naming more
// chunks or bytes than allowed. Each is refused or bounded and the item
// still shows (its file is fetched live later).
import { beforeEach, describe, expect, it } from 'vitest'
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Mailbox } from '../../node-tab/mailbox/mailbox'
import { bundleEvents } from '../../node-tab/mailbox/mailbox-bundle-events'
import { assembleFile, CHUNK_CONTENT_CHARS, CHUNK_DATA_BYTES, checkFileRefs, fileChunkEvents, MAILBOX_FILE_MAX_BYTES, MAX_CHUNKS_PER_FILE, MAX_FILES_PER_BUNDLE, MAX_FILES_PER_READ, openChunk, type FileRef } from '../../node-tab/mailbox/mailbox-files'
import { BUNDLE_KIND, CHUNK_KIND, DEFAULT_MAILBOX_RELAY_LIMITS, publishEvents, WRAP_KIND } from '../../node-tab/mailbox/mailbox-relay'
import type { ItemsStore } from '../../node-tab/storage/items-store'
import type { FriendCache } from '../../client/cache/friend-cache'
import { randomBytes, secretOpen, secretSeal } from '../../shared/crypto/crypto'
import { contentHash, openBundle, sealBundle, type OpenedBundle, type Wrap } from '../../node-tab/mailbox/mailbox-bundles'
import { LETTER_LIFETIME_MS, pad, unpad } from '../../node-tab/mailbox/mailbox-letters'
import { fromBase64, fromHex, toBase64, toHex } from '../../shared/util/bytes'
import type { RelayEvent, RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import { person, type Person } from './friend-fixtures'
import { aliceBobCarol, createSocket, ignoringIds, mailboxOf, nodeWithFriends, readerOf, strictRelay, type OwnersNode, type Reader } from './mailbox-fixtures'

const cleanups = cleanupsAfterEach()
let relay: RunningRelay
let alice: Person, bob: Person, secretAB: Uint8Array
beforeEach(async () => { relay = await strictRelay(cleanups); ({ alice, bob, secretAB } = aliceBobCarol()) })

const chunks = (): RelayEvent[] => relay.stored().filter((e) => e.kind === CHUNK_KIND)
const ofKind = (kind: number): RelayEvent[] => relay.stored().filter((e) => e.kind === kind)

/** Alice's node with these friends, an item store, and her mailbox. */
async function aliceNode (friends: Person[]): Promise<OwnersNode & { mailbox: Mailbox }> {
  const node = await nodeWithFriends(cleanups, alice, friends)
  return { ...node, mailbox: mailboxOf(cleanups, relay, alice, node.db, node.secrets) }
}

/** Bob's node and cache, wired as the client wires them. */
const reader = (socket = createSocket): Reader => readerOf(cleanups, relay, bob, alice, secretAB, { socket })

/** Bytes that look like a photo to nobody: random, so no chunk repeats. */
const photo = (size: number): Uint8Array => randomBytes(size)

async function sharePhoto (items: ItemsStore, bytes: Uint8Array, caption = 'Sunset from the ridge'): Promise<string> {
  const item = await items.create({ type: 'file', text: caption, audience: { kind: 'friends' }, file: { name: 'ridge.jpg', mime: 'image/jpeg', content: new Blob([bytes as Uint8Array<ArrayBuffer>]) } })
  return item.id
}

async function cachedBytes (cache: FriendCache, id: string): Promise<Uint8Array | null> {
  const blob = await cache.fileBlob(alice.keyHex, id)
  return blob ? new Uint8Array(await blob.arrayBuffer()) : null
}

/** Byte for byte (a deep equality over a megabyte is slow). */
const sameBytes = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.from(a).equals(Buffer.from(b))

async function publish (events: readonly Event[]): Promise<void> {
  expect(await publishEvents(relay.url, events, { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(events.length)
}

/** The events of a photo post for Bob made here (as Alice's node makes them), not yet published. */
function photoPost (bytes: Uint8Array, id = 'photo1'): { events: Event[], item: unknown } {
  const now = Date.now()
  const item = { id, type: 'file', text: 'caption', createdAt: now, updatedAt: now, file: { name: 'a.jpg', mime: 'image/jpeg', size: bytes.length } }
  const made = bundleEvents(alice.keyHex, [{ key: bob.keyHex, secret: secretAB }], alice.identity.secretKey, [item], now, new Map([[id, bytes]]))
  return { events: made.events, item }
}

describe('small files through the mailbox', () => {
  it('a photo Alice shares while Bob is away travels sealed in chunks with its post, and lands in his cache as a downloaded file would', async () => {
    const { mailbox, items } = await aliceNode([bob])
    const bytes = photo(100_000)
    const photoId = await sharePhoto(items, bytes)
    // Three chunks (100 KB in 44 KB chunks), the bundle and a wrap event.
    expect(await mailbox.itemsChanged([photoId])).toBe(5)
    expect(chunks()).toHaveLength(3)
    for (const chunk of chunks()) {
      // Every chunk looks alike: the largest bucket, one random tag, an expiry, a throwaway key.
      expect(chunk.content).toHaveLength(CHUNK_CONTENT_CHARS)
      expect(chunk.tags.map((t) => t[0])).toEqual(['t', 'expiration'])
      expect(Number(chunk.tags[1]![1]) * 1000).toBeGreaterThan(Date.now() + LETTER_LIFETIME_MS - 60_000)
    }
    expect(new Set(relay.stored().map((e) => e.pubkey)).size).toBe(relay.stored().length)
    expect(new Set(chunks().map((e) => e.tags[0]![1])).size).toBe(3)
    const dump = JSON.stringify(relay.stored())
    for (const secret of ['ridge.jpg', 'Sunset', 'image/jpeg', alice.keyHex, bob.keyHex, toBase64(bytes.subarray(0, 30))]) expect(dump).not.toContain(secret)
    const b = reader()
    expect(await b.mailbox.read()).toBe(1)
    const [cached] = await b.cache.items(alice.keyHex)
    expect(cached!.text).toBe('Sunset from the ridge')
    expect(cached!.fileCached).toBe(true)
    expect(sameBytes(await cachedBytes(b.cache, photoId), bytes)).toBe(true)
  })

  it('costs its chunks once per relay whatever the audience: 1 friend or 120', async () => {
    const many = [bob, ...Array.from({ length: 119 }, () => person())]
    const { items, mailbox } = await aliceNode(many)
    const id = await sharePhoto(items, photo(500_000))
    // 12 chunks of 44 KB, one bundle, ⌈120 / 50⌉ wrap events.
    expect(await mailbox.itemsChanged([id])).toBe(12 + 1 + 3)
    expect(chunks()).toHaveLength(12)
    expect(ofKind(BUNDLE_KIND)).toHaveLength(1)
    expect(ofKind(WRAP_KIND)).toHaveLength(3)
    const b = reader()
    await b.mailbox.read()
    expect((await b.cache.items(alice.keyHex))[0]!.fileCached).toBe(true)
  })

  it('up to 1 MiB goes (24 chunks); a larger file and its item wait for a live session, as before', async () => {
    const { items, mailbox } = await aliceNode([bob])
    const largest = photo(MAILBOX_FILE_MAX_BYTES)
    const fits = await sharePhoto(items, largest)
    expect(MAX_CHUNKS_PER_FILE).toBe(24)
    expect(await mailbox.itemsChanged([fits])).toBe(24 + 2)
    const tooLarge = await sharePhoto(items, photo(MAILBOX_FILE_MAX_BYTES + 1), 'too large')
    expect(await mailbox.itemsChanged([tooLarge])).toBe(0)
    const b = reader()
    expect(await b.mailbox.read()).toBe(1)
    const cached = await b.cache.items(alice.keyHex)
    expect(cached.map((i) => i.text)).toEqual(['Sunset from the ridge'])
    expect(sameBytes(await cachedBytes(b.cache, fits), largest)).toBe(true)
  }, 60_000) // 1 MiB sealed, through the relay and an in-memory IndexedDB: slow on a loaded machine

  it('a missing chunk: the post shows, its file is not there (a live session fetches it)', async () => {
    const { events } = photoPost(photo(100_000))
    await publish(events.filter((e, i) => !(e.kind === CHUNK_KIND && i === 1)))
    const b = reader()
    expect(await b.mailbox.read()).toBe(1)
    expect((await b.cache.items(alice.keyHex)).map((i) => [i.text, i.fileCached])).toEqual([['caption', false]])
    expect(await cachedBytes(b.cache, 'photo1')).toBeNull()
    expect(b.mailbox.dropped['file-missing']).toBe(1)
  })

  it('a chunk one relay lacks is asked of the next, and the file comes whole from the two', async () => {
    const second = await strictRelay(cleanups)
    const bytes = photo(100_000)
    const { events } = photoPost(bytes)
    const missing = events.filter((e) => e.kind === CHUNK_KIND)[1]!
    await publish(events.filter((e) => e !== missing))
    expect(await publishEvents(second.url, [missing], { createSocket, limits: DEFAULT_MAILBOX_RELAY_LIMITS })).toBe(1)
    const { mailbox, cache } = readerOf(cleanups, relay, bob, alice, secretAB, { urls: () => [relay.url, second.url] })
    expect(await mailbox.read()).toBe(1)
    expect(sameBytes(await cachedBytes(cache, 'photo1'), bytes)).toBe(true)
    expect(mailbox.dropped['file-missing']).toBeUndefined()
  })

  it('a chunk of another file (or another chunk of this one) under a named chunk\'s tag, from a relay that ignores ids, is refused; the real one is taken', async () => {
    const bytes = photo(100_000)
    const { events } = photoPost(bytes)
    const other = photoPost(photo(100_000), 'photo2').events.filter((e) => e.kind === CHUNK_KIND)
    const mine = events.filter((e) => e.kind === CHUNK_KIND)
    // A relay re-signs other chunks (same size) under the tags this file's chunks carry.
    const forged = [...other, mine[2]!].map((e, i) => finalizeEvent({ kind: CHUNK_KIND, created_at: e.created_at, tags: [['t', mine[i % 3]!.tags[0]![1]!], e.tags[1]!], content: e.content }, generateSecretKey()))
    await publish([...forged, ...events])
    const b = reader(ignoringIds)
    await b.mailbox.read()
    expect(sameBytes(await cachedBytes(b.cache, 'photo1'), bytes)).toBe(true)
    expect(b.mailbox.dropped['wrong-id']).toBe(forged.length)
  })

  it('only replayed chunks, no real ones: nothing taken, the post still shows', async () => {
    const { events } = photoPost(photo(100_000))
    const other = photoPost(photo(100_000), 'photo2').events.filter((e) => e.kind === CHUNK_KIND)
    const mine = events.filter((e) => e.kind === CHUNK_KIND)
    const forged = other.map((e, i) => finalizeEvent({ kind: CHUNK_KIND, created_at: e.created_at, tags: [['t', mine[i]!.tags[0]![1]!], e.tags[1]!], content: e.content }, generateSecretKey()))
    await publish([...forged, ...events.filter((e) => e.kind !== CHUNK_KIND)])
    const b = reader()
    expect(await b.mailbox.read()).toBe(1)
    expect((await b.cache.items(alice.keyHex)).map((i) => i.fileCached)).toEqual([false])
    expect(b.mailbox.dropped['file-missing']).toBe(1)
  })

  it('junk and a flood under a chunk\'s tag, from a relay that ignores ids, are bounded, and the file still comes', async () => {
    const bytes = photo(50_000)
    const { events } = photoPost(bytes)
    const tag = events.find((e) => e.kind === CHUNK_KIND)!.tags[0]![1]!
    const junk = Array.from({ length: 80 }, (_, i) => finalizeEvent({ kind: CHUNK_KIND, created_at: Math.floor(Date.now() / 1000) - i, tags: [['t', tag]], content: toBase64(randomBytes(1000)) }, generateSecretKey()))
    for (let i = 0; i < junk.length; i += 20) await publish(junk.slice(i, i + 20))
    await publish(events)
    const b = reader(ignoringIds)
    await b.mailbox.read()
    expect(sameBytes(await cachedBytes(b.cache, 'photo1'), bytes)).toBe(true)
    expect(b.mailbox.dropped['wrong-id']).toBe(junk.length)
  })

  it('a read takes at most 16 files (however many bundles name them); the rest wait for a live session', async () => {
    const now = Date.now()
    const files = new Map<string, Uint8Array>()
    const posts = Array.from({ length: MAX_FILES_PER_READ + 1 }, (_, i) => {
      const bytes = photo(200 + i)
      files.set(`p${i}`, bytes)
      return { id: `p${i}`, type: 'file', text: `photo ${i}`, createdAt: now, updatedAt: now, file: { name: 'a.jpg', mime: 'image/jpeg', size: bytes.length } }
    })
    const made = bundleEvents(alice.keyHex, [{ key: bob.keyHex, secret: secretAB }], alice.identity.secretKey, posts, now, files)
    // At most 8 files a bundle: split.
    expect(made.sent.length).toBeGreaterThan(2)
    for (let i = 0; i < made.events.length; i += 20) await publish(made.events.slice(i, i + 20))
    const b = reader()
    await b.mailbox.read()
    const cached = await b.cache.items(alice.keyHex)
    expect(cached).toHaveLength(MAX_FILES_PER_READ + 1)
    expect(cached.filter((i) => i.fileCached)).toHaveLength(MAX_FILES_PER_READ)
    expect(b.mailbox.dropped['file-deferred']).toBe(1)
    // Their chunks asked for together (16 chunks, under a read's 48): one REQ, not one a file, on the relay's rate limit.
    const chunkReads = relay.seen().filter((m) => m.startsWith('["REQ"') && (JSON.parse(m) as [string, string, { kinds: number[] }])[2].kinds.includes(CHUNK_KIND))
    expect(chunkReads).toHaveLength(1)
  })

  it('deleting the photo before Bob reads withdraws its chunks with the bundle (a relay that honours deletions)', async () => {
    relay = await strictRelay(cleanups, { deletions: 'honoured' })
    const { items, mailbox } = await aliceNode([bob])
    const id = await sharePhoto(items, photo(100_000))
    await mailbox.itemsChanged([id])
    expect(chunks()).toHaveLength(3)
    await items.delete(id)
    await mailbox.noticesChanged([id])
    expect(chunks()).toEqual([])
    expect(ofKind(BUNDLE_KIND)).toEqual([])
  })
})

describe('a chunk and a file are checked against what the bundle names', () => {
  const seed = randomBytes(32)
  const exp = Date.now() + LETTER_LIFETIME_MS
  const made = fileChunkEvents('photo1', photo(3 * CHUNK_DATA_BYTES - 10), CHUNK_KIND, seed, 0, exp, Date.now())!
  const { ref, events } = made

  it('each chunk opens at its place', () => {
    const opened = events.map((e, i) => openChunk(e, ref, i)!)
    expect(opened.map((b) => b.length)).toEqual([CHUNK_DATA_BYTES, CHUNK_DATA_BYTES, CHUNK_DATA_BYTES - 10])
    expect(assembleFile(ref, opened)).not.toBeNull()
  })

  /** The file's reference as if the bundle named `content` as chunk `index` (its hash): only the later checks are left. */
  const naming = (index: number, content: string): FileRef => ({ ...ref, chunks: ref.chunks.map((c, i) => i === index ? { ...c, hash: toHex(sha256(new TextEncoder().encode(content))) } : c) })
  /** Sealed under this file's key F, as only someone holding the bundle could. */
  const sealedUnderF = (plain: Uint8Array): string => toBase64(secretSeal(plain, fromHex(ref.key)))
  const plainOf = (length: number, claimed = length, size = CHUNK_DATA_BYTES + 4): Uint8Array => {
    const plain = new Uint8Array(size)
    new DataView(plain.buffer).setUint32(0, claimed)
    plain.set(randomBytes(Math.min(length, size - 4)), 4)
    return plain
  }

  it('a chunk swapped for another of the same size (the same id and tag served with its content) is refused: the content hash', () => {
    expect(openChunk({ id: events[0]!.id, tags: events[0]!.tags, content: events[1]!.content }, ref, 0)).toBeNull()
  })

  it('the right content and tag in another event (re-signed by a relay) is not the event named', () => {
    expect(openChunk({ ...events[0]!, id: toHex(randomBytes(32)) }, ref, 0)).toBeNull()
  })

  it('the right content under another tag is refused', () => {
    expect(openChunk({ ...events[0]!, tags: [['t', toHex(randomBytes(32))]] }, ref, 0)).toBeNull()
  })

  it('an oversized (or undersized) chunk is refused before it is opened, even named by the bundle', () => {
    const big = sealedUnderF(plainOf(CHUNK_DATA_BYTES, CHUNK_DATA_BYTES, CHUNK_DATA_BYTES + 4 + 3000))
    expect(openChunk({ ...events[0]!, content: big }, naming(0, big), 0)).toBeNull()
    const small = sealedUnderF(plainOf(1000, 1000, 4096))
    expect(openChunk({ ...events[0]!, content: small }, naming(0, small), 0)).toBeNull()
  })

  it('a chunk that holds other than the bytes its place needs is refused, even named by the bundle', () => {
    // The last chunk claiming a full chunk's bytes (the file would grow past its size).
    const long = sealedUnderF(plainOf(CHUNK_DATA_BYTES))
    expect(openChunk({ ...events[2]!, content: long }, naming(2, long), 2)).toBeNull()
    // A middle chunk cut short, and a length past the chunk's end.
    const short = sealedUnderF(plainOf(100))
    expect(openChunk({ ...events[1]!, content: short }, naming(1, short), 1)).toBeNull()
    const past = sealedUnderF(plainOf(CHUNK_DATA_BYTES, 0xffffffff))
    expect(openChunk({ ...events[1]!, content: past }, naming(1, past), 1)).toBeNull()
  })

  it('a chunk of another file (sealed under its own key) is refused even if the bundle named its id and hash', () => {
    const other = fileChunkEvents('photo2', photo(3 * CHUNK_DATA_BYTES - 10), CHUNK_KIND, seed, 0, exp, Date.now())!
    const mixed: FileRef = { ...ref, chunks: [other.ref.chunks[0]!, ...ref.chunks.slice(1)] }
    expect(openChunk(other.events[0]!, mixed, 0)).toBeNull()
  })

  it('assembled bytes that are not the file named are refused', () => {
    const opened = events.map((e, i) => openChunk(e, ref, i)!)
    expect(assembleFile({ ...ref, sha256: toHex(randomBytes(32)) }, opened)).toBeNull()
    expect(assembleFile(ref, opened.slice(0, 2))).toBeNull()
  })

  const item = (size: number, id = 'photo1'): unknown => ({ id, type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'a', mime: 'image/jpeg', size } })

  it('a bundle naming more chunks or bytes than allowed, or than the item, names no file', () => {
    expect(checkFileRefs([ref], [item(ref.size)])).not.toBeNull()
    // One chunk more than the size needs.
    expect(checkFileRefs([{ ...ref, chunks: [...ref.chunks, { ...ref.chunks[0]!, event: toHex(randomBytes(32)) }] }], [item(ref.size)])).toBeNull()
    // Past the limit, with the chunks such a size would need.
    const huge = MAILBOX_FILE_MAX_BYTES + 1
    const hugeChunks = Array.from({ length: Math.ceil(huge / CHUNK_DATA_BYTES) }, () => ({ event: toHex(randomBytes(32)), hash: toHex(randomBytes(32)), tag: toHex(randomBytes(32)) }))
    expect(checkFileRefs([{ ...ref, size: huge, chunks: hugeChunks }], [item(huge)])).toBeNull()
    // A size other than the item's, an item not in the bundle, the same chunk twice, too many files.
    expect(checkFileRefs([ref], [item(ref.size + 1)])).toBeNull()
    expect(checkFileRefs([ref], [item(ref.size, 'other')])).toBeNull()
    expect(checkFileRefs([{ ...ref, chunks: [ref.chunks[0], ref.chunks[0], ref.chunks[2]] }], [item(ref.size)])).toBeNull()
    const nine = Array.from({ length: MAX_FILES_PER_BUNDLE + 1 }, (_, i) => ({ ...ref, item: `p${i}`, chunks: ref.chunks.map(() => ({ event: toHex(randomBytes(32)), hash: toHex(randomBytes(32)), tag: toHex(randomBytes(32)) })) }))
    expect(checkFileRefs(nine, nine.map((r) => item(r.size, r.item)))).toBeNull()
  })

  it('file references changed by someone holding K (a friend in the audience) are refused: they carry the owner\'s signature', () => {
    const now = Date.now()
    const post = item(ref.size)
    const bundle = sealBundle(alice.keyHex, [post], alice.identity.secretKey, now, [ref])!
    const wrapFor = (content: string): Wrap => ({ id: '0'.repeat(32), exp: bundle.exp, k: bundle.k, event: '0'.repeat(64), hash: contentHash(content), tag: bundle.tag })
    expect((openBundle(bundle.content, wrapFor(bundle.content), alice.keyHex, now) as OpenedBundle).files).toEqual([ref])
    // Opened with K, the files swapped for others (another hash: bytes of the friend's choosing), sealed again.
    const outer = JSON.parse(new TextDecoder().decode(unpad(secretOpen(fromBase64(bundle.content), bundle.k)!)!)) as Record<string, string>
    // What a reader from before files checks is as it was (the signed items, exactly these keys); the files are beside them.
    expect(Object.keys(JSON.parse(outer.b!) as object)).toEqual(['v', 'from', 'exp', 'items'])
    expect(Object.keys(outer)).toEqual(['b', 's', 'f', 'fs'])
    outer.f = JSON.stringify([{ ...ref, sha256: toHex(randomBytes(32)) }])
    const forged = toBase64(secretSeal(pad(new TextEncoder().encode(JSON.stringify(outer)))!, bundle.k))
    const opened = openBundle(forged, wrapFor(forged), alice.keyHex, now) as OpenedBundle
    expect(opened.items).toEqual([post])
    expect(opened.files).toBeNull()
  })

  it('a bundle whose files are refused still brings its items (the file waits for a live session)', async () => {
    const bytes = photo(100_000)
    const now = Date.now()
    const post = { id: 'photo1', type: 'file', text: 'still shows', createdAt: now, updatedAt: now, file: { name: 'a.jpg', mime: 'image/jpeg', size: bytes.length + 1 } }
    // Alice's own (buggy or tampered) bundle names a file whose size is not its item's.
    const made = bundleEvents(alice.keyHex, [{ key: bob.keyHex, secret: secretAB }], alice.identity.secretKey, [post], now, new Map([['photo1', bytes]]))
    await publish(made.events)
    const b = reader()
    expect(await b.mailbox.read()).toBe(1)
    expect((await b.cache.items(alice.keyHex)).map((i) => [i.text, i.fileCached])).toEqual([['still shows', false]])
    expect(b.mailbox.dropped['files-refused']).toBe(1)
    expect(chunks().length).toBe(3) // sent, never fetched
  })
})
