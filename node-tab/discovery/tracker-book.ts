// Which trackers this device uses, beyond the configured list, so finding
// friends does not hang on the default list staying alive:
//   - trackers that relayed for us before (remembered across restarts) come
//     first, even when the configured list no longer names them;
//   - then the configured list;
//   - then trackers friends told us work for them (workingTrackers), each
//     kept with who told us, after our own, and removable: a removed one is
//     not taken again from the same friend.
// Kept in the device's own settings (not synced: like config.overrides, a
// device's trackers are its own business). Everything a friend sends was
// checked by parseWorkingTrackers; this caps how much of it is kept.
import { hostScope, normalizeTrackerUrl, trackerServer } from '../../shared/rendezvous/tracker-urls'
import { MAX_SHARED_TRACKERS } from '../../shared/protocol/shared-trackers'

export const TRACKER_BOOK_KEY = 'trackers.book'
/** Remembered good trackers. */
const MAX_WORKED = 8
/** Friends' trackers kept in all, and used at once (each is a socket). */
const MAX_SHARED_KEPT = 50
export const MAX_SHARED_IN_USE = 5
const MAX_REMOVED = 500

export interface SharedTracker { url: string, from: string, at: number }

export interface TrackerBookState {
  worked: string[]
  shared: SharedTracker[]
  removed: { url: string, from: string }[]
}

export interface TrackerInUse {
  url: string
  /** 'mine': configured; 'worked': remembered from before; 'friend': from a friend's list. */
  source: 'mine' | 'worked' | 'friend'
  /** Friends (keys in hex) who shared it, when source is 'friend'. */
  from?: string[]
}

export function emptyBook (): TrackerBookState {
  return { worked: [], shared: [], removed: [] }
}

/** A saved book from the device's own database, checked anyway. */
export function parseBook (value: unknown): TrackerBookState {
  const book = emptyBook()
  if (typeof value !== 'object' || value === null) return book
  const v = value as Record<string, unknown>
  const urls = (list: unknown): unknown[] => Array.isArray(list) ? list : []
  for (const u of urls(v.worked)) {
    const url = normalizeTrackerUrl(u)
    if (url && book.worked.length < MAX_WORKED && !book.worked.includes(url)) book.worked.push(url)
  }
  for (const s of urls(v.shared)) {
    if (typeof s !== 'object' || s === null) continue
    const { url, from, at } = s as Record<string, unknown>
    const u = normalizeTrackerUrl(url)
    if (u && typeof from === 'string' && /^[0-9a-f]{64}$/.test(from) && typeof at === 'number' && book.shared.length < MAX_SHARED_KEPT) {
      book.shared.push({ url: u, from, at })
    }
  }
  for (const r of urls(v.removed)) {
    if (typeof r !== 'object' || r === null) continue
    const { url, from } = r as Record<string, unknown>
    if (typeof url === 'string' && typeof from === 'string' && book.removed.length < MAX_REMOVED) book.removed.push({ url, from })
  }
  return book
}

/** The trackers to use, in the order to try them, given the configured
 *  ones. With `relayOnly` ("Hide my IP address") none a friend shared: a
 *  WebSocket to a friend's server would show it my address. */
export function trackersInUse (book: TrackerBookState, mine: readonly string[], relayOnly = false): TrackerInUse[] {
  const out: TrackerInUse[] = []
  const seen = new Set<string>()
  const push = (entry: TrackerInUse): void => {
    if (seen.has(entry.url)) return
    seen.add(entry.url)
    out.push(entry)
  }
  for (const url of book.worked) push({ url, source: mine.includes(url) ? 'mine' : 'worked' })
  for (const url of mine) push({ url, source: 'mine' })
  let shared = 0
  for (const s of relayOnly ? [] : book.shared) {
    const existing = out.find((t) => t.url === s.url)
    if (existing) {
      if (existing.source === 'friend' && !existing.from!.includes(s.from)) existing.from!.push(s.from)
      continue
    }
    if (shared >= MAX_SHARED_IN_USE) continue
    shared++
    push({ url: s.url, source: 'friend', from: [s.from] })
  }
  return out
}

/** Notes trackers that relayed for us; true when the book changed. One a
 *  friend shared, or that I removed, is not remembered (unless it is mine
 *  too): it stays theirs, after mine and removable, rather than be tried
 *  first on every start, beyond the owner's reach and the friendship. */
export function rememberWorking (book: TrackerBookState, relaying: readonly string[], mine: readonly string[] = []): boolean {
  const friends = new Set([...book.shared, ...book.removed].map((s) => s.url))
  const ours = relaying.filter((url) => mine.includes(url) || !friends.has(url))
  const next = [...new Set([...ours, ...book.worked])].slice(0, MAX_WORKED)
  if (next.length === book.worked.length && next.every((u, i) => u === book.worked[i])) return false
  book.worked = next
  return true
}

/** What a friend may suggest: a public tracker over TLS (wss://), which a
 *  device on my network cannot answer for under a public name without a
 *  certificate for it. A tracker on this machine or a private network (by
 *  any spelling, see hostScope) only when one of mine is there too (a test
 *  or home setup): otherwise a friend could point my browser at my own
 *  router. */
export function mayTakeFromFriend (url: string, mine: readonly string[]): boolean {
  const scope = hostScope(url)
  if (scope === 'public') return url.startsWith('wss:')
  return mine.some((m) => hostScope(m) === scope)
}

/** Takes a friend's (already parsed) list; true when the book changed.
 *  Only what mayTakeFromFriend allows; removed ones stay removed. */
export function addShared (book: TrackerBookState, from: string, urls: readonly string[], mine: readonly string[], now: number): boolean {
  const wanted = urls.slice(0, MAX_SHARED_TRACKERS).filter((url) => {
    if (!mayTakeFromFriend(url, mine)) return false
    const server = trackerServer(url)
    return !book.removed.some((r) => r.from === from && trackerServer(r.url) === server)
  })
  const before = JSON.stringify(book.shared)
  // A friend's latest list replaces what they said before.
  book.shared = book.shared.filter((s) => s.from !== from)
  for (const url of wanted) book.shared.push({ url, from, at: now })
  while (book.shared.length > MAX_SHARED_KEPT) book.shared.shift()
  return JSON.stringify(book.shared) !== before
}

/** Removes a friend-shared tracker (every friend who shared it, under any
 *  spelling of the same server): not taken again from them. Also forgets it as remembered. */
export function removeShared (book: TrackerBookState, url: string): void {
  // Every spelling of the same server goes (a friend may list it several ways).
  const server = trackerServer(url)
  const sameServer = (u: string): boolean => trackerServer(u) === server
  for (const s of book.shared) {
    if (sameServer(s.url) && !book.removed.some((r) => r.url === s.url && r.from === s.from)) book.removed.push({ url: s.url, from: s.from })
  }
  while (book.removed.length > MAX_REMOVED) book.removed.shift()
  book.shared = book.shared.filter((s) => !sameServer(s.url))
  book.worked = book.worked.filter((u) => u !== url)
}

/** What I tell a friend works for me: remembered good ones first, then the
 *  others in use that are connected and working. */
export function trackersToShare (book: TrackerBookState, working: readonly string[]): string[] {
  return [...new Set([...working, ...book.worked])].slice(0, MAX_SHARED_TRACKERS)
}
