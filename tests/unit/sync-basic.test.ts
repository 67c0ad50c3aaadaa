import { describe, expect, it } from 'vitest'
import { FILE_CHUNK_BYTES } from '../../node-tab/storage/file-chunks'
import { befriend, kithError, person } from './store-fixtures'
import type { AppliedChanges } from '../../node-tab/sync/apply'
import { DeviceSync } from '../../node-tab/sync/pull'
import { chunksOf, connectDevices, device, dump, firstDifference, syncAll, syncFrom } from './sync-fixtures'

const bytes = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff)

describe('owner devices sync', () => {
  it('carries items, files, groups, friends, invites and person settings, both ways', async () => {
    const [a, b] = [device('A'), device('B')]
    const friend = person('F')
    await befriend(a.friends, friend)
    const group = await a.friends.createGroup('family')
    await a.friends.setMembership(group.id, friend.key, true)
    const big = bytes(FILE_CHUNK_BYTES * 2 + 10)
    const file = await a.items.create({ type: 'file', text: 'pic', audience: { kind: 'groups', groupIds: [group.id] }, file: { name: 'a.bin', mime: 'application/octet-stream', content: new Blob([big]) } })
    await a.invites.create({ label: 'for G', expiresInMs: null })
    await a.db.putSetting('profile.displayName', 'Alice')
    await a.db.putSetting('items.clock', 5) // the device's own
    const note = await b.items.create({ type: 'note', text: 'from B', audience: { kind: 'me' } })

    const progress = await syncFrom(b, a)
    expect(progress.done).toBe(true)
    expect(progress.pulled).toBeGreaterThan(5)
    await syncFrom(a, b)
    expect(await dump(b.db)).toEqual(await dump(a.db))
    expect(firstDifference(await chunksOf(b.db, file.id), big)).toBe(-1) // the same bytes
    expect((await b.items.get(note.id))!.text).toBe('from B')
    expect((await a.items.get(note.id))!.text).toBe('from B')
    expect(await b.db.getSetting('profile.displayName', (v): v is string => typeof v === 'string')).toBe('Alice')
    // B's own changes, now in A's log too, are not sent back to B.
    expect((await syncFrom(b, a)).pulled).toBe(0)
    expect((await syncFrom(a, b)).pulled).toBe(0)
  })

  it('logs a pulled change once, with the stamp it came with: no log position is taken and overwritten', async () => {
    const [a, b] = [device('A'), device('B')]
    for (let i = 0; i < 3; i++) await a.items.create({ type: 'note', text: `n${i}`, audience: { kind: 'friends' } })
    await a.db.putSetting('profile.displayName', 'Alice')
    await syncFrom(b, a)
    const theirs = new Map((await a.db.syncLog.toArray()).map((e) => [`${e.table} ${e.key}`, e.stamp]))
    const ours = await b.db.syncLog.orderBy('seq').toArray()
    expect(ours.length).toBe(theirs.size)
    for (const entry of ours) expect(entry.stamp).toBe(theirs.get(`${entry.table} ${entry.key}`))
    // One position per row: a second, local entry written first and then
    // replaced would leave gaps.
    expect(ours.map((e) => e.seq)).toEqual(ours.map((_, i) => i + 1))
  })

  it('resolves concurrent edits by the later stamp, the same on both devices', async () => {
    const [a, b] = [device('A'), device('B')]
    const item = await a.items.create({ type: 'note', text: 'x', audience: { kind: 'friends' } })
    await syncFrom(b, a)
    await a.items.setAudience(item.id, { kind: 'me' })
    b.clock.advance(10)
    await b.items.setAudience(item.id, { kind: 'friends' })
    await syncAll([a, b])
    expect((await a.items.get(item.id))!.audience).toEqual({ kind: 'friends' })
    expect(await dump(a.db)).toEqual(await dump(b.db))
  })

  it('a deletion beats an edit made elsewhere at the same time, even a later one', async () => {
    const [a, b] = [device('A'), device('B')]
    const item = await a.items.create({ type: 'note', text: 'gone for good', audience: { kind: 'friends' } })
    const group = await a.friends.createGroup('family')
    await syncFrom(b, a)
    await a.items.delete(item.id)
    await a.friends.deleteGroup(group.id)
    b.clock.advance(60_000)
    await b.items.setAudience(item.id, { kind: 'me' })
    await b.friends.renameGroup(group.id, 'kin')
    await syncAll([a, b])
    for (const d of [a, b]) {
      expect(await d.items.get(item.id)).toBeUndefined()
      expect(await d.db.groups.count()).toBe(0)
    }
    expect(JSON.stringify(await dump(a.db))).not.toContain('gone for good')
  })

  it('a deletion removes the content on the other device and leaves only a tombstone', async () => {
    const [a, b] = [device('A'), device('B')]
    const item = await a.items.create({ type: 'file', text: 'secret caption', audience: { kind: 'friends' }, file: { name: 'secret-name.txt', mime: 'text/plain', content: new Blob([bytes(100)]) } })
    await syncFrom(b, a)
    expect(await b.items.get(item.id)).toBeDefined()
    await a.items.delete(item.id)
    await syncFrom(b, a)
    expect(await b.items.get(item.id)).toBeUndefined()
    expect(await b.db.fileChunks.count()).toBe(0)
    const everything = JSON.stringify(await dump(b.db)) + JSON.stringify(await b.db.syncLog.toArray())
    expect(everything).not.toContain('secret')
  })

  it('tells the node what a pull changed: friends, groups and invites (swarms), items (UI), notices', async () => {
    const [a, b] = [device('A'), device('B')]
    const friend = person('F')
    await befriend(a.friends, friend)
    const item = await a.items.create({ type: 'note', text: 'x', audience: { kind: 'friends' } })
    await b.friends.add({ key: friend.key, address: friend.address, displayName: 'F' })
    await syncFrom(b, a)
    await b.items.listVisible(friend.key, { limit: 10 })
    await a.items.delete(item.id)
    await a.invites.create({ label: 'new', expiresInMs: null })
    const { peer, close } = connectDevices(b, a)
    const seen: AppliedChanges[] = []
    const sync = new DeviceSync(b.db, peer, a.key, { now: b.clock.now })
    sync.addEventListener('changes', (ev) => seen.push((ev as CustomEvent<AppliedChanges>).detail))
    await sync.pull()
    close()
    expect(seen).toHaveLength(1)
    expect([...seen[0]!.tables].sort()).toEqual(['deletions', 'deliveryPages', 'invites', 'items', 'notices'])
    expect([...seen[0]!.itemIds]).toEqual([item.id])
    expect([...seen[0]!.noticeFriends]).toEqual([friend.key])
  })

  it('carries the devices table, and a revocation once known is never undone', async () => {
    const [a, b] = [device('A'), device('B')]
    const stolen = 'c'.repeat(64)
    await a.db.devices.put({ deviceKey: stolen, certificate: { name: 'Pi' } })
    await syncFrom(b, a)
    await b.db.devices.put({ deviceKey: stolen, certificate: { name: 'Pi' }, revocation: { at: 1 } })
    a.clock.advance(60_000)
    // A, not yet told, renames it later, then even deletes it: the revocation stays.
    await a.db.devices.put({ deviceKey: stolen, certificate: { name: 'Pi 2' } })
    await syncAll([a, b])
    for (const d of [a, b]) expect(await d.db.devices.get(stolen)).toEqual({ deviceKey: stolen, certificate: { name: 'Pi 2' }, revocation: { at: 1 } })
    a.clock.advance(60_000)
    await a.db.devices.delete(stolen)
    await syncAll([a, b])
    for (const d of [a, b]) expect((await d.db.devices.get(stolen))?.revocation).toEqual({ at: 1 })
    // A friend's revoked device, too, stays revoked on every device.
    const revoked = { identityKey: 'd'.repeat(64), deviceKey: 'e'.repeat(64), revocation: { sig: new Uint8Array([1]) } }
    await b.db.peerRevocations.put(revoked)
    await syncAll([a, b])
    await a.db.peerRevocations.clear()
    await syncAll([a, b])
    for (const d of [a, b]) expect(await d.db.peerRevocations.toArray()).toEqual([revoked])
    // And the revoked device gets no more sync, either way.
    const thief = device('T')
    thief.key = stolen
    await kithError(syncFrom(thief, a), 'UNAUTHORIZED')
    await kithError(syncFrom(a, thief), 'UNAUTHORIZED')
  })
})
