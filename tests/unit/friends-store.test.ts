import { describe, expect, it } from 'vitest'
import { decodeCursor, type Audience } from '../../shared/protocol/items'
import type { NewItem } from '../../client/api/app-api'
import { befriend, expectSentence, ids, kithError, listAll, person, setup } from './store-fixtures'
import { deliveriesToFriends, wasDelivered } from '../../node-tab/storage/deliveries'

const note = (text: string, audience: Audience = { kind: 'friends' }): NewItem => ({ type: 'note', text, audience })

/** Friends B and C, and groups family and work with nobody in them yet. */
async function twoFriendsTwoGroups () {
  const s = setup()
  const [b, c] = [person('B'), person('C')]
  await befriend(s.friends, b, c)
  const family = await s.friends.createGroup('family')
  const work = await s.friends.createGroup('work')
  return { ...s, b, c, family, work }
}

describe('friends', () => {
  it('add is idempotent and updates the name; list, get and isFriend agree', async () => {
    const { friends, clock } = setup()
    const b = person('B')
    const first = await friends.add({ key: b.key, address: b.address, displayName: '  Bea  ' })
    expect(first).toEqual({ key: b.key, address: b.address, displayName: 'Bea', addedAt: clock.t })
    clock.advance()
    const again = await friends.add({ key: b.key, address: b.address, displayName: 'Beatrice' })
    expect(again).toEqual({ ...first, displayName: 'Beatrice' })
    expect(await friends.list()).toEqual([again])
    expect(await friends.get(b.key)).toEqual(again)
    expect(await friends.isFriend(b.key)).toBe(true)
    expect(await friends.isFriend(person('D').key)).toBe(false)
  })

  it('refuses a key that does not match the address', async () => {
    const { friends } = setup()
    const [b, c] = [person('B'), person('C')]
    await kithError(friends.add({ key: b.key, address: c.address, displayName: 'x' }), 'BAD_REQUEST')
    await kithError(friends.add({ key: 'zz', address: b.address, displayName: 'x' }), 'BAD_REQUEST')
    expect(await friends.list()).toEqual([])
  })

  it('removing a friend ends access and asks them to delete everything they received', async () => {
    const { friends, items, db } = setup()
    const [b, c] = [person('B'), person('C')]
    await befriend(friends, b, c)
    const family = await friends.createGroup('family')
    await friends.setMembership(family.id, b.key, true)
    const one = await items.create(note('one'))
    const two = await items.create(note('two', { kind: 'groups', groupIds: [family.id] }))
    await items.create(note('never fetched'))
    await items.listVisible(b.key, { limit: 2 }) // B received one and two
    await listAll(items, c.key)

    await friends.remove(b.key)
    expect(await friends.isFriend(b.key)).toBe(false)
    expect(await db.memberships.count()).toBe(0)
    await kithError(items.listVisible(b.key, { limit: 50 }), 'UNAUTHORIZED')
    expect((await db.notices.where('friendKey').equals(b.key).toArray()).map((n) => n.itemId).sort()).toEqual(ids([one, two]))
    expect(await deliveriesToFriends(db, [b.key])).toEqual([])
    const log = await db.deletionLog.toArray()
    expect(log.map((l) => l.itemId).sort()).toEqual(ids([one, two]))
    for (const row of log) expect(row).toMatchObject({ reason: 'friend-removed', friends: { [b.key]: false } })
    for (const row of log) expect(Object.keys(row.friends)).toEqual([b.key])
    // C is untouched.
    expect(await db.notices.where('friendKey').equals(c.key).count()).toBe(0)
    expect(await deliveriesToFriends(db, [c.key])).toHaveLength(2)
    await kithError(friends.remove(b.key), 'NOT_FOUND')
  })

  it('a friend who comes back with an old cursor gets everything again', async () => {
    const { friends, items } = setup()
    const b = person('B')
    await befriend(friends, b)
    await items.create(note('one'))
    await items.create(note('two'))
    const { cursor } = await listAll(items, b.key)
    await friends.remove(b.key)
    await befriend(friends, b)
    const again = await listAll(items, b.key, { after: decodeCursor(cursor!) })
    expect(again.items.map((i) => i.text)).toEqual(['one', 'two'])
  })
})

