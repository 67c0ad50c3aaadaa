import { describe, expect, it } from 'vitest'
import { decodeCursor, isSharedItem, MAX_FILE_BYTES, MAX_TEXT_CHARS, type Audience, type NewItem } from '../../shared/protocol/items'
import { befriend, collectRange, expectSentence, ids, kithError, listAll, person, setup, TestClock } from './store-fixtures'
import { deliveriesOfItems, wasDelivered } from '../../node-tab/storage/deliveries'

const note = (text: string, audience: Audience = { kind: 'friends' }): NewItem => ({ type: 'note', text, audience })
const fileItem = (bytes: Uint8Array | Blob, audience: Audience = { kind: 'friends' }): NewItem =>
  ({ type: 'file', text: 'caption', audience, file: { name: 'photo.jpg', mime: 'image/jpeg', content: bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]) } })
const read = async (blob: Blob | null): Promise<Uint8Array | null> => blob ? new Uint8Array(await blob.arrayBuffer()) : null

/** A Blob of `size` bytes without allocating them: sparse parts repeated. */
function hugeBlob (size: number): Blob {
  const part = new Blob([new Uint8Array(1024 * 1024)])
  const parts: Blob[] = Array.from({ length: Math.floor(size / part.size) }, () => part)
  return new Blob([...parts, new Uint8Array(size % part.size)])
}

/** A family (B), work (C), and a friend in no group (E). */
async function world () {
  const s = setup()
  const [b, c, e] = [person('B'), person('C'), person('E')]
  await befriend(s.friends, b, c, e)
  const family = await s.friends.createGroup('family')
  const work = await s.friends.createGroup('work')
  await s.friends.setMembership(family.id, b.key, true)
  await s.friends.setMembership(work.id, c.key, true)
  return { ...s, b, c, e, family, work }
}

describe('create, list and read my items', () => {
  it('stores a note and lists my items newest first', async () => {
    const { items, clock } = setup()
    const first = await items.create(note('first'))
    clock.advance()
    const second = await items.create(note('second', { kind: 'me' }))
    expect(first.id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{20,22}$/)
    expect(first).toMatchObject({ type: 'note', text: 'first', audience: { kind: 'friends' }, createdAt: clock.t - 1000 })
    expect(first.file).toBeUndefined()
    expect((await items.listMine()).map((i) => i.text)).toEqual(['second', 'first'])
    expect((await items.listMine({ limit: 1 })).map((i) => i.id)).toEqual([second.id])
    expect(await items.get(first.id)).toEqual(first)
  })

  it('stores a file’s bytes apart, readable by the owner', async () => {
    const { items, db } = setup()
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff)
    const row = await items.create(fileItem(bytes))
    expect(row.file).toEqual({ name: 'photo.jpg', mime: 'image/jpeg', size: 1000 })
    expect(await read(await items.fileBlob(row.id))).toEqual(bytes)
    expect((await items.fileBlob(row.id))!.type).toBe('image/jpeg')
    expect(await db.fileChunks.count()).toBe(1)
    expect(await items.fileBlob('nothing')).toBeNull()
  })

  it('refuses bad items with a sentence and stores nothing', async () => {
    const { items, db, friends } = setup()
    const group = await friends.createGroup('family')
    const cases: Array<[NewItem, RegExp]> = [
      [note('x'.repeat(MAX_TEXT_CHARS + 1)), /at most 20,000 characters/],
      [{ type: 'file', text: '', audience: { kind: 'me' } }, /Choose a file/],
      [{ type: 'file', text: '', audience: { kind: 'me' }, file: { name: 'a', mime: 'a/b', content: new Uint8Array(1) as unknown as Blob } }, /Choose a file/],
      [fileItem(hugeBlob(MAX_FILE_BYTES + 1)), /at most 1,024 MB; this one is 1,024 MB/],
      [{ type: 'file', text: '', audience: { kind: 'me' }, file: { name: '  ', mime: 'a/b', content: new Blob(['x']) } }, /needs a name/],
      [{ ...note('x'), file: { name: 'a', mime: 'a/b', content: new Blob(['x']) } }, /Only a file item/],
      [{ ...note('x'), type: 'poem' as 'note' }, /note, a post or a file/],
      [note('x', { kind: 'groups', groupIds: [] }), /Choose who can see this/],
      [note('x', { kind: 'everyone' } as unknown as Audience), /Choose who can see this/],
      [note('x', { kind: 'groups', groupIds: [group.id, 'nosuchgroup'] }), /no longer exists/]
    ]
    for (const [item, message] of cases) {
      const err = await kithError(items.create(item), 'BAD_REQUEST', message)
      expectSentence(err.message)
      expect(await db.items.count()).toBe(0)
    }
    expect(await db.fileChunks.count()).toBe(0)
    // The largest allowed text and a named file in a real group are fine.
    await items.create(note('x'.repeat(MAX_TEXT_CHARS), { kind: 'groups', groupIds: [group.id, group.id] }))
    expect((await items.listMine())[0]!.audience).toEqual({ kind: 'groups', groupIds: [group.id] })
  })

  it('gives every change a strictly later updatedAt, even when the clock stands still or steps back', async () => {
    const clock = new TestClock()
    const { items } = setup(clock)
    const a = await items.create(note('a'))
    const b = await items.create(note('b'))
    clock.t -= 60_000
    const c = await items.create(note('c'))
    expect(b.updatedAt).toBe(a.updatedAt + 1)
    expect(c.updatedAt).toBe(b.updatedAt + 1)
    // Deleting the newest item must not hand its position out again.
    await items.delete(c.id)
    const d = await items.create(note('d'))
    expect(d.updatedAt).toBeGreaterThan(c.updatedAt)
    await items.setAudience(a.id, { kind: 'me' })
    expect((await items.get(a.id))!.updatedAt).toBe(d.updatedAt + 1)
    clock.advance(3_600_000)
    const e = await items.create(note('e'))
    expect(e.updatedAt).toBe(clock.t)
  })
})

