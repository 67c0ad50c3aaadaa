// A put's change-log entries are written side by side with it (one wait on
// IndexedDB instead of two, node-tab/sync/change-log.ts): every key a put
// writes is logged, and a put that fails leaves no entry behind, even when
// its caller catches the error and carries on.
import { describe, expect, it } from 'vitest'
import { freshDb } from './store-fixtures'

describe('change log: puts', () => {
  it('logs every key a put writes, in the same transaction', async () => {
    const db = freshDb()
    await db.transaction('rw', db.groups, async () => {
      await db.groups.bulkPut([{ id: 'g1', name: 'one', createdAt: 1 }, { id: 'g2', name: 'two', createdAt: 2 }])
    })
    const entries = await db.syncLog.where('[table+key]').between(['groups', ''], ['groups', '\uffff']).toArray()
    expect(entries.map((e) => e.key).sort()).toEqual(['"g1"', '"g2"'])
  })

  it('a put that fails leaves no entry, even if its caller catches the error', async () => {
    const db = freshDb()
    const outcome = await db.transaction('rw', db.groups, async () => {
      // An object is not a valid key: IndexedDB refuses the put.
      await db.groups.put({ id: {} as unknown as string, name: 'bad', createdAt: 1 }).catch(() => {})
    }).then(() => 'committed', () => 'aborted')
    expect(['committed', 'aborted']).toContain(outcome)
    expect(await db.syncLog.where('[table+key]').between(['groups', ''], ['groups', '\uffff']).count()).toBe(0)
    expect(await db.groups.count()).toBe(0)
  })
})
