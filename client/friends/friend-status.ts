// The one status line of a friend's page, in plain words: whether I reach
// them (or why not — my own trackers being down is my side, not theirs) and
// how fresh my copy of what they share is. Never "Up to date" while they are
// not reachable. No DOM, no state: the page passes everything in.
import type { TrackerStatus } from '../../node-tab/discovery/tracker-client'
import type { CacheLimit, FeedState } from '../api/app-api'
import type { FriendPhase } from './friend-connection'
import { formatBytes, formatDay, formatTime, timeAgo } from '../elements/format'

/** After this long without reaching them, say so (while still trying). */
export const UNREACHABLE_AFTER_S = 10
/** Unreachable longer than this (since I last reached them): say since when. */
export const LONG_UNREACHABLE_MS = 60 * 60 * 1000

export const NO_TRACKERS = 'Kith can’t reach any tracker right now, so it can’t find anyone — check your connection or Network settings.'

export type Tone = 'ok' | 'warn' | 'plain'

export interface FriendStatusInput {
  phase: FriendPhase
  /** When this search for them began (ms). */
  searchingSince: number
  /** The last time a connection with them was up (persisted), if ever. */
  lastReachedAt: number | null
  trackers: readonly TrackerStatus[]
  /** My copy of what they share; null while unknown. */
  feed: { state: FeedState, lastSyncAt: number | null } | null
  now: number
}

export interface FriendStatusLine {
  connection: { text: string, tone: Tone }
  /** How fresh my copy is; null when there is nothing to say. */
  copy: { text: string, tone: Tone } | null
  /** A hint below the line: what may be wrong on their side. */
  hint: string | null
  /** True when the problem is mine (no tracker), not theirs. */
  mySide: boolean
}

/** What a screen reader is told: the line without the running seconds count,
 *  so it speaks when the state changes, not every second. */
export function spokenStatus (line: FriendStatusLine): string {
  const connection = line.connection.text.replace(/^Not reachable (after \d+ seconds|for \d+ (minutes|hours))/, 'Not reachable')
  return `${[connection, line.copy?.text, line.hint].filter((t): t is string => Boolean(t)).map((t) => t.replace(/\.$/, '')).join('. ')}.`
}

export function friendStatus (s: FriendStatusInput): FriendStatusLine {
  const reachable = s.phase === 'connected'
  const copy = copyLine(s.feed, reachable, s.now)
  switch (s.phase) {
    case 'connected': return { connection: { text: 'Connected securely', tone: 'ok' }, copy, hint: null, mySide: false }
    case 'connecting': return { connection: { text: 'Found them, opening a direct connection…', tone: 'plain' }, copy, hint: null, mySide: false }
    case 'authenticating': return { connection: { text: 'Checking that it is really them…', tone: 'plain' }, copy, hint: null, mySide: false }
    case 'stopped': return { connection: { text: 'Disconnected', tone: 'plain' }, copy, hint: null, mySide: false }
    case 'invalid': return { connection: { text: 'Address not valid', tone: 'warn' }, copy: null, hint: null, mySide: false }
    case 'waiting-for-tracker':
    case 'searching': {
      const waitedS = Math.max(0, Math.round((s.now - s.searchingSince) / 1000))
      if (waitedS < UNREACHABLE_AFTER_S) {
        return { connection: { text: s.phase === 'waiting-for-tracker' ? 'Connecting to the trackers…' : 'Looking for them…', tone: 'plain' }, copy, hint: null, mySide: false }
      }
      if (!s.trackers.some((t) => t.state === 'open')) {
        return { connection: { text: NO_TRACKERS, tone: 'warn' }, copy, hint: null, mySide: true }
      }
      return { connection: { text: `${notReachableFor(s, waitedS)} — still trying`, tone: 'warn' }, copy, hint: 'Their tab may be closed or offline.', mySide: false }
    }
  }
}

/** Older items of theirs were left out of my cache: said calmly, since
 *  nothing is wrong, and with the limit so it does not read as a fault. */
export function leftOutLine (limit: CacheLimit, name: string): string {
  const whose = name ? `${name}’s` : 'this friend’s'
  const most = limit.by === 'bytes' ? formatBytes(limit.maxBytes) : limit.maxItems.toLocaleString('en')
  return `Kith keeps up to ${most} of ${whose} posts in this browser; older ones were left out.`
}

function notReachableFor (s: FriendStatusInput, waitedS: number): string {
  if (s.lastReachedAt !== null && s.now - s.lastReachedAt >= LONG_UNREACHABLE_MS) return `Not reachable since ${when(s.lastReachedAt, s.now)}`
  if (waitedS < 120) return `Not reachable after ${waitedS} seconds`
  const minutes = Math.round(waitedS / 60)
  return minutes < 120 ? `Not reachable for ${minutes} minutes` : `Not reachable for ${Math.round(minutes / 60)} hours`
}

/** Today: the time ("14:05"); before: the day ("12 Nov 2026"). */
function when (at: number, now: number): string {
  return new Date(at).toDateString() === new Date(now).toDateString() ? formatTime(at) : formatDay(at)
}

function copyLine (feed: FriendStatusInput['feed'], reachable: boolean, now: number): FriendStatusLine['copy'] {
  if (!feed || feed.state === 'not-a-friend') return null
  switch (feed.state) {
    case 'syncing': return { text: 'fetching what they share…', tone: 'plain' }
    case 'queued': return { text: `your request is queued until they are back${feed.lastSyncAt === null ? '' : ` (last synced ${timeAgo(feed.lastSyncAt, now)})`}`, tone: 'warn' }
    case 'idle':
      if (feed.lastSyncAt === null) return { text: 'nothing fetched yet', tone: 'plain' }
      return reachable
        ? { text: `Up to date, last synced ${timeAgo(feed.lastSyncAt, now)}`, tone: 'ok' }
        : { text: `last synced ${timeAgo(feed.lastSyncAt, now)}`, tone: 'plain' }
  }
}

/** The measured round trip in words a person understands: how quickly the
 *  friend answers, not a number of milliseconds. */
export function answerSpeed (rttMs: number): string {
  if (rttMs < 250) return 'Answers at once'
  if (rttMs < 1_000) return 'Answers within a second'
  return `Slow to answer: about ${Math.round(rttMs / 1_000)} s each time`
}
