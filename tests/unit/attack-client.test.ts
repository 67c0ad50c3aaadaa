// Attacks on the client side by friends' nodes: one friend's delete notices
// trying to undo another owner's deletion or remove another owner's items.
// (A node pushing more file bytes than asked: tests/unit/file-download.test.ts.)
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import type { SharedItem } from '../../shared/protocol/items'
import { encodeChunk, FrameType, RESULT_DIRECTION } from '../../shared/wire/codec'
import { runHandshake } from '../../shared/session/handshake'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { NodeMethods } from '../../shared/protocol/protocol'
import { establishSession } from '../../shared/session/session'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { cursorOf, feedOver, note, person } from './friend-fixtures'
import { RawPeer } from './raw-peer'

const cleanups = cleanupsAfterEach()

const cacheDb = (): FriendCache => new FriendCache(clientDatabase(cleanups))

const ids = (items: { id: string }[]): string[] => items.map((i) => i.id).sort()

describe('attack: one friend’s delete notices against another owner', () => {
  // Attack: while Alice's page is on its way, Alice deletes X; Mallory then
  // floods made-up notices (and opens pages of her own) hoping to push out
  // the mark that keeps X deleted when Alice's stale page lands.
  it('a flood of another peer’s notices and pages cannot bring back an owner’s deleted item', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mallory = 'b'.repeat(64)
    const x = note('itemX', 1)
    const y = note('itemY', 2)
    const mark = cache.deletionMark(alice)
    await cache.applyDeleteNotices(alice, [x.id])
    for (let i = 0; i < 20; i++) cache.deletionMark(mallory)
    for (let batch = 0; batch < 100; batch++) {
      await cache.applyDeleteNotices(mallory, Array.from({ length: 500 }, (_, i) => `m${batch}x${i}`).concat(x.id))
    }
    expect(await cache.storePage(alice, [x, y], cursorOf(y), mark)).toBe(1)
    expect(ids(await cache.items(alice))).toEqual([y.id])
  })

  // Attack: Mallory sends delete notices naming Alice's item ids.
  it('a peer’s notices remove only that peer’s own items', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mallory = 'b'.repeat(64)
    const x: SharedItem = { id: 'itemX', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'x.bin', mime: 'application/octet-stream', size: 1 } }
    await cache.storePage(alice, [x], cursorOf(x))
    expect(await cache.beginFile(alice, x.id)).not.toBeNull()
    expect(await cache.storePiece(alice, x.id, 1, 0, Uint8Array.of(1))).toBe(true)
    expect(await cache.completeFile(alice, x.id, 1)).toBe(true)
    expect(await cache.applyDeleteNotices(mallory, [x.id])).toEqual([x.id])
    expect(ids(await cache.items(alice))).toEqual([x.id])
    expect(await cache.fileBlob(alice, x.id)).not.toBeNull()
  })

  // Attack: Mallory's node opens more than a few pages of Alice's? It cannot:
  // windows are opened by our own requests. Mallory's own many windows only
  // spoil Mallory's oldest page, never Alice's.
  it('another peer’s open pages never spoil an owner’s page', async () => {
    const cache = cacheDb()
    const alice = 'a'.repeat(64)
    const mark = cache.deletionMark(alice)
    for (let i = 0; i < 1_000; i++) cache.deletionMark('c'.repeat(64))
    const y = note('itemY', 2)
    expect(await cache.storePage(alice, [y], cursorOf(y), mark)).toBe(1)
  })
})

describe('attack: a friend’s node answering a range with a huge message', () => {
  // Attack: each range asked for (256 KiB) is answered with a 30 MiB
  // message, which the downloader would hold (four ranges at once) before
  // it could check it. It is refused at the message's header instead.
  it('the download stops at the first oversized header', async () => {
    const owner = person()
    const me = person()
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const item: SharedItem = { id: 'f1', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'f.bin', mime: 'application/octet-stream', size: 1024 * 1024 } }
    await cache.storePage(owner.keyHex, [item], cursorOf(item))
    const [ta, tb] = createMemoryTransportPair()
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(ta, { identity: me.identity, handlers: () => ({}) }),
      runHandshake(tb, { identity: owner.identity })
    ])
    cleanups.push(() => session.rpc.close())
    const raw = new RawPeer(tb)
    const feed = feedOver(owner, db, session, { cache })
    cleanups.push(() => feed.close())
    const download = feed.fetchFile(item.id)
    // Every range in flight (the downloader asks a few at once) gets one.
    const answered = new Set<number>()
    let stopped = false
    cleanups.push(() => { stopped = true })
    const answerAll = async (): Promise<void> => {
      while (!stopped) {
        const frame = await raw.next(100).catch(() => null) as { type: number, id: number } | null
        if (frame === null) continue
        if (frame.type !== FrameType.Request || answered.has(frame.id)) continue
        answered.add(frame.id)
        raw.send({ type: FrameType.Large, id: frame.id, direction: RESULT_DIRECTION, totalBytes: 30 * 1024 * 1024 })
        raw.send(encodeChunk(frame.id, RESULT_DIRECTION, new Uint8Array(100_000)))
      }
    }
    void answerAll()
    await expect(download).rejects.toMatchObject({ code: 'TOO_LARGE' })
    expect(await cache.fileBlob(owner.keyHex, item.id)).toBeNull()
    expect(session.rpc.stats().assemblies).toBe(0)
  })
})
