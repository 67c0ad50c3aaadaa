// Shared by the tests against real trackers: stock trackers in this process
// and tracker pools over sockets from the ws package, both closed after the
// test (pools first), and offering again until an offer has arrived.
import WebSocket from 'ws'
import { startTracker, type RunningTracker, type TrackerOptions } from '../../scripts/lib/tracker-server.mjs'
import { TrackerPool, type TrackerPoolOptions } from '../../node-tab/discovery/tracker-client'
import { sleep } from './waiting'

export const createSocket = (url: string): globalThis.WebSocket => new WebSocket(url) as unknown as globalThis.WebSocket

export async function testTracker (cleanups: Array<() => unknown>, opts?: TrackerOptions): Promise<RunningTracker> {
  const tracker = await startTracker(opts)
  cleanups.push(() => tracker.close())
  return tracker
}

/** A pool with short back-offs, so a test sees reconnects in good time. */
export function testPool (cleanups: Array<() => unknown>, urls: string[], extra: Partial<TrackerPoolOptions> = {}): TrackerPool {
  const pool = new TrackerPool({ urls, createSocket, minBackoffMs: 50, maxBackoffMs: 300, ...extra })
  cleanups.push(() => pool.close())
  return pool
}

/** An offer only reaches peers already in the swarm, and a join takes a
 *  moment to reach the tracker; so offer again until it has arrived. */
export async function repeatUntil (action: () => void, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out repeating an action')
    action()
    await sleep(100)
  }
}