describe('scoped requests', () => {
  it('a friend gets only items whose audience includes them, without the audience', async () => {
    const { items, b, c, e, family, work } = await world()
    const forAll = await items.create(note('all'))
    const forFamily = await items.create(note('family', { kind: 'groups', groupIds: [family.id] }))
    const forWork = await items.create(fileItem(new Uint8Array([1, 2, 3]), { kind: 'groups', groupIds: [work.id] }))
    const forBoth = await items.create(note('both', { kind: 'groups', groupIds: [work.id, family.id] }))
    await items.create(note('mine', { kind: 'me' }))

    const seenBy = async (key: string) => (await listAll(items, key)).items
    expect(ids(await seenBy(b.key))).toEqual(ids([forAll, forFamily, forBoth]))
    expect(ids(await seenBy(c.key))).toEqual(ids([forAll, forWork, forBoth]))
    expect(ids(await seenBy(e.key))).toEqual(ids([forAll]))
    for (const item of await seenBy(c.key)) {
      expect(isSharedItem(item)).toBe(true)
      expect(Object.keys(item).sort()).toEqual(item.type === 'file'
        ? ['createdAt', 'file', 'id', 'text', 'type', 'updatedAt']
        : ['createdAt', 'id', 'text', 'type', 'updatedAt'])
    }
  })

  it('a stranger is refused', async () => {
    const { items } = await world()
    await items.create(note('all'))
    await kithError(items.listVisible(person('D').key, { limit: 50 }), 'UNAUTHORIZED', 'You are not a friend of this person.')
  })

  it('cursor paging returns every visible item exactly once, in (updatedAt, id) order', async () => {
    const { items, b, family } = await world()
    const visible: string[] = []
    for (let i = 0; i < 40; i++) {
      const audience: Audience = i % 3 === 0 ? { kind: 'me' } : i % 3 === 1 ? { kind: 'friends' } : { kind: 'groups', groupIds: [family.id] }
      const row = await items.create(note(`n${i}`, audience))
      if (audience.kind !== 'me') visible.push(row.id)
    }
    for (const limit of [1, 4, 26, 27, 200]) {
      const { items: got, pages } = await listAll(items, b.key, {}, limit)
      expect(got.map((i) => i.id)).toEqual(visible)
      expect(new Set(got.map((i) => i.id)).size).toBe(got.length)
      // The page that reaches the end says so: no empty extra round trip.
      expect(pages).toBe(Math.ceil(visible.length / limit))
    }
  })

  it('done is true exactly on the last page', async () => {
    const { items, b } = await world()
    for (let i = 0; i < 4; i++) await items.create(note(`n${i}`))
    const first = await items.listVisible(b.key, { limit: 2 })
    expect(first.done).toBe(false)
    const second = await items.listVisible(b.key, { limit: 2, after: decodeCursor(first.cursor!) })
    expect(second.items).toHaveLength(2)
    expect(second.done).toBe(true)
    const after = await items.listVisible(b.key, { limit: 2, after: decodeCursor(second.cursor!) })
    expect(after).toEqual({ items: [], cursor: null, done: true })
  })

  it('after a cursor, only what changed since comes back', async () => {
    const { items, b, clock, family } = await world()
    const old = await items.create(note('old'))
    const hidden = await items.create(note('hidden', { kind: 'me' }))
    await items.create(note('unchanged'))
    const synced = await listAll(items, b.key)
    expect(synced.items).toHaveLength(2)
    clock.advance()
    const fresh = await items.create(note('fresh'))
    await items.setAudience(hidden.id, { kind: 'groups', groupIds: [family.id] })
    await items.setAudience(old.id, { kind: 'friends' }) // same audience: still a change
    const changed = await listAll(items, b.key, { after: decodeCursor(synced.cursor!) })
    expect(changed.items.map((i) => i.id)).toEqual([fresh.id, hidden.id, old.id])
    const nothing = await items.listVisible(b.key, { limit: 50, after: decodeCursor(changed.cursor!) })
    expect(nothing).toEqual({ items: [], cursor: null, done: true })
  })

  it('filters by type and by creation time (inclusive)', async () => {
    const { items, b, clock } = await world()
    const t0 = clock.t
    const n0 = await items.create(note('n0'))
    clock.advance(10)
    const f1 = await items.create(fileItem(new Uint8Array(1)))
    clock.advance(10)
    const p2 = await items.create({ type: 'post', text: 'p2', audience: { kind: 'friends' } })
    expect(ids((await listAll(items, b.key, { types: ['file'] })).items)).toEqual([f1.id])
    expect(ids((await listAll(items, b.key, { types: ['note', 'post'] })).items)).toEqual(ids([n0, p2]))
    expect(ids((await listAll(items, b.key, { createdFrom: t0 + 10 })).items)).toEqual(ids([f1, p2]))
    expect(ids((await listAll(items, b.key, { createdTo: t0 + 10 })).items)).toEqual(ids([n0, f1]))
    expect(ids((await listAll(items, b.key, { createdFrom: t0 + 1, createdTo: t0 + 19 })).items)).toEqual([f1.id])
  })

  it('refuses a page size outside 1 to 200', async () => {
    const { items, b } = await world()
    for (const limit of [0, 201, 1.5, Number.NaN]) await kithError(items.listVisible(b.key, { limit }), 'BAD_REQUEST')
  })

  it('fileForFriend: bytes when visible; one identical NOT_FOUND for hidden, missing and non-file', async () => {
    const { items, b, c, family } = await world()
    const bytes = new Uint8Array([9, 8, 7])
    const familyFile = await items.create(fileItem(bytes, { kind: 'groups', groupIds: [family.id] }))
    const aNote = await items.create(note('n'))
    expect(await collectRange(items.fileRangeForFriend(b.key, { id: familyFile.id, offset: 0, length: 1000 }))).toEqual({ bytes, size: bytes.length })
    const hidden = await kithError(items.fileRangeForFriend(c.key, { id: familyFile.id, offset: 0, length: 1 }), 'NOT_FOUND')
    const missing = await kithError(items.fileRangeForFriend(c.key, { id: 'NoSuchItem123', offset: 0, length: 1 }), 'NOT_FOUND')
    const notFile = await kithError(items.fileRangeForFriend(c.key, { id: aNote.id, offset: 0, length: 1 }), 'NOT_FOUND')
    expect(hidden.message).toBe('No such item.')
    expect(missing.message).toBe(hidden.message)
    expect(notFile.message).toBe(hidden.message)
    await kithError(items.fileRangeForFriend(person('D').key, { id: familyFile.id, offset: 0, length: 1 }), 'UNAUTHORIZED')
  })
})

