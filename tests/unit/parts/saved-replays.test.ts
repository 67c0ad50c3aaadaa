// saveReplays / restoreReplays (node-tab/rendezvous/saved-replays.ts): the
// offers already answered outlive a reload, saved as soon as one is let
// through, and never written once the node has closed.
import { describe, expect, it, vi } from 'vitest'
import { ReplayGuard } from '../../../node-tab/discovery/replay-guard'
import { restoreReplays, saveReplays } from '../../../node-tab/rendezvous/saved-replays'
import { freshDb } from '../store-fixtures'
import { waitFor } from '../waiting'

const SEEN_OFFERS_KEY = 'rendezvous.seenOffers'
const MINUTE = 60_000

describe('saved replays', () => {
  it('an offer let through is saved at once, and after a reload it is not let through again', async () => {
    const db = freshDb()
    const guard = new ReplayGuard()
    saveReplays(db, guard, () => false)
    const now = Date.now()
    expect(guard.firstSight('swarm-a', 'offer-1', now + 10 * MINUTE, now)).toBe(true)
    await waitFor(async () => (await db.settings.get(SEEN_OFFERS_KEY)) !== undefined)

    const reloaded = new ReplayGuard()
    await restoreReplays(db, reloaded)
    expect(reloaded.firstSight('swarm-a', 'offer-1', now + 10 * MINUTE, Date.now())).toBe(false)
    // Another offer still gets through.
    expect(reloaded.firstSight('swarm-a', 'offer-2', now + 10 * MINUTE, Date.now())).toBe(true)
  })

  it('nothing is written once the node has closed', async () => {
    const db = freshDb()
    const guard = new ReplayGuard()
    let closed = false
    saveReplays(db, guard, () => closed)
    const writes = vi.spyOn(db, 'putSetting')
    const now = Date.now()
    guard.firstSight('swarm-a', 'offer-1', now + MINUTE, now)
    expect(writes).toHaveBeenCalledTimes(1)
    closed = true
    guard.firstSight('swarm-a', 'offer-2', now + MINUTE, now)
    expect(writes).toHaveBeenCalledTimes(1)
  })

  it('at open, stale or malformed saved entries are not taken back', async () => {
    const db = freshDb()
    const now = Date.now()
    await db.putSetting(SEEN_OFFERS_KEY, [['swarm-a', 'fresh', now + MINUTE], ['swarm-a', 'stale', now - MINUTE], ['swarm-a', 42, now + MINUTE], 'junk'])
    const guard = new ReplayGuard()
    await restoreReplays(db, guard)
    expect(guard.size).toBe(1)
    expect(guard.firstSight('swarm-a', 'fresh', now + MINUTE, Date.now())).toBe(false)
    expect(guard.firstSight('swarm-a', 'stale', now + MINUTE, Date.now())).toBe(true)
  })

  it('nothing saved yet: restoring leaves the guard empty', async () => {
    const guard = new ReplayGuard()
    await restoreReplays(freshDb(), guard)
    expect(guard.size).toBe(0)
  })
})
