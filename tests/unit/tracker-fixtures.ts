// Shared by the tests against real trackers: sockets from the ws package, and
// offering again until an offer has arrived.
import WebSocket from 'ws'
import { sleep } from './waiting'

export const createSocket = (url: string): globalThis.WebSocket => new WebSocket(url) as unknown as globalThis.WebSocket

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
