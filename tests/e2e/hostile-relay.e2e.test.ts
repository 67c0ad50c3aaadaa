// The blind mailbox through a hostile relay, in real pages (DESIGN §6c): the
// only relay the app knows drops, replays, reorders, re-wraps, serves
// expired events and floods junk under Alice and Bob's tags and under
// the tags of Alice's bundles and of her photo's chunks
// (support/hostile-relay.ts, in front of the strict test relay). Alice and
// Bob are never online together after becoming friends. Nothing wrong is
// accepted, nothing is shown twice on Bob's Home, and what Bob's node
// looked at stays within the mailbox's bounds (its dropped counters).
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { tab } from './support/app'
import { befriend, newPeople, share } from './support/people'
import { gradientPng } from './support/images'
import { reopenApp, worldPerFile, type Person } from './support/world'
import { storedMailboxEvents } from './support/mailbox'

const world = worldPerFile({ hostileRelay: true })
let alice: Person, bob: Person
const LIVE = 'Tea at four, said live'
const KEPT = 'Orchard walk on Sunday morning'
const DELETED = 'Wrong date for the orchard walk'
const PHOTO = 'The orchard gate in the rain'
/** The mailbox's bounds (node-tab/mailbox/mailbox-relay.ts): events looked at per tag. */
const EVENTS_PER_TAG = 50
/** Tags Bob reads per friend: eight windows (mailbox-letters.ts WINDOWS_TO_READ). */
const TAGS_PER_FRIEND = 8

const comeBack = (person: Person): Promise<void> => reopenApp(person, world.appUrl)

/** The texts on Bob's Home, shown afresh. By the hash, not a page load:
 *  a load would restart his node, and with it a mailbox read under way. */
async function home (page: Page): Promise<string[]> {
  await page.evaluate(() => { location.hash = '#/me' })
  await page.getByTestId('my-address').waitFor()
  await page.evaluate(() => { location.hash = '#/home' })
  await page.getByRole('heading', { name: 'Shared with you' }).waitFor()
  // The heading shows at once, the list once Home has read the cache: until
  // then it says "Loading…", and counting items then would count none.
  await page.locator('kith-home').getByRole('status').filter({ hasText: 'Loading…' }).waitFor({ state: 'hidden' })
  return page.getByTestId('home-item').allTextContents()
}

const times = (texts: string[], text: string): number => texts.filter((t) => t.includes(text)).length

/** Bob's node's mailbox drop counters (a device setting written after each read). */
async function dropped (page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => await new Promise<Record<string, number>>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('settings').objectStore('settings').get('mailboxDropped')
      get.onsuccess = () => {
        open.result.close()
        resolve((get.result as { value?: Record<string, number> } | undefined)?.value ?? {})
      }
    }
  }))
}

/** Forgets the counters, so the next page's read is the one that writes them. */
async function forgetDropped (page: Page): Promise<void> {
  await page.evaluate(async () => await new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const tx = open.result.transaction('settings', 'readwrite')
      tx.objectStore('settings').delete('mailboxDropped')
      tx.oncomplete = () => { open.result.close(); resolve() }
    }
  }))
}

