// The offline queue: one row per request across reloads, nothing lost when a
// request fails, and a friend feed whose requests wait for the friend.
import { describe, expect, it } from 'vitest'
import { ClientDatabase, type OutboxRow } from '../../client/cache/db'
import { Outbox } from '../../client/friends/outbox'
import type { FriendFeedImpl } from '../../client/friends/friend-feed'
import { bytesEqual } from '../../shared/util/bytes'
import { FILE_RANGE_BYTES } from '../../shared/protocol/items'
import type { NodeSession } from '../../node-tab/node'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { connect, FakeOwner, feedOver, note, person, readBlob, tick, uniqueName, until } from './friend-fixtures'

const cleanups = cleanupsAfterEach()


const alice = person()
const bob = person()

const summary = (rows: OutboxRow[]): string[] => rows.map((row) => `${row.kind}:${row.itemId ?? ''}`)

describe('Outbox', () => {
  it('keeps one row per request, even across a reload', async () => {
    const name = uniqueName('kith-client')
    const first = new ClientDatabase(name)
    const outbox = new Outbox(first)
    await outbox.enqueue({ peer: alice.keyHex, kind: 'sync' })
    await outbox.enqueue({ peer: alice.keyHex, kind: 'fetchFile', itemId: 'p1' })
    await Promise.all([outbox.enqueue({ peer: alice.keyHex, kind: 'sync' }), outbox.enqueue({ peer: alice.keyHex, kind: 'sync' })])
    first.close()

    const reloaded = new Outbox(clientDatabase(cleanups, name))
    await reloaded.enqueue({ peer: alice.keyHex, kind: 'sync' })
    await reloaded.enqueue({ peer: alice.keyHex, kind: 'fetchFile', itemId: 'p1' })
    await reloaded.enqueue({ peer: alice.keyHex, kind: 'fetchFile', itemId: 'p2' })
    await reloaded.enqueue({ peer: bob.keyHex, kind: 'sync' })
    expect(summary(await reloaded.pending(alice.keyHex))).toEqual(['sync:', 'fetchFile:p1', 'fetchFile:p2'])
    expect(summary(await reloaded.pending(bob.keyHex))).toEqual(['sync:'])
    expect((await reloaded.peersWithPending()).sort()).toEqual([alice.keyHex, bob.keyHex].sort())
  })

  it('drains in order, deleting each row only after it succeeded, and stops at the first failure', async () => {
    const outbox = new Outbox(clientDatabase(cleanups))
    for (const itemId of ['p1', 'p2', 'p3']) await outbox.enqueue({ peer: alice.keyHex, kind: 'fetchFile', itemId })
    await outbox.enqueue({ peer: bob.keyHex, kind: 'sync' })
    const performed: string[] = []
    const failure = new Error('the friend went away')
    await expect(outbox.drain(alice.keyHex, async (row) => {
      // While a row is being performed it is still queued: a crash here loses nothing.
      expect(summary(await outbox.pending(alice.keyHex))).toContain(`fetchFile:${row.itemId}`)
      performed.push(row.itemId!)
      if (row.itemId === 'p2') throw failure
    })).rejects.toBe(failure)
    expect(performed).toEqual(['p1', 'p2'])
    expect(summary(await outbox.pending(alice.keyHex))).toEqual(['fetchFile:p2', 'fetchFile:p3'])
    expect(summary(await outbox.pending(bob.keyHex))).toEqual(['sync:'])

    expect(await outbox.drain(alice.keyHex, async (row) => { performed.push(row.itemId!) })).toBe(2)
    expect(performed).toEqual(['p1', 'p2', 'p2', 'p3'])
    expect(await outbox.pending(alice.keyHex)).toEqual([])
  })

  it('never performs a row twice when two drains overlap, and picks up rows queued meanwhile', async () => {
    const outbox = new Outbox(clientDatabase(cleanups))
    await outbox.enqueue({ peer: alice.keyHex, kind: 'sync' })
    const performed: string[] = []
    const slow = async (row: OutboxRow): Promise<void> => {
      performed.push(`${row.kind}:${row.itemId ?? ''}`)
      await tick(20)
    }
    const a = outbox.drain(alice.keyHex, slow)
    await tick(5)
    await outbox.enqueue({ peer: alice.keyHex, kind: 'fetchFile', itemId: 'p1' })
    const b = outbox.drain(alice.keyHex, slow)
    await Promise.all([a, b])
    expect(performed).toEqual(['sync:', 'fetchFile:p1'])
  })
})

