// The blind mailbox, in real pages (DESIGN §6c): Alice and Bob are never
// online at the same moment, and a relay (a stock Nostr relay from npm,
// strict as public ones are) carries what Alice shares and deletes, sealed.
// The tracker stays up; what matters is that Alice has no device online
// when Bob comes (a small photo comes too, in chunks beside its post). Then
// what the relay holds is searched for who they are and what they shared.
import { describe, expect, it } from 'vitest'
import { loadCrypto } from '../../shared/crypto/crypto'
import { parseAddress } from '../../shared/identity/identity'
import { toBase64, toHex } from '../../shared/util/bytes'
import { feedTexts, refreshFeed, tab } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { desktopAndPhone, reopenApp, worldPerFile, type Person } from './support/world'
import { BUNDLE_KIND, CHUNK_KIND, DELETION_KIND, MAILBOX_KIND, MAILBOX_KINDS, mailboxPending, storedMailboxEvents, storedOfKind, WRAP_KIND } from './support/mailbox'
import { gradientPng } from './support/images'

const world = worldPerFile({ relay: true })
let alice: Person, bob: Person
const NOTE = 'Kites on Pebble Hill, Saturday at dawn'
const PHOTO = 'The meadow behind Larkspur Mill'
const PHOTO_NAME = 'larkspur-meadow.png'
/** A small photo (well under the mailbox's 1 MiB): 640 px wide. */
const PHOTO_BYTES = gradientPng(640, 420, 150_000)
const ALICE = 'Alice Ferrand'
const BOB = 'Bob Ashgrove'
const letters = (): number => storedMailboxEvents(world)
/** Every event clients published on the relay (stored or not: deletion requests are not stored). */
const published = (): Array<{ id: string, kind: number, tags: string[][], pubkey: string }> => world.relay!.seen()
  .map((m) => JSON.parse(m) as unknown[]).filter((m) => m[0] === 'EVENT').map((m) => m[1] as { id: string, kind: number, tags: string[][], pubkey: string })
const deletionRequests = (): number => published().filter((e) => e.kind === DELETION_KIND).length

const comeBack = (person: Person): Promise<void> => reopenApp(person, world.appUrl)
/** Until a relay took everything the person's node sent (what it sends again as it opens included). */
const nothingPending = (person: Person): Promise<void> => expect.poll(() => mailboxPending(person.page), { timeout: 30_000 }).toBe(0)

/** The cursors Bob's node asked Alice's mailbox for ('' is "from the start"), from its device settings. */
async function requestsBobSent (): Promise<string[]> {
  return bob.page.evaluate(async () => await new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('settings').objectStore('settings').get('mailboxAsked')
      get.onsuccess = () => {
        open.result.close()
        resolve(((get.result as { value?: Array<{ ref: string }> } | undefined)?.value ?? []).map((r) => r.ref))
      }
    }
  }))
}

/** What Alice's Deletion requests screen says of Bob. */
async function bobsConfirmation (): Promise<string> {
  await tab(alice.page, 'My items')
  return (await alice.page.getByTestId('deletion-friend').filter({ hasText: BOB }).allTextContents()).join('\n')
}

async function aliceFeedOfBob (): Promise<void> {
  await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
  await bob.page.getByTestId('feed-state').waitFor()
}

