// Device sync asking for the next page while it applies one, newest items
// first for a new device, and devices of the version before (one request at
// a time, pages of 500, no syncNewest) still syncing both ways.
import { describe, expect, it } from 'vitest'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RpcPeer, type RpcHandlers } from '../../shared/wire/rpc'
import { KithError } from '../../shared/wire/errors'
import {
  MAX_SYNC_PAGE, MAX_SYNC_PULLS_AT_ONCE, parseSyncPullParams, parseSyncPullResult,
  type OwnerDeviceMethods, type SyncPullParams
} from '../../shared/protocol/protocol'
import { ownerDeviceHandlers, readPage } from '../../node-tab/sync/handlers'
import { DeviceSync, NEWEST_FIRST, type DeviceSyncOptions } from '../../node-tab/sync/pull'
import { pulledFrom, servedTo } from '../../node-tab/sync/cursors'
import { applyRecords, type AppliedChanges } from '../../node-tab/sync/apply'
import { checkRecords } from '../../node-tab/sync/records'
import { formatStamp } from '../../node-tab/sync/stamps'
import { kithError, TestClock } from './store-fixtures'
import { device, dump, type Device } from './sync-fixtures'

type Handlers = RpcHandlers<OwnerDeviceMethods>

async function notes (d: Device, n: number, prefix = 'n'): Promise<void> {
  for (let i = 0; i < n; i++) await d.items.create({ type: 'note', text: `${prefix}${i}`, audience: { kind: 'friends' } })
}

/** `to` pulling from `from`, whose handlers are `wrap`ped (a test's device). */
function pullThrough (to: Device, from: Device, wrap: (h: Handlers) => Partial<Handlers>, opts: DeviceSyncOptions = {}): { sync: DeviceSync, close: () => void } {
  const [mine, theirs] = createMemoryTransportPair()
  const server = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(theirs, wrap(ownerDeviceHandlers(from.db, to.key)))
  const peer = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(mine, {})
  return { sync: new DeviceSync(to.db, peer, from.key, { now: to.clock.now, ...opts }), close: () => { peer.close(); server.close() } }
}

/** A device of the version before this one: one request at a time (no
 *  `ahead`; `applied` unknown, so not taken), no syncNewest. */
function olderDevice (h: Handlers): Partial<Handlers> {
  return {
    syncPull: async (params, ctx) => {
      const p = params as Record<string, unknown>
      const { ahead: _ahead, ...page } = await h.syncPull({ after: p.after, limit: p.limit }, ctx) as Record<string, unknown>
      return page as never
    },
    syncFileRange: h.syncFileRange
  }
}

/** Records every syncPull asked, and how many were being served at once. */
function watched (h: Handlers, seen: { asked: SyncPullParams[], most: number }): Partial<Handlers> {
  let now = 0
  return {
    ...h,
    syncPull: async (params, ctx) => {
      seen.asked.push(parseSyncPullParams(params))
      seen.most = Math.max(seen.most, ++now)
      try {
        return await h.syncPull(params, ctx)
      } finally {
        now--
      }
    }
  }
}

