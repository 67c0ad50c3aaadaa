import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Listener } from '../../node-tab/discovery/listener'
import { createIdentity } from '../../shared/identity/identity'
import type { Meeting } from '../../shared/rendezvous/meetings'

const topic = (c: string): string => c.repeat(20)
const meetings = (...topics: string[]): Meeting[] => topics.map((t) => ({ kind: 'address', topic: t, recipientKey: new Uint8Array(32) }))

// The pool needs a WebSocket class to exist; with no trackers it never opens one.
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket

describe('Listener swarms', () => {
  it('overlapping refreshes never leave an older list in place', async () => {
    // The first read of friends/invites is slow and stale; the next is fast and new.
    const answers = [
      { delay: 0, topics: meetings(topic('a')) }, // joining the epoch
      { delay: 80, topics: meetings(topic('a')) }, // slow, read before the invite existed
      { delay: 0, topics: meetings(topic('a'), topic('b')) } // fast, after the invite
    ]
    let call = 0
    const listener = new Listener({
      identity: createIdentity(),
      trackers: [],
      rtcConfig: { iceServers: [] },
      onTransport: () => {},
      topics: async () => {
        const answer = answers[Math.min(call++, answers.length - 1)]!
        await new Promise((resolve) => setTimeout(resolve, answer.delay))
        return answer.topics
      }
    })
    listener.start()
    await new Promise((resolve) => setTimeout(resolve, 10)) // the epoch is joined
    const slow = listener.refreshTopics()
    const fast = listener.refreshTopics()
    await Promise.all([slow, fast])
    expect([...listener.joinedTopics].sort()).toEqual([topic('a'), topic('b')])
    listener.stop()
  })
})