describe('deletion', () => {
  it('removes the content and notifies exactly the friends who received the item', async () => {
    const { items, db, b, c, e } = await world()
    const file = await items.create(fileItem(new Uint8Array([1, 2, 3])))
    const other = await items.create(note('other'))
    await listAll(items, b.key) // B received both
    await items.fileRangeForFriend(c.key, { id: file.id, offset: 2, length: 1 }) // C fetched (the end of) the file only
    // E could see it but never asked: nothing to tell E.
    await items.delete(file.id)

    expect(await db.items.get(file.id)).toBeUndefined()
    expect(await items.fileBlob(file.id)).toBeNull()
    expect(await db.fileChunks.count()).toBe(0)
    const notices = await db.notices.toArray()
    expect(notices.map((n) => [n.itemId, n.friendKey]).sort()).toEqual([[file.id, b.key], [file.id, c.key]].sort())
    expect(notices.every((n) => n.attempts === 0)).toBe(true)
    expect(await deliveriesOfItems(db, [file.id])).toEqual([])
    expect(await wasDelivered(db, other.id, b.key)).toBe(true)
    const log = await db.deletionLog.toArray()
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ itemId: file.id, itemType: 'file', reason: 'deleted', friends: { [b.key]: false, [c.key]: false } })
    // Named for the owner by kind and date ("your photo from 3 Nov"), never by content.
    expect(log[0]).toMatchObject({ itemCreatedAt: file.createdAt, itemPhoto: true })
    expect(Object.keys(log[0]!.friends)).not.toContain(e.key)
    // Nothing of the content is left anywhere in the database.
    expect(JSON.stringify(log)).not.toContain('caption')
    expect((await listAll(items, b.key)).items.map((i) => i.id)).toEqual([other.id])
  })

  it('a note narrowed out of reach is logged with its date and not as a photo', async () => {
    const { items, db, b } = await world()
    const row = await items.create(note('secret words'))
    await listAll(items, b.key)
    await items.setAudience(row.id, { kind: 'me' })
    const [log] = await db.deletionLog.toArray()
    expect(log).toMatchObject({ itemId: row.id, itemType: 'note', reason: 'audience-narrowed', itemCreatedAt: row.createdAt })
    expect(log!.itemPhoto).toBeUndefined()
    expect(JSON.stringify(log)).not.toContain('secret')
  })

  it('deleting an item nobody received leaves no log; an unknown id is NOT_FOUND', async () => {
    const { items, db } = await world()
    const row = await items.create(note('x'))
    await items.delete(row.id)
    expect(await db.deletionLog.count()).toBe(0)
    expect(await db.notices.count()).toBe(0)
    await kithError(items.delete(row.id), 'NOT_FOUND', 'No such item.')
  })

  it('narrowing the audience deletes the item only for those who lose access', async () => {
    const { items, db, b, c, e, family } = await world()
    const row = await items.create(note('hello'))
    for (const f of [b, c, e]) await listAll(items, f.key)
    await items.setAudience(row.id, { kind: 'groups', groupIds: [family.id] })

    expect((await db.notices.toArray()).map((n) => n.friendKey).sort()).toEqual([c.key, e.key].sort())
    expect(await wasDelivered(db, row.id, b.key)).toBe(true)
    const log = await db.deletionLog.toArray()
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ itemId: row.id, itemType: 'note', reason: 'audience-narrowed', friends: { [c.key]: false, [e.key]: false } })
    expect(await db.items.get(row.id)).toBeDefined() // still mine
    // Widening again tells nobody to delete anything.
    await items.setAudience(row.id, { kind: 'friends' })
    expect(await db.notices.count()).toBe(2)
  })

  it('setAudience: unknown item NOT_FOUND, bad audience BAD_REQUEST, nothing changed', async () => {
    const { items } = await world()
    const row = await items.create(note('x'))
    await kithError(items.setAudience('NoSuchItem', { kind: 'me' }), 'NOT_FOUND')
    await kithError(items.setAudience(row.id, { kind: 'groups', groupIds: ['gone'] }), 'BAD_REQUEST')
    expect(await items.get(row.id)).toEqual(row)
  })

  it('showing an item again withdraws a delete notice not yet sent', async () => {
    const { items, db, c, e, family } = await world()
    const row = await items.create(note('oops'))
    await listAll(items, c.key)
    await listAll(items, e.key)
    await items.setAudience(row.id, { kind: 'groups', groupIds: [family.id] })
    expect(await db.notices.count()).toBe(2)
    await items.setAudience(row.id, { kind: 'friends' })
    // C syncs and gets it again: the old notice would delete that fresh copy.
    const { items: got } = await listAll(items, c.key)
    expect(got.map((i) => i.id)).toContain(row.id)
    expect((await db.notices.toArray()).map((n) => n.friendKey)).toEqual([e.key])
    expect((await db.deletionLog.toArray())[0]!.friends).toEqual({ [e.key]: false })
    await listAll(items, e.key)
    expect(await db.notices.count()).toBe(0)
    expect(await db.deletionLog.count()).toBe(0)
  })
})