describe('device sync asks for the next page while it applies one', () => {
  it('brings everything, in log order, asking ahead and saying what is applied', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 40)
    const seen = { asked: [] as SyncPullParams[], most: 0 }
    const { sync, close } = pullThrough(b, a, (h) => watched(h, seen), { pageSize: 7 })
    await sync.pull()
    close()
    expect(await dump(b.db)).toEqual(await dump(a.db))
    // After the first page, every request is ahead of what is applied.
    const ahead = seen.asked.filter((p) => p.applied !== undefined)
    expect(ahead.length).toBe(seen.asked.length - 1)
    for (const p of ahead) expect(p.applied!).toBeLessThan(p.after)
    // Each page came after the one before: no page asked twice, none skipped.
    expect(new Set(seen.asked.map((p) => p.after)).size).toBe(seen.asked.length)
    expect(await pulledFrom(b.db, a.key)).toBe((await a.db.syncLog.orderBy('seq').last())!.seq)
  })

  it('the serving device never counts a page asked ahead as applied (tombstone pruning waits for it)', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 30)
    const served: Array<[number, number]> = []
    const { sync, close } = pullThrough(b, a, (h) => ({
      ...h,
      syncPull: async (params, ctx) => {
        const page = await h.syncPull(params, ctx)
        served.push([await servedTo(a.db, b.key), await pulledFrom(b.db, a.key)])
        return page
      }
    }), { pageSize: 4 })
    await sync.pull()
    close()
    expect(served.length).toBeGreaterThan(4)
    for (const [noted, applied] of served) expect(noted).toBeLessThanOrEqual(applied)
  })

  it('a page that fails to apply stops the run: the page asked ahead is not applied, the cursor stays', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 20)
    let pages = 0
    const { sync, close } = pullThrough(b, a, (h) => ({
      ...h,
      syncPull: async (params, ctx) => {
        const page = await h.syncPull(params, ctx) as unknown as { records: Array<Record<string, unknown>> }
        // The second page has a record under another key: refused whole.
        if (++pages === 2) page.records[0] = { ...page.records[0], key: 'elsewhere' }
        return page as never
      }
    }), { pageSize: 5 })
    await kithError(sync.pull(), 'BAD_REQUEST')
    close()
    expect(await b.db.items.count()).toBe(5)
    const firstPage = (await readPage(a.db, { after: 0, limit: 5 })).next
    expect(await pulledFrom(b.db, a.key)).toBe(firstPage)
  })
})

describe('older devices keep syncing', () => {
  it('from a device of the version before: one page at a time, never asking ahead, no newest first', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 25)
    const seen = { asked: [] as SyncPullParams[], most: 0 }
    const { sync, close } = pullThrough(b, a, (h) => watched(olderDevice(h) as Handlers, seen), { pageSize: 6, newestFirst: NEWEST_FIRST })
    await sync.pull()
    close()
    expect(await dump(b.db)).toEqual(await dump(a.db))
    expect(seen.most).toBe(1)
    for (const p of seen.asked) expect(p.applied).toBeUndefined()
  })

  it('to a device of the version before: its pulls (after, limit ≤ 500, one at a time) get every change', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 23)
    await a.items.delete((await a.items.listMine({ limit: 1 }))[0]!.id)
    const [mine, theirs] = createMemoryTransportPair()
    const server = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(theirs, ownerDeviceHandlers(a.db, b.key))
    const peer = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(mine, {})
    // The older puller's loop: ask after what is applied, apply, ask again.
    let after = 0
    for (let done = false; !done;) {
      const asked = { after, limit: 5 }
      const page = parseSyncPullResult(await peer.call('syncPull', asked), asked)
      await applyRecords(b.db, checkRecords(page.records, clock.now()), { now: clock.now, pulled: { peer: a.key, next: page.next } })
      expect(await servedTo(a.db, b.key)).toBe(after)
      after = page.next
      done = page.done
    }
    peer.close()
    server.close()
    expect(await dump(b.db)).toEqual(await dump(a.db))
  })
})

