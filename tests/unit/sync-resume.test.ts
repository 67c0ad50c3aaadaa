import { describe, expect, it } from 'vitest'
import { KithError } from '../../shared/wire/errors'
import { MAX_SYNC_PAGE_BYTES } from '../../shared/protocol/protocol'
import { encodeValue } from '../../shared/wire/codec'
import { pulledFrom } from '../../node-tab/sync/cursors'
import { readPage } from '../../node-tab/sync/handlers'
import type { SyncProgress } from '../../node-tab/sync/pull'
import { TestClock } from './store-fixtures'
import { device, dump, pulling, syncFrom } from './sync-fixtures'

const DAY = 24 * 60 * 60 * 1000

async function notes (d: ReturnType<typeof device>, n: number, prefix = 'n'): Promise<void> {
  for (let i = 0; i < n; i++) await d.items.create({ type: 'note', text: `${prefix}${i}`, audience: { kind: 'friends' } })
}

describe('resumable sync', () => {
  it('an aborted pull resumes from the last page that committed, not from the start', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 30)
    const { sync, close } = pulling(b, a, 5)
    const abort = new AbortController()
    const seen: SyncProgress[] = []
    sync.addEventListener('progress', (ev) => {
      seen.push((ev as CustomEvent<SyncProgress>).detail)
      if (seen.length === 2) abort.abort()
    })
    await expect(sync.pull(abort.signal)).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(seen).toEqual([{ pulled: 5, done: false }, { pulled: 10, done: false }])
    expect(await b.db.items.count()).toBe(10)
    const cursor = await pulledFrom(b.db, a.key)
    expect(cursor).toBeGreaterThan(0)
    close()
    const rest = await syncFrom(b, a, { pageSize: 5 })
    expect(rest.pulled).toBe(20)
    expect(await b.db.items.count()).toBe(30)
  })

  it('a session closed mid-pull loses nothing and the next pull continues', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 12)
    const { sync, close } = pulling(b, a, 4)
    sync.addEventListener('progress', () => close())
    await expect(sync.pull()).rejects.toBeInstanceOf(KithError)
    // Whole pages only: the first, and the one asked ahead if it came before the close.
    const kept = await b.db.items.count()
    expect([4, 8]).toContain(kept)
    expect((await syncFrom(b, a, { pageSize: 4 })).pulled).toBe(12 - kept)
    expect(await dump(b.db)).toEqual(await dump(a.db))
  })

  it('a device away for a week catches up with what it missed', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 5, 'before')
    await syncFrom(b, a)
    const first = await a.items.create({ type: 'note', text: 'to be deleted', audience: { kind: 'friends' } })
    await syncFrom(b, a)
    for (let day = 1; day <= 7; day++) {
      clock.advance(DAY)
      await notes(a, 3, `day${day}-`)
    }
    await a.items.delete(first.id)
    const caughtUp = await syncFrom(b, a, { pageSize: 10 })
    expect(caughtUp.pulled).toBe(22) // 21 notes and one tombstone: not the 6 from before
    expect(await dump(b.db)).toEqual(await dump(a.db))
    expect(await b.items.get(first.id)).toBeUndefined()
  })

  it('pages stay under their byte bound whatever the items weigh', async () => {
    const a = device('A')
    // Three bytes a character: ~60 kB an item, ~9 MB for 150.
    for (let i = 0; i < 150; i++) await a.items.create({ type: 'note', text: '€'.repeat(20_000), audience: { kind: 'friends' } })
    const page = await readPage(a.db, { after: 0, limit: 500 })
    expect(page.done).toBe(false)
    expect(page.records.length).toBeLessThan(150)
    expect(encodeValue(page).length).toBeLessThanOrEqual(MAX_SYNC_PAGE_BYTES)
    const b = device('B')
    await syncFrom(b, a)
    expect(await b.db.items.count()).toBe(150)
  })
})
