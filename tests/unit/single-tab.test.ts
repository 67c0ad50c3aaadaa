// One server per browser profile, with Web Locks (client/boot/single-tab.ts):
// a tab defers to a tab that holds the lock, yet a busy device, where the
// browser grants even a free lock late, is not told "another tab" for good,
// and a tab just closed that lets go late still leaves this one serving.
import { describe, expect, it } from 'vitest'
import { claimNode, type ClaimOptions, type NodeLock } from '../../client/boot/single-tab'
import { FakeLocks } from './fake-locks'

const WAIT = 50
const LATE = 400

/** One tab's claim; `waiting` counts the times it said another tab has the lock. */
function tab (locks: FakeLocks, opts: ClaimOptions = {}): { claim: Promise<NodeLock | null>, waiting: () => number } {
  let waiting = 0
  const claim = claimNode({ locks: locks as unknown as LockManager, waitMs: WAIT, lateMs: LATE, onWaiting: () => { waiting++ }, ...opts })
  return { claim, waiting: () => waiting }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('one serving tab with Web Locks', () => {
  it('a free lock: the tab serves at once and never says another tab has it', async () => {
    const locks = new FakeLocks()
    const first = tab(locks)
    const lock = await first.claim
    expect(lock).not.toBeNull()
    expect(first.waiting()).toBe(0)
    lock!.release()
    await sleep(0)
    expect(locks.held).toBe(false)
  })

  it('a busy device granting a free lock only after the wait: the tab serves once its page hears', async () => {
    const locks = new FakeLocks(WAIT * 4)
    const slow = tab(locks)
    const lock = await slow.claim
    expect(lock).not.toBeNull()
    lock!.release()
  })

  it('no tab holds it, and the request was not granted yet after the wait: the tab waits on, past the late wait, saying nothing', async () => {
    const locks = new FakeLocks()
    // Nobody holds it, yet the browser hands it out only later (busy elsewhere).
    const stuck = locks.holdQueue()
    const slow = tab(locks)
    await sleep(WAIT + LATE + 200)
    // Nor does it say another tab has Kith: none does.
    expect(slow.waiting()).toBe(0)
    stuck()
    expect(await slow.claim).not.toBeNull()
  })

  it('a tab in use holds it: a second tab says so, waits a while, and gives up without holding or waiting', async () => {
    const locks = new FakeLocks()
    const first = await tab(locks).claim
    const second = tab(locks)
    expect(await second.claim).toBeNull()
    expect(second.waiting()).toBe(1)
    expect(locks.waiting).toBe(0)
    // The first tab reloads: the lock is free for it, not taken by the second.
    first!.release()
    await sleep(0)
    expect(locks.held).toBe(false)
  })

  it('a tab just closed lets go late: the tab that said "another tab" serves after all', async () => {
    const locks = new FakeLocks()
    const closing = await tab(locks).claim
    const reopened = tab(locks)
    setTimeout(() => closing!.release(), WAIT * 3)
    const lock = await reopened.claim
    expect(reopened.waiting()).toBe(1)
    expect(lock).not.toBeNull()
    expect(locks.held).toBe(true)
    lock!.release()
  })

  it('"Use this tab instead" stops the waiting claim: it comes to null and the lock, freed later, is not granted to it', async () => {
    const locks = new FakeLocks()
    const first = await tab(locks).claim
    const stop = new AbortController()
    const second = tab(locks, { signal: stop.signal })
    await sleep(WAIT * 2)
    stop.abort()
    expect(await second.claim).toBeNull()
    first!.release()
    await sleep(0)
    expect(locks.held).toBe(false)
  })

  it('stealing takes the lock from the tab that holds it, which is told it lost it', async () => {
    const locks = new FakeLocks()
    const first = (await tab(locks).claim)!
    const second = await tab(locks, { steal: true }).claim
    expect(second).not.toBeNull()
    await expect(Promise.race([first.lost.then(() => 'lost'), sleep(200).then(() => 'kept')])).resolves.toBe('lost')
    second!.release()
  })
})