describe('a new device takes the newest items first', () => {
  it('its first change is the peer’s newest items (My items’ first screen), and the full pull adds the rest once', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 80)
    const newest = (await a.items.listMine({ limit: 30 })).map((i) => i.id)
    const { sync, close } = pullThrough(b, a, (h) => h, { pageSize: 20, newestFirst: 30 })
    const changes: AppliedChanges[] = []
    sync.addEventListener('changes', (ev) => changes.push((ev as CustomEvent<AppliedChanges>).detail))
    await sync.pull()
    close()
    expect([...changes[0]!.itemIds].sort()).toEqual([...newest].sort())
    expect(await dump(b.db)).toEqual(await dump(a.db))
    // One log entry per row, as from any pull.
    expect(await b.db.syncLog.count()).toBe(await a.db.syncLog.count())
    // Not again on the next pull (the cursor has moved).
    let asked = 0
    const again = pullThrough(b, a, (h) => ({ ...h, syncNewest: async (p, ctx) => { asked++; return h.syncNewest(p, ctx) } }), { newestFirst: 30 })
    await again.sync.pull()
    again.close()
    expect(asked).toBe(0)
  })

  const hostile: Array<[string, (records: Array<Record<string, unknown>>) => unknown]> = [
    ['a record that is not an item', (r) => ({ records: [...r.slice(1), { table: 'settings', key: 'profile.displayName', stamp: r[0]!.stamp, row: { key: 'profile.displayName', value: 'Mallory' } }] })],
    ['a malformed item', (r) => ({ records: [...r.slice(1), { ...r[0], row: { ...r[0]!.row as object, audience: { kind: 'everyone' } } }] })],
    ['more items than asked', (r) => ({ records: [...r, ...r.map((x, i) => ({ ...x, key: `x${i}` }))] })],
    ['no list', () => ({ records: 'all of them' })]
  ]
  for (const [what, answer] of hostile) {
    it(`refuses a newest answer with ${what}, applying none of it, and syncs from the log`, async () => {
      const clock = new TestClock()
      const [a, b] = [device('A', clock), device('B', clock)]
      await notes(a, 12)
      await a.db.settings.put({ key: 'profile.displayName', value: 'Alice' })
      const { sync, close } = pullThrough(b, a, (h) => ({
        ...h,
        syncNewest: async (p, ctx) => answer((await h.syncNewest(p, ctx)).records as unknown as Array<Record<string, unknown>>) as never
      }), { newestFirst: 10 })
      const changes: AppliedChanges[] = []
      sync.addEventListener('changes', (ev) => changes.push((ev as CustomEvent<AppliedChanges>).detail))
      await sync.pull()
      close()
      // Nothing came before the log's first page: its first change holds every item.
      expect(changes[0]!.itemIds.size).toBe(12)
      expect(await dump(b.db)).toEqual(await dump(a.db))
    })
  }
})

describe('what a device serves on the new path is bounded on its side', () => {
  it(`serves at most ${MAX_SYNC_PULLS_AT_ONCE} syncPull requests at once per session`, async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 3)
    const h = ownerDeviceHandlers(a.db, b.key)
    const ctx = { signal: new AbortController().signal }
    const calls = Array.from({ length: MAX_SYNC_PULLS_AT_ONCE + 2 }, () => Promise.resolve(h.syncPull({ after: 0, limit: 10 }, ctx)))
    const settled = await Promise.allSettled(calls)
    expect(settled.filter((s) => s.status === 'fulfilled').length).toBe(MAX_SYNC_PULLS_AT_ONCE)
    for (const s of settled.slice(MAX_SYNC_PULLS_AT_ONCE)) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'RATE_LIMITED' })
    // Once they are answered, more may come.
    await expect(Promise.resolve(h.syncPull({ after: 0, limit: 10 }, ctx))).resolves.toMatchObject({ done: true })
  })

  it('refuses pages over the bound, `applied` past `after`, and newest lists over the bound', async () => {
    for (const bad of [{ after: 5, limit: MAX_SYNC_PAGE + 1 }, { after: 5, limit: 10, applied: 6 }, { after: 5, limit: 10, applied: -1 }, { after: 5, limit: 10, applied: '3' }]) {
      expect(() => parseSyncPullParams(bad)).toThrow(KithError)
    }
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    const h = ownerDeviceHandlers(a.db, b.key)
    const ctx = { signal: new AbortController().signal }
    for (const limit of [0, 101, 1.5, 'all']) await kithError(Promise.resolve(h.syncNewest({ limit }, ctx)), 'BAD_REQUEST')
  })

  it('passes over what came from the asker: a device pulling back what it just gave gets an empty page that moves on', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 40)
    // B took all of it from A: none of it goes back.
    const { sync, close } = pullThrough(b, a, (h) => h, { pageSize: 15 })
    await sync.pull()
    close()
    const back = await readPage(b.db, { after: 0, limit: 10 }, a.key)
    expect(back.records).toEqual([])
    expect(back.done).toBe(true)
    expect(back.next).toBe((await b.db.syncLog.orderBy('seq').last())!.seq)
  })
})

