// The Home feed: every friend's cached items merged newest first,
// filters by friend and kind, a bounded page, unread markers that persist;
// editing an item's text re-lists it and replaces friends' copies; the
// notification decision.
import { describe, expect, it } from 'vitest'
import Dexie from 'dexie'
import { ClientDatabase } from '../../client/cache/db'
import { FriendCache } from '../../client/cache/friend-cache'
import { notificationFor, type NotifyDecision } from '../../client/browser/notifications'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { decodeCursor, MAX_TEXT_CHARS } from '../../shared/protocol/items'
import { clientDatabase, cleanupsAfterEach, nodeDatabase } from './cleanups'
import { fileItem, note, person, post, uniqueName } from './friend-fixtures'
import { codeOf } from './refusal'
import { device, syncFrom } from './sync-fixtures'
import { befriend, person as storePerson } from './store-fixtures'

const cleanups = cleanupsAfterEach()

const clientDb = (name?: string): ClientDatabase => clientDatabase(cleanups, name)

describe('Home feed from the cache', () => {
  it('merges every friend’s items newest first, with whose each is', async () => {
    const cache = new FriendCache(clientDb())
    await cache.storePage('alice', [note('a1', 10), post('a2', 40)], null)
    await cache.storePage('bob', [note('b1', 30), fileItem('b2', 20, 5)], null)
    const all = await cache.recent({ limit: 10 })
    expect(all.map((e) => `${e.owner}:${e.item.id}`)).toEqual(['alice:a2', 'bob:b1', 'bob:b2', 'alice:a1'])
  })

  it('filters by friend and by kind, and stops at the limit', async () => {
    const cache = new FriendCache(clientDb())
    await cache.storePage('alice', Array.from({ length: 30 }, (_, i) => (i % 2 ? note : post)(`a${i}`, 100 + i)), null)
    await cache.storePage('bob', [note('b1', 500), post('b2', 501)], null)
    expect((await cache.recent({ owner: 'bob', limit: 10 })).map((e) => e.item.id)).toEqual(['b2', 'b1'])
    expect((await cache.recent({ type: 'post', limit: 100 })).every((e) => e.item.type === 'post')).toBe(true)
    expect((await cache.recent({ type: 'post', limit: 100 })).length).toBe(16)
    expect((await cache.recent({ owner: 'alice', type: 'note', limit: 3 })).map((e) => e.item.id)).toEqual(['a29', 'a27', 'a25'])
    expect((await cache.recent({ limit: 5 })).length).toBe(5)
  })

  it('keeps unread markers: new items are unread, marked read stay read across a reopen, an edit is unread again', async () => {
    const name = uniqueName('kith-client')
    let db = clientDb(name)
    let cache = new FriendCache(db)
    await cache.storePage('alice', [note('a1', 1), note('a2', 2)], null)
    expect(await cache.unreadCount()).toBe(2)
    expect(await cache.markRead([{ owner: 'alice', id: 'a1' }])).toBe(1)
    db.close()
    db = new ClientDatabase(name)
    cache = new FriendCache(db)
    const unread = async (): Promise<Record<string, boolean>> => Object.fromEntries((await cache.recent({ limit: 10 })).map((e) => [e.item.id, e.unread]))
    expect(await unread()).toEqual({ a1: false, a2: true })

    // Re-listed with the same text (a new audience that still includes me): still read.
    await cache.storePage('alice', [{ ...note('a1', 1), updatedAt: 5 }], null)
    expect((await unread()).a1).toBe(false)
    // The text changed: unread again.
    await cache.storePage('alice', [{ ...note('a1', 1, 'new words'), updatedAt: 6 }], null)
    expect((await unread()).a1).toBe(true)

    expect(await cache.markAllRead()).toBe(2)
    expect(await cache.unreadCount()).toBe(0)
    db.close()
  })

  it('an existing cache from before Home is upgraded: listed newest first, and counted as read', async () => {
    const name = uniqueName('kith-client')
    class Version2 extends Dexie {
      constructor () {
        super(name)
        this.version(1).stores({ cachedItems: '[owner+id], owner, [owner+updatedAt]', cachedFiles: '[owner+id], owner', syncState: 'owner', outbox: '++seq, &dedupeKey, peer' })
        this.version(2).stores({ cachedFileChunks: '[owner+id+index], owner' })
      }
    }
    const old = new Version2()
    await old.table('cachedItems').bulkPut([note('o1', 5), post('o2', 9)].map((item) => ({ owner: 'alice', id: item.id, item, updatedAt: item.updatedAt, cachedAt: 1 })))
    old.close()
    const cache = new FriendCache(clientDb(name))
    expect((await cache.recent({ limit: 10 })).map((e) => [e.item.id, e.unread])).toEqual([['o2', false], ['o1', false]])
    expect(await cache.unreadCount()).toBe(0)
  })

  it('reports only items not cached before as new (for notifications)', async () => {
    const cache = new FriendCache(clientDb())
    const seen: string[][] = []
    cache.onNewItems = (_owner, items) => seen.push(items.map((i) => i.id))
    await cache.storePage('alice', [note('a1', 1)], null)
    await cache.storePage('alice', [{ ...note('a1', 1, 'edited'), updatedAt: 2 }, note('a2', 3)], null)
    expect(seen).toEqual([['a1'], ['a2']])
  })
})

