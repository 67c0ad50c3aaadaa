import { describe, expect, it } from 'vitest'
import { MAX_TEXT_CHARS, type SharedItem } from '../../shared/protocol/items'
import { parseSyncPullParams, type SyncRecord } from '../../shared/protocol/protocol'
import { pulledFrom } from '../../node-tab/sync/cursors'
import type { DevicePeer } from '../../node-tab/sync/file-fetch'
import { DeviceSync } from '../../node-tab/sync/pull'
import { formatStamp } from '../../node-tab/sync/stamps'
import { kithError, TestClock } from './store-fixtures'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { toHex } from '../../shared/util/bytes'
import { device, dump } from './sync-fixtures'

const clock = new TestClock()
const stamp = (counter = 0, wall = clock.t): string => formatStamp({ wall, counter, device: 'abcdef0123456789' })
const friend = (key: Uint8Array, address = addressFromPublicKey(key)): SyncRecord =>
  ({ table: 'friends', key: toHex(key), stamp: stamp(), row: { key: toHex(key), address, displayName: 'x', addedAt: 1 } })
/** The identity point: a "key" whose signatures need no secret. */
const SMALL_ORDER = Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 1 : 0)
const item = (id: string, extra: Partial<SharedItem> & Record<string, unknown> = {}): SyncRecord =>
  ({ table: 'items', key: id, stamp: stamp(Number(id.replace(/\D/g, '') || 0)), row: { id, type: 'note', text: 'hi', createdAt: 1, updatedAt: 1, audience: { kind: 'friends' }, ...extra } })

/** A device that answers the given page, whatever was asked, and file ranges with `range`. */
function fakePeer (records: unknown[], done = true, range?: (params: { offset: number, length: number }) => unknown): DevicePeer {
  return {
    call: (async (method: string, params: unknown) => {
      if (method === 'syncFileRange' && range) return range(params as { offset: number, length: number })
      if (method !== 'syncPull') throw new Error('unexpected')
      parseSyncPullParams(params)
      return { records, next: 99, done }
    }) as DevicePeer['call']
  }
}

describe('sync records from a device are checked before they are written', () => {
  const cases: Array<[string, unknown]> = [
    ['an unknown table', { table: 'identity', key: 'self', stamp: stamp(), row: { id: 'self' } }],
    ['a device-local setting', { table: 'settings', key: 'items.clock', stamp: stamp(), row: { key: 'items.clock', value: 1 } }],
    ['a malformed stamp', { ...item('a1'), stamp: '12:3' }],
    ['a stamp from far in the future', { ...item('a1'), stamp: stamp(0, clock.t + 30 * 24 * 3600 * 1000) }],
    ['a text too long', item('a1', { text: 'x'.repeat(MAX_TEXT_CHARS + 1) })],
    ['a bad audience', item('a1', { audience: { kind: 'everyone' } as never })],
    ['a file item without a file', item('a1', { type: 'file' })],
    ['a row under another key', { ...item('a1'), key: 'a2' }],
    ['a bad friend key', { table: 'friends', key: 'zz', stamp: stamp(), row: { key: 'zz', address: 'x', displayName: 'x', addedAt: 1 } }],
    ['a friend key that needs no secret (with its own address)', friend(SMALL_ORDER)],
    ['a friend address that is not their key’s', friend(generateSigningKeyPair().publicKey, addressFromPublicKey(generateSigningKeyPair().publicKey))],
    ['a bad membership key', { table: 'memberships', key: ['g1'], stamp: stamp() }],
    ['a deletion log id that is not item:reason', { table: 'deletions', key: 'x:deleted', stamp: stamp(), row: { id: 'x:deleted', itemId: 'y', itemType: 'note', reason: 'deleted', at: 1, friends: {} } }],
    ['a setting of the wrong type', { table: 'settings', key: 'rendezvous.discoverable', stamp: stamp(), row: { key: 'rendezvous.discoverable', value: 'yes' } }],
    ['a huge unknown field', item('a1', { extra: 'x'.repeat(300_000) })],
    ['not an object', 'items'],
    ['the same row twice', null]
  ]

  for (const [what, bad] of cases) {
    it(`refuses a page with ${what}, applying none of it`, async () => {
      const b = device('B', clock)
      const before = await dump(b.db)
      const page = bad === null ? [item('a1'), item('a1')] : [item('g1'), item('g2'), bad, item('g3')]
      await kithError(new DeviceSync(b.db, fakePeer(page), 'f'.repeat(64), { now: clock.now }).pull(), 'BAD_REQUEST')
      expect(await dump(b.db)).toEqual(before)
      expect(await b.db.syncLog.count()).toBe(0)
      expect(await pulledFrom(b.db, 'f'.repeat(64))).toBe(0)
    })
  }

  it('refuses an answer that is not a page, or goes back', async () => {
    const b = device('B', clock)
    const answering = (answer: unknown): DevicePeer => ({ call: (async () => answer) as DevicePeer['call'] })
    for (const answer of [null, { records: 'x', next: 1, done: true }, { records: [], next: -1, done: true }, { records: [], next: 5, done: false }, { records: [item('a1')], next: 0, done: true }]) {
      await kithError(new DeviceSync(b.db, answering(answer), 'f'.repeat(64), { now: clock.now }).pull(), 'BAD_REQUEST')
    }
    expect(await b.db.items.count()).toBe(0)
  })

  it('refuses file bytes that do not match the item, and shows no half item', async () => {
    const file = item('f1', { type: 'file', file: { name: 'a.bin', mime: 'x/y', size: 10 } })
    for (const answer of [{ bytes: new Uint8Array(9), size: 10 }, { bytes: new Uint8Array(10), size: 11 }, { bytes: 'x', size: 10 }]) {
      const b = device('B', clock)
      await kithError(new DeviceSync(b.db, fakePeer([file], true, () => answer), 'f'.repeat(64), { now: clock.now }).pull(), 'BAD_REQUEST')
      expect(await b.db.items.count()).toBe(0)
      expect(await pulledFrom(b.db, 'f'.repeat(64))).toBe(0)
    }
    const b = device('B', clock)
    await new DeviceSync(b.db, fakePeer([file], true, () => ({ bytes: new Uint8Array(10), size: 10 })), 'f'.repeat(64), { now: clock.now }).pull()
    expect(await b.db.fileChunks.count()).toBe(1)
    expect((await b.db.items.get('f1'))!.file).toEqual({ name: 'a.bin', mime: 'x/y', size: 10 })
  })

  it('moves its clock past the stamps it accepts', async () => {
    const b = device('B', clock)
    const ahead = stamp(3, clock.t + 3_600_000)
    await new DeviceSync(b.db, fakePeer([{ ...item('g1'), stamp: ahead }]), 'f'.repeat(64), { now: clock.now }).pull()
    await b.items.create({ type: 'note', text: 'later', audience: { kind: 'me' } })
    const mine = (await b.db.syncLog.orderBy('seq').last())!
    expect(mine.table).toBe('items')
    expect(mine.stamp > ahead).toBe(true)
  })

  it('accepts the same page when it is clean, unknown fields included', async () => {
    const b = device('B', clock)
    await new DeviceSync(b.db, fakePeer([item('g1', { mood: 'happy' }), item('g2')]), 'f'.repeat(64), { now: clock.now }).pull()
    expect(await b.db.items.get('g1')).toMatchObject({ id: 'g1', mood: 'happy' })
    expect(await pulledFrom(b.db, 'f'.repeat(64))).toBe(99)
  })
})
