// Each offer is let through once while fresh; memory is bounded per swarm,
// and a full swarm refuses rather than forgets (forgetting allows a replay).
import { describe, expect, it } from 'vitest'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'
import { AnswerSlots } from '../../node-tab/discovery/answer-slots'
import Dexie from 'dexie'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { until } from './friend-fixtures'

describe('ReplayGuard', () => {
  it('lets an offer through once, until it is stale', () => {
    const guard = new ReplayGuard()
    expect(guard.firstSight('t', 'offer', 1_000, 0)).toBe(true)
    expect(guard.firstSight('t', 'offer', 1_000, 500)).toBe(false)
    expect(guard.firstSight('t', 'offer', 1_000, 1_000)).toBe(false)
    // Past its staleness the offer would be refused as stale anyway.
    expect(guard.firstSight('t', 'offer', 2_000, 1_001)).toBe(true)
  })

  it('what it remembers can be saved and taken back; stale and malformed entries are not', () => {
    const guard = new ReplayGuard()
    let remembered = 0
    guard.onRemember = () => { remembered++ }
    guard.firstSight('t', 'fresh', 5_000, 0)
    guard.firstSight('t', 'old', 100, 0)
    expect(remembered).toBe(2)
    const saved = guard.entries(200)
    expect(saved).toEqual([['t', 'fresh', 5_000]])
    const restored = new ReplayGuard()
    restored.restore([...saved, ['t', 'gone', 50], ['t', 7, 9_000], 'junk', null], 200)
    expect(restored.firstSight('t', 'fresh', 5_000, 300)).toBe(false)
    expect(restored.size).toBe(1)
    restored.restore({ not: 'a list' }, 200)
    expect(restored.size).toBe(1)
  })

  it('the same id in another swarm is another offer', () => {
    const guard = new ReplayGuard()
    expect(guard.firstSight('a', 'offer', 1_000, 0)).toBe(true)
    expect(guard.firstSight('b', 'offer', 1_000, 0)).toBe(true)
  })

  it('a full swarm refuses new offers instead of forgetting old ones, and others are unaffected', () => {
    const guard = new ReplayGuard(3)
    for (const id of ['1', '2', '3']) expect(guard.firstSight('flooded', id, 1_000, 0)).toBe(true)
    expect(guard.firstSight('flooded', '4', 1_000, 10)).toBe(false)
    expect(guard.firstSight('flooded', '1', 1_000, 10)).toBe(false) // still remembered
    expect(guard.firstSight('friend', 'x', 1_000, 10)).toBe(true)
    // Once the old ones are stale there is room again.
    expect(guard.firstSight('flooded', '4', 3_000, 1_001)).toBe(true)
  })

  it('sweeps stale entries and empty swarms away', () => {
    const guard = new ReplayGuard(512, 100)
    for (let i = 0; i < 50; i++) guard.firstSight(`t${i}`, 'o', 1_000, 0)
    expect(guard.size).toBe(50)
    guard.firstSight('later', 'o', 5_000, 2_000)
    expect(guard.size).toBe(1)
  })
})

describe('AnswerSlots', () => {
  it('each kind has its own pool; a release frees one slot once', () => {
    const slots = new AnswerSlots({ address: 2, pair: 1 })
    const a1 = slots.take('address', 'addr'); const a2 = slots.take('address', 'addr')
    expect(a1 && a2).toBeTruthy()
    expect(slots.take('address', 'addr')).toBeNull()
    const p = slots.take('pair', 'bob')
    expect(p).not.toBeNull()
    expect(slots.take('pair', 'carol')).toBeNull()
    a1!(); a1!()
    expect(slots.busy('address')).toBe(1)
    expect(slots.take('address', 'addr')).not.toBeNull()
    expect(slots.take('address', 'addr')).toBeNull()
  })

  it('one swarm cannot take a whole pool: another friend still gets a slot', () => {
    const slots = new AnswerSlots({ pair: 16, perSwarm: 4 })
    const taken = Array.from({ length: 10 }, () => slots.take('pair', 'greedy friend'))
    expect(taken.filter(Boolean)).toHaveLength(4)
    expect(slots.take('pair', 'another friend')).not.toBeNull()
    taken[0]!()
    expect(slots.take('pair', 'greedy friend')).not.toBeNull()
  })
})

describe('the node’s memory of answered offers', () => {
  it('survives a reload: reopened on the same database, a fresh offer it answered is still a replay', async () => {
    const name = `replays-${Math.random().toString(36).slice(2)}`
    const open = (): Promise<KithNode> => KithNode.open({ db: new NodeDatabase(name), hostConfig: { trackers: [], relays: [], iceServers: [] } })
    const before = await open()
    const staleAt = Date.now() + 10 * 60_000
    expect(before.replays.firstSight('pair-swarm', 'offer-1', staleAt, Date.now())).toBe(true)
    // Saved at once (not on a clean close: a tab can be killed).
    await until(async () => Array.isArray(await before.db.getSetting('rendezvous.seenOffers', (v): v is unknown[] => Array.isArray(v) && v.length > 0)))
    before.close()
    const after = await open()
    try {
      expect(after.replays.firstSight('pair-swarm', 'offer-1', staleAt, Date.now())).toBe(false)
      expect(after.replays.firstSight('pair-swarm', 'offer-2', staleAt, Date.now())).toBe(true)
    } finally {
      after.close()
      await Dexie.delete(name)
    }
  })
})
