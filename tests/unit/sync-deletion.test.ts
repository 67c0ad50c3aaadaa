import { describe, expect, it } from 'vitest'
import { devicesToWaitFor, pruneTombstones } from '../../node-tab/sync/prune'
import { befriend, person, TestClock } from './store-fixtures'
import { device, dump, syncAll, syncFrom, twoDevicesAndAFriend } from './sync-fixtures'

describe('deletion across devices', () => {
  it('deleting on A while B is away: B’s copy goes, B’s friend is told, one acknowledgement clears it everywhere', async () => {
    const { clock, a, b, friend } = await twoDevicesAndAFriend()
    const item = await a.items.create({ type: 'file', text: 'the caption', audience: { kind: 'friends' }, file: { name: 'holiday.jpg', mime: 'image/jpeg', content: new Blob([new Uint8Array(500)]) } })
    await syncFrom(b, a)
    // The friend fetches it from B; A does not know (B goes away before syncing back).
    expect((await b.items.listVisible(friend.key, { limit: 50 })).items.map((i) => i.id)).toEqual([item.id])
    clock.advance(60_000)
    await a.items.delete(item.id)
    expect(await a.db.notices.count()).toBe(0)

    clock.advance(3_600_000)
    await syncFrom(b, a)
    expect(await b.items.get(item.id)).toBeUndefined()
    expect(await b.db.fileChunks.count()).toBe(0)
    expect(await b.notices.pendingFor(friend.key)).toEqual([item.id])
    // The notice reaches A, which may be the device online when the friend is.
    await syncFrom(a, b)
    expect(await a.notices.pendingFor(friend.key)).toEqual([item.id])
    await a.notices.acknowledge(friend.key, [item.id])
    await syncFrom(b, a)
    expect(await b.notices.pendingFor(friend.key)).toEqual([])
    for (const d of [a, b]) {
      const [log] = await d.notices.listDeletions()
      expect(log).toMatchObject({ itemId: item.id, reason: 'deleted', friends: { [friend.key]: true } })
    }
    await syncAll([a, b])
    expect(await dump(a.db)).toEqual(await dump(b.db))
    const traces = JSON.stringify(await dump(b.db)) + JSON.stringify(await b.db.syncLog.toArray())
    expect(traces).not.toMatch(/caption|holiday/)

    // Both devices have pulled past the tombstone and the friend confirmed: it goes.
    const tomb = async (d: typeof a) => d.db.syncLog.get(['items', JSON.stringify(item.id)])
    expect(await tomb(a)).toMatchObject({ deleted: true })
    await syncAll([a, b])
    expect(await pruneTombstones(a.db, [b.key])).toBeGreaterThan(0)
    expect(await pruneTombstones(b.db, [a.key])).toBeGreaterThan(0)
    expect(await tomb(a)).toBeUndefined()
    expect(await tomb(b)).toBeUndefined()
  })

  it('keeps a tombstone while a device has not pulled past it or a notice is unacknowledged', async () => {
    const { clock, a, b, friend } = await twoDevicesAndAFriend()
    const item = await a.items.create({ type: 'note', text: 'x', audience: { kind: 'friends' } })
    await a.items.listVisible(friend.key, { limit: 50 })
    await syncFrom(b, a)
    await a.items.delete(item.id)
    const key = ['items', JSON.stringify(item.id)] as [string, string]
    // B has not pulled since the deletion; A knows of B from syncing with it.
    expect(await devicesToWaitFor(a.db, a.key)).toEqual([b.key])
    await pruneTombstones(a.db, await devicesToWaitFor(a.db, a.key))
    expect(await a.db.syncLog.get(key)).toBeDefined()
    await syncAll([a, b])
    // Pulled past by B, but the friend has not confirmed.
    await pruneTombstones(a.db, [b.key])
    expect(await a.db.syncLog.get(key)).toBeDefined()
    await a.notices.acknowledge(friend.key, [item.id])
    await syncAll([a, b])
    await pruneTombstones(a.db, [b.key])
    expect(await a.db.syncLog.get(key)).toBeUndefined()
  })

  it('narrowing an audience on one device revokes what the other device delivered', async () => {
    const { a, b, friend } = await twoDevicesAndAFriend()
    const item = await a.items.create({ type: 'note', text: 'x', audience: { kind: 'friends' } })
    await syncFrom(b, a)
    await b.items.listVisible(friend.key, { limit: 50 })
    await a.items.setAudience(item.id, { kind: 'me' })
    await syncFrom(b, a)
    expect(await b.notices.pendingFor(friend.key)).toEqual([item.id])
    expect((await b.notices.listDeletions()).map((l) => l.id)).toEqual([`${item.id}:audience-narrowed`])
    expect(await b.db.deliveryPages.count()).toBe(0)
  })

  it('removing a friend or a membership on one device revokes what the other device delivered', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    const [f, g] = [person('F'), person('G')]
    await befriend(a.friends, f, g)
    const group = await a.friends.createGroup('family')
    await a.friends.setMembership(group.id, g.key, true)
    const forAll = await a.items.create({ type: 'note', text: 'all', audience: { kind: 'friends' } })
    const forFamily = await a.items.create({ type: 'note', text: 'family', audience: { kind: 'groups', groupIds: [group.id] } })
    await syncFrom(b, a)
    await b.items.listVisible(f.key, { limit: 50 })
    expect((await b.items.listVisible(g.key, { limit: 50 })).items).toHaveLength(2)
    await a.friends.remove(f.key)
    await a.friends.setMembership(group.id, g.key, false)
    await syncFrom(b, a)
    expect((await b.notices.pendingFor(f.key)).sort()).toEqual([forAll.id])
    expect(await b.notices.pendingFor(g.key)).toEqual([forFamily.id])
    const reasons = (await b.notices.listDeletions()).map((l) => l.reason).sort()
    expect(reasons).toEqual(['friend-removed', 'left-group'])
  })
})
