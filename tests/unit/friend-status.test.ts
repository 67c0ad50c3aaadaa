// The friend page's one status line: my trackers down is said to be my side;
// "Up to date" never appears beside "Not reachable"; a long absence says since when.
import { describe, expect, it } from 'vitest'
import { answerSpeed, friendStatus, NO_TRACKERS, spokenStatus, type FriendStatusInput } from '../../client/friends/friend-status'
import type { TrackerStatus } from '../../node-tab/discovery/tracker-client'

const NOW = new Date(2026, 10, 20, 15, 0).getTime()
const HOUR = 3_600_000
const open: TrackerStatus[] = [{ url: 'ws://127.0.0.1:8000', state: 'open', health: 'working' }]
const down: TrackerStatus[] = [{ url: 'ws://127.0.0.1:8000', state: 'backoff', health: 'unreachable', lastError: 'refused' }, { url: 'ws://127.0.0.1:8001', state: 'closed', health: 'unreachable' }]

function input (patch: Partial<FriendStatusInput>): FriendStatusInput {
  return { phase: 'searching', searchingSince: NOW - 30_000, lastReachedAt: null, trackers: open, feed: { state: 'idle', lastSyncAt: NOW - 2 * HOUR }, now: NOW, ...patch }
}

function text (i: FriendStatusInput): string {
  const l = friendStatus(i)
  return [l.connection.text, l.copy?.text].filter(Boolean).join(' · ')
}

describe('friend status line', () => {
  it('blames my side when none of my trackers is open, not their tab', () => {
    for (const trackers of [down, [], [{ url: 'ws://127.0.0.1:8000', state: 'connecting' as const, health: 'connecting' as const }]]) {
      const line = friendStatus(input({ trackers }))
      expect(line.connection.text).toBe(NO_TRACKERS)
      expect(line.mySide).toBe(true)
      expect(line.hint).toBeNull()
      expect(text(input({ trackers }))).not.toMatch(/tab may be closed/)
    }
    expect(NO_TRACKERS).toMatch(/can’t reach any tracker right now, so it can’t find anyone — check your connection or Network settings/)
  })

  it('says their tab may be closed when my trackers work but they do not answer', () => {
    const line = friendStatus(input({}))
    expect(line.connection.text).toBe('Not reachable after 30 seconds — still trying')
    expect(line.mySide).toBe(false)
    expect(line.hint).toMatch(/Their tab may be closed or offline/)
  })

  it('never says "Up to date" while they are not reachable; it gives the last sync instead', () => {
    expect(text(input({}))).toBe('Not reachable after 30 seconds — still trying · last synced 2 hours ago')
    for (const phase of ['searching', 'waiting-for-tracker', 'connecting', 'authenticating', 'stopped'] as const) {
      for (const trackers of [open, down]) expect(text(input({ phase, trackers }))).not.toMatch(/up to date/i)
    }
    expect(text(input({ phase: 'connected' }))).toBe('Connected securely · Up to date, last synced 2 hours ago')
  })

  it('is quiet for the first seconds of a search', () => {
    expect(text(input({ searchingSince: NOW - 3_000, trackers: down }))).toBe('Looking for them… · last synced 2 hours ago')
    expect(friendStatus(input({ phase: 'waiting-for-tracker', searchingSince: NOW - 3_000 })).connection.text).toBe('Connecting to the trackers…')
  })

  it('says since when for a friend not reached for a long time (kept across reloads)', () => {
    const nov12 = new Date(2026, 10, 12, 9, 30).getTime()
    const line = friendStatus(input({ lastReachedAt: nov12 }))
    expect(line.connection.text).toMatch(/^Not reachable since .*12.* — still trying$/)
    expect(line.connection.text).toContain(new Date(nov12).toLocaleDateString(undefined, { dateStyle: 'medium' }))
    // Earlier today: the time, not the day.
    expect(friendStatus(input({ lastReachedAt: NOW - 3 * HOUR })).connection.text)
      .toContain(new Date(NOW - 3 * HOUR).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }))
    // Reached a minute ago: counts the seconds of this search instead.
    expect(friendStatus(input({ lastReachedAt: NOW - 60_000 })).connection.text).toBe('Not reachable after 30 seconds — still trying')
    // A search that has lasted long, with nothing kept: minutes, not thousands of seconds.
    expect(friendStatus(input({ searchingSince: NOW - 10 * 60_000 })).connection.text).toBe('Not reachable for 10 minutes — still trying')
  })

  it('tells a queued request and a fetch in progress', () => {
    expect(text(input({ feed: { state: 'queued', lastSyncAt: null } }))).toMatch(/your request is queued until they are back$/)
    expect(text(input({ phase: 'connected', feed: { state: 'syncing', lastSyncAt: null } }))).toBe('Connected securely · fetching what they share…')
    expect(text(input({ phase: 'connected', feed: { state: 'idle', lastSyncAt: null } }))).toBe('Connected securely · nothing fetched yet')
    expect(text(input({ phase: 'connected', feed: null }))).toBe('Connected securely')
  })

  it('tells a screen reader the state without the running count, so it does not speak every second', () => {
    const at = (seconds: number): string => spokenStatus(friendStatus(input({ searchingSince: NOW - seconds * 1000 })))
    expect(at(30)).toBe(at(31))
    expect(at(30)).toBe('Not reachable — still trying. last synced 2 hours ago. Their tab may be closed or offline.')
    expect(at(600)).toBe(at(30))
    expect(spokenStatus(friendStatus(input({ trackers: down })))).toBe(`${NO_TRACKERS.slice(0, -1)}. last synced 2 hours ago.`)
  })
})

describe('how quickly a friend answers, in words', () => {
  it('says it without milliseconds', () => {
    expect(answerSpeed(0.4)).toBe('Answers at once')
    expect(answerSpeed(884)).toBe('Answers within a second')
    expect(answerSpeed(2_600)).toBe('Slow to answer: about 3 s each time')
    for (const ms of [0.4, 884, 2_600]) expect(answerSpeed(ms)).not.toMatch(/ms|\d+\.\d/)
  })
})