describe('a hostile or revoked device on the new path', () => {
  it('an answer over the page bound is refused at its header, before it is held, and nothing is applied', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    const stamp = formatStamp({ wall: clock.t, counter: 0, device: 'abcdef0123456789' })
    const huge = Array.from({ length: 40 }, (_, i) => ({ table: 'items', key: `h${i}`, stamp, row: { id: `h${i}`, type: 'note', text: 'x'.repeat(20_000), createdAt: 1, updatedAt: 1, audience: { kind: 'friends' }, pad: new Uint8Array(250_000) } }))
    const { sync, close } = pullThrough(b, a, () => ({ syncPull: async () => ({ records: huge, next: 40, done: true, ahead: 2 }) as never }))
    await kithError(sync.pull(), 'TOO_LARGE')
    close()
    expect(await b.db.items.count()).toBe(0)
    expect(await pulledFrom(b.db, a.key)).toBe(0)
  })

  it('pages nobody asked for are dropped, not buffered or applied', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 6)
    const [mine, theirs] = createMemoryTransportPair()
    const { encodeFrame, FrameType } = await import('../../shared/wire/codec')
    const flood = (await readPage(a.db, { after: 0, limit: 6 })).records.map((r) => ({ ...r, key: `${r.key as string}x` }))
    // A device that answers each request, and sends a hundred pages with ids never asked.
    const server = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(theirs, {
      ...ownerDeviceHandlers(a.db, b.key),
      syncPull: async (params, ctx) => {
        for (let id = 1000; id < 1100; id++) theirs.send(encodeFrame({ type: FrameType.Result, id, result: { records: flood, next: 99, done: false, ahead: 2 } }))
        return ownerDeviceHandlers(a.db, b.key).syncPull(params, ctx)
      }
    })
    const peer = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(mine, {})
    await new DeviceSync(b.db, peer, a.key, { now: clock.now, pageSize: 2 }).pull()
    expect(peer.stats()).toMatchObject({ pending: 0, assemblies: 0, heldBytes: 0 })
    peer.close()
    server.close()
    expect(await dump(b.db)).toEqual(await dump(a.db))
  })

  it('a device revoked mid-sync gets nothing more: the page asked ahead is refused and nothing after it is applied', async () => {
    const clock = new TestClock()
    const [a, b] = [device('A', clock), device('B', clock)]
    await notes(a, 30)
    let served = 0
    let refused = 0
    const { sync, close } = pullThrough(b, a, (h) => ({
      ...h,
      syncPull: async (params, ctx) => {
        try {
          return await h.syncPull(params, ctx)
        } catch (err) {
          refused++
          throw err
        } finally {
          // Revoked by the owner on A once two pages were served.
          if (++served === 2) await a.db.devices.put({ deviceKey: b.key, certificate: { name: 'B' }, revocation: { at: 1 } } as never)
        }
      },
      syncNewest: async (p, ctx) => h.syncNewest(p, ctx)
    }), { pageSize: 5 })
    await kithError(sync.pull(), 'UNAUTHORIZED')
    close()
    expect(refused).toBe(1)
    expect(await b.db.items.count()).toBe(10)
    const h = ownerDeviceHandlers(a.db, b.key)
    const ctx = { signal: new AbortController().signal }
    await kithError(Promise.resolve(h.syncNewest({ limit: 10 }, ctx)), 'UNAUTHORIZED')
    await kithError(Promise.resolve(h.syncPull({ after: 0, limit: 10 }, ctx)), 'UNAUTHORIZED')
  })
})