describe('FriendFeedImpl offline queue', () => {
  interface Setup { owner: FakeOwner, feed: FriendFeedImpl, db: ClientDatabase, openSession: () => Promise<NodeSession>, dials: () => number }

  /** A feed whose friend is offline until openSession() is called. */
  async function offlineFeed (db = clientDatabase(cleanups)): Promise<Setup> {
    const owner = new FakeOwner()
    const friend = person()
    let current: NodeSession | null = null
    let dials = 0
    let arrived: (session: NodeSession) => void = () => {}
    const arrival = new Promise<NodeSession>((resolve) => { arrived = resolve })
    const feed = feedOver(alice, db, null, {
      currentSession: () => current,
      // Like a dialer that finds the friend once they come online.
      getSession: () => { dials++; return arrival },
      retryBaseMs: 10
    })
    cleanups.push(() => feed.close())
    const openSession = async (): Promise<NodeSession> => {
      const { b } = await connect(alice, friend, () => owner.handlers(), () => ({}))
      cleanups.push(() => b.rpc.close())
      current = b
      arrived(b)
      return b
    }
    return { owner, feed, db, openSession, dials: () => dials }
  }

  it('queues a sync while the friend is offline and drains it when a session appears', async () => {
    const { owner, feed, db, openSession, dials } = await offlineFeed()
    owner.add(note('a1', 1), note('a2', 2))
    const states: string[] = []
    // 'change' also fires when items arrive; record state transitions only.
    feed.addEventListener('change', () => { if (states.at(-1) !== feed.state) states.push(feed.state) })
    await feed.sync()
    expect(feed.state).toBe('queued')
    expect(states).toEqual(['queued'])
    expect(summary(await new Outbox(db).pending(alice.keyHex))).toEqual(['sync:'])
    await feed.sync() // asking again while queued adds nothing
    expect(await db.outbox.count()).toBe(1)
    expect(dials()).toBe(1)

    await openSession()
    await until(() => feed.state === 'idle')
    expect(states).toEqual(['queued', 'syncing', 'idle'])
    expect((await feed.items()).map((item) => item.id)).toEqual(['a2', 'a1'])
    expect(await db.outbox.count()).toBe(0)
    expect(owner.listCalls.length).toBe(1)
  })

  it('a sync the person asked for, no session coming, also leaves a request in the friend’s mailbox, once; a background turn or a session that comes does not', async () => {
    // The session comes from offlineFeed's friend (its own feed is not used).
    const { openSession } = await offlineFeed()
    let asked = 0
    let arrive: (session: NodeSession) => void = () => {}
    let current: NodeSession | null = null
    const away = feedOver(alice, clientDatabase(cleanups), null, {
      currentSession: () => current,
      getSession: () => new Promise((resolve) => { arrive = resolve }),
      askWhileAway: () => { asked++ },
      askAfterMs: 20,
      retryBaseMs: 10
    })
    cleanups.push(() => away.close())
    const turn = new AbortController()
    await away.sync({ signal: turn.signal })
    await tick(60)
    expect(asked).toBe(0)
    await away.sync()
    await away.sync()
    await until(() => asked === 1)
    await tick(60)
    expect(asked).toBe(1)
    // A session that comes within the wait: nothing asked.
    const reached = feedOver(alice, clientDatabase(cleanups), null, {
      currentSession: () => current,
      getSession: () => new Promise((resolve) => { arrive = resolve }),
      askWhileAway: () => { asked++ },
      askAfterMs: 200,
      retryBaseMs: 10
    })
    cleanups.push(() => reached.close())
    await reached.sync()
    current = await openSession()
    arrive(current)
    await until(() => reached.state === 'idle')
    await tick(300)
    expect(asked).toBe(1)
  })

  it('holds a file request until the friend is back, then resolves with the bytes', async () => {
    const { owner, feed, openSession } = await offlineFeed()
    const photo = { id: 'p1', type: 'file' as const, text: '', createdAt: 1, updatedAt: 1, file: { name: 'p.png', mime: 'image/png', size: 4 } }
    owner.add(photo)
    owner.files.set('p1', new Uint8Array([1, 2, 3, 4]))
    await feed.sync()
    let resolved = false
    const download = feed.fetchFile('p1').then((file) => { resolved = true; return file })
    await tick(50)
    expect(resolved).toBe(false)
    await openSession()
    expect(await readBlob(await download)).toEqual(new Uint8Array([1, 2, 3, 4]))
    expect(await readBlob(await feed.fileBlob('p1'))).toEqual(new Uint8Array([1, 2, 3, 4]))
    expect((await feed.items())[0]!.fileCached).toBe(true)
  })

  it('reports download progress in increasing fractions ending at 1', async () => {
    const { owner, feed, openSession } = await offlineFeed()
    const size = 4 * FILE_RANGE_BYTES
    const bytes = new Uint8Array(size).map((_, i) => i & 0xff)
    owner.add({ id: 'big', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'big.bin', mime: 'application/octet-stream', size } })
    owner.files.set('big', bytes)
    await openSession()
    await feed.sync()
    const fractions: number[] = []
    const got = await readBlob(await feed.fetchFile('big', (f) => fractions.push(f)))
    expect(bytesEqual(got!, bytes)).toBe(true) // toEqual walks 1 MB element by element: slow
    expect(fractions.length).toBe(4) // fetched in four ranges
    expect(fractions.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > fractions[i - 1]!))).toBe(true)
    expect(fractions.at(-1)).toBe(1)
  })

  it('loses no request across a reload: what was queued goes out from the next tab', async () => {
    const name = uniqueName('kith-client')
    const before = await offlineFeed(new ClientDatabase(name))
    before.owner.add({ id: 'p1', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'p.png', mime: 'image/png', size: 2 } })
    before.owner.files.set('p1', new Uint8Array([7, 7]))
    await before.feed.sync()
    const abandoned = before.feed.fetchFile('p1')
    await until(async () => await before.db.outbox.count() === 2)
    before.feed.close() // the tab goes away
    await expect(abandoned).rejects.toMatchObject({ code: 'CANCELLED' })
    before.db.close()

    const after = await offlineFeed(clientDatabase(cleanups, name))
    after.owner.items = before.owner.items
    after.owner.files = before.owner.files
    await after.openSession()
    await after.feed.sync()
    expect(after.feed.state).toBe('idle')
    expect(await after.db.outbox.count()).toBe(0)
    expect(await readBlob(await after.feed.fileBlob('p1'))).toEqual(new Uint8Array([7, 7]))
    expect(after.owner.listCalls.length).toBe(1) // the queued sync and the new one were one row
  })

  it('re-queues when the connection drops mid-sync, and finishes on the next session', async () => {
    const owner = new FakeOwner()
    owner.add(...Array.from({ length: 150 }, (_, i) => note(`n${i}`, i + 1)))
    const friend = person()
    const db = clientDatabase(cleanups)
    let sessions = 0
    let current: NodeSession | null = null
    let release: () => void = () => {}
    const backAgain = new Promise<void>((resolve) => { release = resolve })
    const open = async (): Promise<NodeSession> => {
      const first = sessions++ === 0
      if (!first) await backAgain
      const { b } = await connect(alice, friend, () => {
        const honest = owner.handlers()
        // The first connection dies while the second page is asked for.
        return first ? { listItems: (params, ctx) => { if (owner.listCalls.length === 1) b.rpc.close('gone'); return honest.listItems!(params, ctx) } } : honest
      }, () => ({}))
      cleanups.push(() => b.rpc.close())
      current = b
      return b
    }
    await open()
    const feed = feedOver(alice, db, null, { currentSession: () => current, getSession: open, retryBaseMs: 10 })
    cleanups.push(() => feed.close())
    await feed.sync()
    expect(feed.lastError).toMatch(/connection to your friend was lost/)
    expect((await feed.items()).length).toBe(100) // the first page was kept
    release()
    await until(() => feed.state === 'idle')
    expect(feed.lastError).toBeNull()
    expect(sessions).toBe(2)
    expect((await feed.items()).length).toBe(150)
    expect(await db.outbox.count()).toBe(0)
  })
})