describe('a mailbox on the relay for whoever is offline', () => {
  it('Alice and Bob become friends and he sees what she shares live', async () => {
    ;[alice, bob] = await newPeople(world, ALICE, BOB)
    await befriend(alice, bob)
    await share(alice, 'Hello from Alice')
    await refreshFeed(bob.page)
    await expect.poll(() => feedTexts(bob.page), { timeout: 30_000 }).toEqual([expect.stringContaining('Hello from Alice')])
  })

  it('Bob closes his browser; Alice shares a post and closes hers; Bob opens Kith later and sees it', async () => {
    await bob.page.close()
    const before = letters()
    await share(alice, NOTE, { kind: 'Post' })
    // Alice's node left the post on the relay before she leaves: one bundle, and one wrap event (Bob's wrap).
    await expect.poll(letters, { timeout: 30_000 }).toBe(before + 2)
    await nothingPending(alice)
    await alice.page.close()
    await comeBack(bob)
    await aliceFeedOfBob()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 60_000 }).toContain(NOTE)
    // A bundle and its wraps are not Bob's to delete (other friends' wraps may be in the event): they expire.
    expect(deletionRequests()).toBe(0)
    // Alice is not online: the post came by the relay.
    await bob.page.goto(`${world.appUrl}#/me`)
    await tab(bob.page, 'Friends')
    expect((await bob.page.getByTestId('friend-entry').filter({ hasText: ALICE }).getByTestId('friend-presence').textContent())?.trim()).toBe('Offline')
    await aliceFeedOfBob()
    await desktopAndPhone(bob, 'mailbox-bob-sees-post-alice-offline')
  })

  it('Bob closes his browser; Alice shares a post with a small photo and closes hers; Bob opens Kith later and sees the photo', async () => {
    expect(PHOTO_BYTES.length).toBeLessThan(1024 * 1024)
    await bob.page.close()
    await comeBack(alice)
    await nothingPending(alice)
    const before = letters()
    const chunksBefore = storedOfKind(world, CHUNK_KIND)
    await share(alice, PHOTO, { file: { name: PHOTO_NAME, mimeType: 'image/png', buffer: PHOTO_BYTES } })
    // Its bytes in 44 KB chunks, the bundle that names them, and Bob's wrap.
    const chunks = Math.ceil(PHOTO_BYTES.length / 45_052)
    await expect.poll(letters, { timeout: 30_000 }).toBe(before + chunks + 2)
    expect(storedOfKind(world, CHUNK_KIND)).toBe(chunksBefore + chunks)
    await nothingPending(alice)
    await alice.page.close()
    await comeBack(bob)
    await aliceFeedOfBob()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 60_000 }).toContain(PHOTO)
    // The photo itself: its image loads, from Bob's own cache (Alice is not online).
    const preview = bob.page.getByTestId('feed-item').filter({ hasText: PHOTO }).getByTestId('file-preview')
    await preview.waitFor({ timeout: 30_000 })
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 30_000 }).toBe(true)
    await bob.page.goto(`${world.appUrl}#/me`)
    await tab(bob.page, 'Friends')
    expect((await bob.page.getByTestId('friend-entry').filter({ hasText: ALICE }).getByTestId('friend-presence').textContent())?.trim()).toBe('Offline')
    await aliceFeedOfBob()
    await preview.waitFor({ timeout: 30_000 })
    await desktopAndPhone(bob, 'mailbox-bob-sees-photo-alice-offline')
  })

  it('Alice deletes it while Bob is away, then leaves; Bob comes back and his copy goes; he leaves; Alice comes back: "Bob — confirmed"', async () => {
    await bob.page.close()
    await comeBack(alice)
    // Letters proper (not bundles): on a busy machine, a change whose events
    // a relay had not confirmed before Alice's tab closed is sent again as
    // she comes back (bundles, wraps, chunks), which is not what is counted here.
    const letters = (): number => storedOfKind(world, MAILBOX_KIND)
    const before = letters()
    await tab(alice.page, 'My items')
    const item = alice.page.getByTestId('my-item').filter({ hasText: NOTE })
    await item.getByRole('button', { name: 'Delete' }).click()
    await item.getByRole('button', { name: 'Yes, delete' }).click()
    await expect.poll(letters, { timeout: 30_000 }).toBe(before + 1)
    await expect.poll(() => bobsConfirmation(), { timeout: 30_000 }).toMatch(/waiting/i)
    await nothingPending(alice)
    await alice.page.close()
    const deletionsBefore = deletionRequests()
    await comeBack(bob)
    await aliceFeedOfBob()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 60_000 }).not.toContain(NOTE)
    // What came live before stays.
    expect((await feedTexts(bob.page)).join('\n')).toContain('Hello from Alice')
    // Bob's node left its acknowledgement on the relay before he leaves: it
    // asks for the "forget it" letter's deletion only once the acknowledgement went out.
    await expect.poll(deletionRequests, { timeout: 30_000 }).toBeGreaterThan(deletionsBefore)
    expect(letters()).toBeGreaterThanOrEqual(before + 2)
    await nothingPending(bob)
    await bob.page.close()
    await comeBack(alice)
    await expect.poll(() => bobsConfirmation(), { timeout: 60_000 }).toMatch(/confirmed/)
    // Bob is not online: the confirmation came by the relay.
    await tab(alice.page, 'Friends')
    expect((await alice.page.getByTestId('friend-entry').filter({ hasText: BOB }).getByTestId('friend-presence').textContent())?.trim()).toBe('Offline')
    await tab(alice.page, 'My items')
    await desktopAndPhone(alice, 'mailbox-alice-sees-bob-confirmed')
  })

  it('Bob clears his cached copies of Alice while she is away and asks again; Alice opens Kith briefly and closes it; Bob later has the items', async () => {
    await alice.page.close()
    await comeBack(bob)
    await aliceFeedOfBob()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 30_000 }).toContain('Hello from Alice')
    await bob.page.getByRole('button', { name: 'Clear cached copies' }).click()
    await bob.page.getByRole('button', { name: 'Yes, clear' }).click()
    await expect.poll(() => feedTexts(bob.page)).toEqual([])
    await bob.page.getByRole('button', { name: 'Refresh' }).click()
    // No session comes (Alice is away): Bob's node leaves his request, for everything, in her mailbox.
    await expect.poll(() => requestsBobSent(), { timeout: 90_000 }).toContain('')
    await bob.page.close()
    const before = letters()
    await comeBack(alice)
    // Her node answers by letters as it starts; she closes Kith once they are on the relay.
    await expect.poll(letters, { timeout: 60_000 }).toBeGreaterThan(before)
    await nothingPending(alice)
    await alice.page.close()
    await comeBack(bob)
    await aliceFeedOfBob()
    await expect.poll(async () => (await feedTexts(bob.page)).join('\n'), { timeout: 60_000 }).toContain('Hello from Alice')
    // Only what Bob may see, and the deleted post does not come back.
    expect((await feedTexts(bob.page)).join('\n')).not.toContain(NOTE)
    await bob.page.goto(`${world.appUrl}#/me`)
    await tab(bob.page, 'Friends')
    expect((await bob.page.getByTestId('friend-entry').filter({ hasText: ALICE }).getByTestId('friend-presence').textContent())?.trim()).toBe('Offline')
  })

  it('what the relay holds and saw names nobody: no address, key, name or text', async () => {
    await loadCrypto()
    const seen = world.relay!.seen().join('\n') + JSON.stringify(world.relay!.stored())
    expect(letters()).toBeGreaterThan(0)
    const secrets: string[] = [NOTE, 'Hello from Alice', ALICE, BOB, 'Ferrand', 'Ashgrove', 'Pebble', PHOTO, PHOTO_NAME, 'Larkspur', 'image/png',
      // The photo's bytes in any form a relay could hold them: its start, in base64 (at each alignment) and hex.
      toBase64(PHOTO_BYTES.subarray(0, 48)), toBase64(PHOTO_BYTES.subarray(1, 49)), toBase64(PHOTO_BYTES.subarray(2, 50)), toHex(PHOTO_BYTES.subarray(0, 32)),
      toBase64(PHOTO_BYTES.subarray(5000, 5048))]
    for (const person of [alice, bob]) {
      const key = parseAddress(person.address)
      secrets.push(person.address, toHex(key), toBase64(key), toBase64(key).replace(/=+$/, ''))
    }
    for (const secret of secrets) expect(seen, `the relay saw “${secret}”`).not.toContain(secret)
    // Bundles and their wrap events (the posts), letters both ways ("forget it", Bob's acknowledgement, his
    // request and Alice's answer) and deletion requests, and nothing else; each with its own throwaway key,
    // and no tag beyond hashed or random tags and an expiry (mailbox events) or the event ids (deletions).
    // (Ephemeral kinds, 20000 and up, are the rendezvous' sealed offers: never stored, see the relays test.)
    const events = published().filter((e) => e.kind < 20_000)
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set([MAILBOX_KIND, WRAP_KIND, BUNDLE_KIND, CHUNK_KIND, DELETION_KIND]))
    const mailboxEvents = new Map(events.filter((e) => MAILBOX_KINDS.includes(e.kind)).map((e) => [e.id, e.pubkey]))
    expect(new Set(mailboxEvents.values()).size).toBe(mailboxEvents.size)
    // A deletion request is signed by its event's own key: it names nobody new.
    for (const e of events.filter((e) => e.kind === DELETION_KIND)) expect(mailboxEvents.get(e.tags[0]![1]!)).toBe(e.pubkey)
    for (const e of events) {
      expect(e.tags.map((t) => t[0])).toEqual(MAILBOX_KINDS.includes(e.kind) ? ['t', 'expiration'] : [...e.tags.slice(0, -1).map(() => 'e'), 'k'])
    }
    // A bundle's tag is its own (random): no wrap or letter goes under it, and no two bundles share one.
    const tagOf = (e: { tags: string[][] }): string => e.tags[0]![1]!
    const bundleTags = events.filter((e) => e.kind === BUNDLE_KIND).map(tagOf)
    expect(bundleTags.length).toBeGreaterThan(0)
    expect(new Set(bundleTags).size).toBe(bundleTags.length)
    for (const e of events.filter((e) => e.kind === WRAP_KIND || e.kind === MAILBOX_KIND)) expect(bundleTags).not.toContain(tagOf(e))
    // A chunk's tag is its own too, and every chunk is the same size (the largest bucket): a relay learns how many, not the length.
    const chunks = events.filter((e) => e.kind === CHUNK_KIND) as Array<{ tags: string[][], content?: string }>
    expect(chunks.length).toBeGreaterThan(0)
    const chunkTags = chunks.map(tagOf)
    expect(new Set([...chunkTags, ...bundleTags]).size).toBe(chunkTags.length + bundleTags.length)
    for (const e of events.filter((e) => e.kind === WRAP_KIND || e.kind === MAILBOX_KIND)) expect(chunkTags).not.toContain(tagOf(e))
    expect(new Set(world.relay!.stored().filter((e) => e.kind === CHUNK_KIND).map((e) => e.content.length)).size).toBe(1)
  })
})