describe('a hostile relay', () => {
  it('Alice and Bob become friends (the hostile relay is their only relay from the start)', async () => {
    ;[alice, bob] = await newPeople(world, 'Alice', 'Bob')
    await befriend(alice, bob)
    await share(alice, LIVE)
    await expect.poll(async () => times(await home(bob.page), LIVE), { timeout: 60_000 }).toBe(1)
  })

  it('while Bob is away Alice shares two posts and a small photo and deletes one post, then leaves', async () => {
    await bob.page.close()
    await share(alice, KEPT, { kind: 'Post' })
    await share(alice, PHOTO, { file: { name: 'gate.png', mimeType: 'image/png', buffer: gradientPng(480, 320, 60_000) } })
    await share(alice, DELETED, { kind: 'Post' })
    await tab(alice.page, 'My items')
    const item = alice.page.getByTestId('my-item').filter({ hasText: DELETED })
    await item.getByRole('button', { name: 'Delete' }).click()
    await item.getByRole('button', { name: 'Yes, delete' }).click()
    await expect.poll(() => alice.page.getByTestId('my-item').filter({ hasText: DELETED }).count()).toBe(0)
    // Her mailbox reached the real relay behind the hostile one: a bundle and a wrap event for the live
    // post and for each of the three, the photo's chunks, and "forget it" (the withdrawn bundle's events
    // stay: that relay ignores deletions).
    await expect.poll(() => storedMailboxEvents(world), { timeout: 30_000 }).toBeGreaterThanOrEqual(11)
    await alice.page.close()
  })

  it('the relay withholds every letter and serves junk: Bob takes nothing of it', async () => {
    world.hostile!.dropping = true
    const reads = world.hostile!.counts.reads
    await comeBack(bob)
    await expect.poll(() => world.hostile!.counts.reads, { timeout: 30_000 }).toBeGreaterThan(reads)
    await expect.poll(async () => (await dropped(bob.page)).unsealed ?? 0, { timeout: 30_000 }).toBeGreaterThan(0)
    expect(world.hostile!.counts.dropped).toBeGreaterThan(0)
    const texts = await home(bob.page)
    expect(times(texts, LIVE)).toBe(1)
    expect(times(texts, KEPT)).toBe(0)
    expect(times(texts, PHOTO)).toBe(0)
    expect(times(texts, DELETED)).toBe(0)
    await forgetDropped(bob.page)
    await bob.page.close()
  })

  it('the relay serves everything reversed, twice, re-wrapped, expired, with every letter it ever saw and junk: each item shows once, the deleted one never', async () => {
    world.hostile!.dropping = false
    await comeBack(bob)
    await expect.poll(async () => times(await home(bob.page), KEPT), { timeout: 60_000 }).toBe(1)
    const texts = await home(bob.page)
    expect(times(texts, LIVE)).toBe(1)
    expect(times(texts, PHOTO)).toBe(1)
    expect(times(texts, DELETED)).toBe(0)
    expect(texts).toHaveLength(3)
    // The photo came whole through it (Alice is away): its image loads, from Bob's cache.
    const preview = bob.page.getByTestId('home-item').filter({ hasText: PHOTO }).getByTestId('file-preview')
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 30_000 }).toBe(true)
    const counts = await dropped(bob.page)
    const served = world.hostile!.counts
    console.log('hostile relay served', JSON.stringify(served), '; Bob dropped', JSON.stringify(counts))
    expect(served.replayed).toBeGreaterThan(0)
    expect(served.rewrapped).toBeGreaterThan(0)
    expect(served.expired).toBeGreaterThan(0)
    expect(served.junk).toBeGreaterThan(0)
    // The repeats were seen as repeats, the foreign kind and tags as such.
    expect(counts.duplicate).toBeGreaterThan(0)
    expect(counts['wrong-kind']).toBeGreaterThan(0)
    expect(counts['wrong-tag']).toBeGreaterThan(0)
    // Bundles and chunks: re-wrapped copies and junk under a bundle's or chunk's tag are not the event a wrap
    // (or the bundle) names; no chunk that was not the one named got as far as being opened.
    expect(counts['wrong-id']).toBeGreaterThan(0)
    expect(counts['chunk-mismatch'] ?? 0).toBe(0)
    expect(counts['file-missing'] ?? 0).toBe(0)
    // Bounded: past EVENTS_PER_TAG under one tag the rest was dropped unopened;
    // what was opened (junk that did not unseal) stayed within the bound for every tag.
    expect(counts.flood).toBeGreaterThan(0)
    expect(counts.unsealed).toBeLessThanOrEqual(EVENTS_PER_TAG * TAGS_PER_FRIEND)
    await forgetDropped(bob.page)
    await bob.page.close()
  })

  it('Bob opens Kith again (everything served again): still each item once', async () => {
    await comeBack(bob)
    // This page's read wrote its counters: every letter came again, as repeats.
    await expect.poll(async () => (await dropped(bob.page)).duplicate ?? 0, { timeout: 30_000 }).toBeGreaterThan(0)
    const texts = await home(bob.page)
    expect(times(texts, LIVE)).toBe(1)
    expect(times(texts, KEPT)).toBe(1)
    expect(times(texts, PHOTO)).toBe(1)
    expect(times(texts, DELETED)).toBe(0)
    expect(texts).toHaveLength(3)
  })
})