describe('editing an item’s text', () => {
  async function ownerWithFriend () {
    const db = nodeDatabase(cleanups)
    const friend = person()
    await new FriendsStore(db).add({ key: friend.keyHex, address: addressFromPublicKey(friend.identity.publicKey), displayName: 'Bob' })
    return { items: new ItemsStore(db), friend }
  }

  it('re-lists the item after the friend’s cursor, and their cache takes the new text', async () => {
    const { items, friend } = await ownerWithFriend()
    const a = await items.create({ type: 'post', text: 'first words', audience: { kind: 'friends' } })
    await items.create({ type: 'note', text: 'another', audience: { kind: 'friends' } })
    const first = await items.listVisible(friend.keyHex, { limit: 50 })
    expect(first.items.map((i) => i.text)).toEqual(['first words', 'another'])
    const cache = new FriendCache(clientDb())
    await cache.storePage('owner', first.items, first.cursor)

    const edited = await items.editText(a.id, 'better words')
    expect(edited.updatedAt).toBeGreaterThan(a.updatedAt)
    const next = await items.listVisible(friend.keyHex, { limit: 50, after: decodeCursor(first.cursor!) })
    expect(next.items.map((i) => [i.id, i.text])).toEqual([[a.id, 'better words']])
    await cache.storePage('owner', next.items, next.cursor)
    expect((await cache.items('owner')).map((i) => i.text).sort()).toEqual(['another', 'better words'])
  })

  it('reaches my other devices, and a friend listing from that device gets the new text', async () => {
    const [a, b] = [device('A'), device('B')]
    const friend = storePerson('Bob')
    await befriend(a.friends, friend)
    const item = await a.items.create({ type: 'post', text: 'on my laptop', audience: { kind: 'friends' } })
    await syncFrom(b, a)
    const before = await b.items.listVisible(friend.key, { limit: 50 })
    expect(before.items.map((i) => i.text)).toEqual(['on my laptop'])
    a.clock.advance(10)
    await a.items.editText(item.id, 'edited on my laptop')
    await syncFrom(b, a)
    expect((await b.items.get(item.id))?.text).toBe('edited on my laptop')
    const after = await b.items.listVisible(friend.key, { limit: 50, after: decodeCursor(before.cursor!) })
    expect(after.items.map((i) => i.text)).toEqual(['edited on my laptop'])
  })

  it('checks the text like at creation, and the item must exist', async () => {
    const { items } = await ownerWithFriend()
    const a = await items.create({ type: 'note', text: 'x', audience: { kind: 'me' } })
    expect(await codeOf(items.editText(a.id, 'y'.repeat(MAX_TEXT_CHARS + 1)))).toBe('BAD_REQUEST')
    expect(await codeOf(items.editText(a.id, 42 as unknown as string))).toBe('BAD_REQUEST')
    expect(await codeOf(items.editText('nothere', 'y'))).toBe('NOT_FOUND')
    expect((await items.get(a.id))?.text).toBe('x')
  })
})

describe('notification decision', () => {
  const base: NotifyDecision = { enabled: true, hidden: true, permission: 'granted', friendName: 'Alice', items: [{ type: 'file', file: { name: 'x.jpg', mime: 'image/jpeg', size: 3 } }] }

  it('notifies only when hidden, enabled, permitted and something is new', () => {
    expect(notificationFor(base, 't')).toEqual({ title: 'Alice shared a photo', tag: 't' })
    expect(notificationFor({ ...base, hidden: false }, 't')).toBeNull()
    expect(notificationFor({ ...base, enabled: false }, 't')).toBeNull()
    expect(notificationFor({ ...base, permission: 'default' }, 't')).toBeNull()
    expect(notificationFor({ ...base, permission: 'denied' }, 't')).toBeNull()
    expect(notificationFor({ ...base, items: [] }, 't')).toBeNull()
  })

  it('says who shared what kind, never the content', () => {
    const one = (item: NotifyDecision['items'][number]): string | undefined => notificationFor({ ...base, items: [item] }, 't')?.title
    expect(one({ type: 'note' })).toBe('Alice shared a note')
    expect(one({ type: 'post' })).toBe('Alice shared a post')
    expect(one({ type: 'file', file: { name: 'a.svg', mime: 'image/svg+xml', size: 1 } })).toBe('Alice shared a file')
    expect(notificationFor({ ...base, items: [{ type: 'note' }, { type: 'post' }, { type: 'post' }] }, 't')?.title).toBe('Alice shared 3 new items')
    const secret = { type: 'post', text: 'the secret', file: undefined } as unknown as NotifyDecision['items'][number]
    expect(JSON.stringify(notificationFor({ ...base, items: [secret] }, 't'))).not.toContain('secret')
  })
})