describe('groups', () => {
  it('create trims and refuses empty, long and duplicate names (ignoring case)', async () => {
    const { friends, clock } = setup()
    const family = await friends.createGroup('  Family   tree ')
    expect(family).toMatchObject({ name: 'Family tree', createdAt: clock.t })
    for (const [name, message] of [['   ', /needs a name/], ['x'.repeat(61), /at most 60/], ['family TREE', /already a group called “Family tree”/]] as const) {
      const err = await kithError(friends.createGroup(name), 'BAD_REQUEST', message)
      expectSentence(err.message)
    }
    await friends.createGroup('x'.repeat(60))
    expect((await friends.listGroups()).map((g) => g.name)).toEqual(['Family tree', 'x'.repeat(60)])
  })

  it('rename keeps the rules, may change its own case, and needs the group to exist', async () => {
    const { friends } = setup()
    const family = await friends.createGroup('family')
    await friends.createGroup('work')
    await friends.renameGroup(family.id, 'FAMILY')
    await kithError(friends.renameGroup(family.id, 'Work'), 'BAD_REQUEST', /already a group/)
    await kithError(friends.renameGroup(family.id, ''), 'BAD_REQUEST')
    await kithError(friends.renameGroup('nosuch', 'x'), 'NOT_FOUND')
    expect((await friends.listGroups()).map((g) => g.name)).toEqual(['FAMILY', 'work'])
  })

  it('membership needs both the group and the friend; listGroups shows members', async () => {
    const { friends } = setup()
    const [b, c] = [person('B'), person('C')]
    await befriend(friends, b, c)
    const family = await friends.createGroup('family')
    await kithError(friends.setMembership('nosuch', b.key, true), 'NOT_FOUND', 'No such group.')
    await kithError(friends.setMembership(family.id, person('D').key, true), 'NOT_FOUND', 'No such friend.')
    await friends.setMembership(family.id, b.key, true)
    await friends.setMembership(family.id, b.key, true)
    await friends.setMembership(family.id, c.key, true)
    expect((await friends.listGroups())[0]!.memberKeys.sort()).toEqual([b.key, c.key].sort())
    await friends.setMembership(family.id, c.key, false)
    await friends.setMembership(family.id, c.key, false)
    expect((await friends.listGroups())[0]!.memberKeys).toEqual([b.key])
  })

  it('leaving a group deletes, for that friend only, what they can no longer see', async () => {
    const { friends, items, db, b, c, family, work } = await twoFriendsTwoGroups()
    for (const f of [b, c]) await friends.setMembership(family.id, f.key, true)
    await friends.setMembership(work.id, b.key, true)
    const onlyFamily = await items.create(note('family', { kind: 'groups', groupIds: [family.id] }))
    await items.create(note('family+work', { kind: 'groups', groupIds: [family.id, work.id] }))
    await items.create(note('everyone'))
    await listAll(items, b.key)
    await listAll(items, c.key)

    await friends.setMembership(family.id, b.key, false)
    expect((await db.notices.toArray()).map((n) => [n.itemId, n.friendKey])).toEqual([[onlyFamily.id, b.key]])
    expect(await db.deletionLog.toArray()).toMatchObject([{ itemId: onlyFamily.id, itemType: 'note', reason: 'left-group', friends: { [b.key]: false } }])
    expect((await listAll(items, b.key)).items.map((i) => i.text).sort()).toEqual(['everyone', 'family+work'])
  })

  it('deleting a group takes it out of audiences (none left: only me) and revokes what ex-members lose', async () => {
    const { friends, items, db, b, c, family, work } = await twoFriendsTwoGroups()
    await friends.setMembership(family.id, b.key, true)
    await friends.setMembership(work.id, c.key, true)
    const onlyFamily = await items.create(note('family', { kind: 'groups', groupIds: [family.id] }))
    const both = await items.create(note('both', { kind: 'groups', groupIds: [family.id, work.id] }))
    await listAll(items, b.key)
    await listAll(items, c.key)

    await friends.deleteGroup(family.id)
    expect((await items.get(onlyFamily.id))!.audience).toEqual({ kind: 'me' })
    expect((await items.get(both.id))!.audience).toEqual({ kind: 'groups', groupIds: [work.id] })
    // Those who still see an item are not told anything changed.
    expect((await items.get(both.id))!.updatedAt).toBe(both.updatedAt)
    expect(await db.memberships.where('groupId').equals(family.id).count()).toBe(0)
    expect((await db.notices.toArray()).map((n) => [n.itemId, n.friendKey]).sort()).toEqual([[both.id, b.key], [onlyFamily.id, b.key]].sort())
    expect((await db.deletionLog.toArray()).every((l) => l.reason === 'left-group')).toBe(true)
    expect(await wasDelivered(db, both.id, c.key)).toBe(true)
    expect((await friends.listGroups()).map((g) => g.name)).toEqual(['work'])
    await kithError(friends.deleteGroup(family.id), 'NOT_FOUND')
    // A deleted group cannot be chosen any more.
    await kithError(items.create(note('x', { kind: 'groups', groupIds: [family.id] })), 'BAD_REQUEST')
  })

  it('joining a group makes its older items reach the friend’s next incremental sync', async () => {
    const { friends, items, clock } = setup()
    const b = person('B')
    await befriend(friends, b)
    const family = await friends.createGroup('family')
    const old = await items.create(note('old family news', { kind: 'groups', groupIds: [family.id] }))
    const all = await items.create(note('for all'))
    const synced = await listAll(items, b.key)
    expect(synced.items.map((i) => i.id)).toEqual([all.id])
    clock.advance()
    await friends.setMembership(family.id, b.key, true)

    // B pages from their old cursor, one item at a time: the walk starts over.
    const resync = await listAll(items, b.key, { after: decodeCursor(synced.cursor!) }, 1)
    expect(ids(resync.items)).toEqual(ids([old, all]))
    // Back with the cursor that ended that walk: ordinary incremental sync again.
    const next = await items.listVisible(b.key, { limit: 50, after: decodeCursor(resync.cursor!) })
    expect(next).toEqual({ items: [], cursor: null, done: true })
    const fresh = await items.create(note('new'))
    expect((await listAll(items, b.key, { after: decodeCursor(resync.cursor!) })).items.map((i) => i.id)).toEqual([fresh.id])
  })

  it('another device with the old cursor starts over too, even after the first one finished', async () => {
    const { friends, items } = setup()
    const b = person('B')
    await befriend(friends, b)
    const family = await friends.createGroup('family')
    const old = await items.create(note('old', { kind: 'groups', groupIds: [family.id] }))
    const all = await items.create(note('all'))
    const synced = await listAll(items, b.key) // both devices hold this cursor
    await friends.setMembership(family.id, b.key, true)
    const phone = await listAll(items, b.key) // a fresh walk ends at the same item as before
    expect(ids(phone.items)).toEqual(ids([old, all]))
    const laptop = await listAll(items, b.key, { after: decodeCursor(synced.cursor!) })
    expect(ids(laptop.items)).toEqual(ids([old, all]))
  })

  it('a restarted walk whose answer was lost starts over again', async () => {
    const { friends, items } = setup()
    const b = person('B')
    await befriend(friends, b)
    const family = await friends.createGroup('family')
    await items.create(note('a', { kind: 'groups', groupIds: [family.id] }))
    await items.create(note('b'))
    const synced = await listAll(items, b.key)
    await friends.setMembership(family.id, b.key, true)
    const stale = decodeCursor(synced.cursor!)
    const lost = await items.listVisible(b.key, { limit: 1, after: stale }) // this answer never arrives
    expect(lost.items.map((i) => i.text)).toEqual(['a'])
    const again = await items.listVisible(b.key, { limit: 1, after: stale })
    expect(again.items.map((i) => i.text)).toEqual(['a'])
    const rest = await items.listVisible(b.key, { limit: 1, after: decodeCursor(again.cursor!) })
    expect(rest).toMatchObject({ items: [{ text: 'b' }], done: true })
  })
})
