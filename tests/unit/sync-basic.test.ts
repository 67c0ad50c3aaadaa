import { describe, expect, it } from 'vitest'
import { FILE_CHUNK_BYTES } from '../../node-tab/storage/file-chunks'
import { befriend, person } from './store-fixtures'
import { chunksOf, device, dump, syncAll, syncFrom } from './sync-fixtures'

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
    expect(await chunksOf(b.db, file.id)).toEqual(big)
    expect((await b.items.get(note.id))!.text).toBe('from B')
    expect((await a.items.get(note.id))!.text).toBe('from B')
    expect(await b.db.getSetting('profile.displayName', (v): v is string => typeof v === 'string')).toBe('Alice')
    // B's own changes come back once from A (A's log now holds them too),
    // change nothing, and are not echoed again.
    expect((await syncFrom(b, a)).pulled).toBe(1)
    expect((await syncFrom(a, b)).pulled).toBe(0)
    expect((await syncFrom(b, a)).pulled).toBe(0)
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
})
