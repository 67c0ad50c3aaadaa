// The node's trackers beyond its configuration: which ones relayed (the
// relay book, fed by every pool), which ones it remembers from before, and
// which ones friends shared; saved in the device's own settings. The node
// asks it which trackers to use, and asks each friend, once a session with
// them opens, which trackers work for them.
import type { NodeSession } from '../connections/sessions'
import type { NodeDatabase } from '../storage/db'
import type { TrackerStatus } from './tracker-client'
import {
  addShared, emptyBook, parseBook, rememberWorking, removeShared, TRACKER_BOOK_KEY, trackersInUse, trackersToShare,
  type TrackerBookState, type TrackerInUse
} from './tracker-book'
import { RelayBook } from './tracker-relays'

/** A friend's list is asked at most this often (per friend). */
const ASK_EVERY_MS = 60 * 60 * 1000
const ASK_TIMEOUT_MS = 10_000

export class TrackerDirectory extends EventTarget {
  readonly relays = new RelayBook()
  private book: TrackerBookState = emptyBook()
  private readonly askedAt = new Map<string, number>()
  private saving: Promise<void> = Promise.resolve()

  constructor (
    private readonly db: NodeDatabase,
    private readonly mine: () => readonly string[],
    /** "Hide my IP address": no friend's tracker is taken or used. */
    private readonly relayOnly: () => boolean = () => false,
    /** The relays in the same answer (node-tab/relays/relay-directory.ts),
     *  given only when the whole answer passed its checks. */
    private readonly heardRelays: (friendHex: string, urls: string[], now: number) => void = () => {}
  ) {
    super()
    this.relays.onChange(() => {
      if (rememberWorking(this.book, this.relays.relaying(), this.mine())) this.save(false)
      this.dispatchEvent(new Event('change'))
    })
  }

  async load (): Promise<void> {
    this.book = parseBook(await this.db.getSetting(TRACKER_BOOK_KEY, (v): v is unknown => v !== undefined))
  }

  /** The trackers to use now, in order, with where each came from. */
  inUse (): TrackerInUse[] {
    return trackersInUse(this.book, this.mine(), this.relayOnly())
  }

  urls (): string[] {
    return this.inUse().map((t) => t.url)
  }

  /** What a friend is told works for me (workingTrackers). */
  toShare (status: readonly TrackerStatus[]): string[] {
    const working = status.filter((t) => t.health === 'working' && this.relays.verdict(t.url) === 'relays').map((t) => t.url)
    return trackersToShare(this.book, working)
  }

  /** The owner removed a tracker a friend shared; the same friend cannot add it again. */
  removeShared (url: string): void {
    removeShared(this.book, url)
    this.save(true)
  }

  /** The owner saved a new list: remembered ones no longer in it are
   *  forgotten (a tracker the owner took out must not come back). */
  configured (trackers: readonly string[]): void {
    const before = this.book.worked.length
    this.book.worked = this.book.worked.filter((u) => trackers.includes(u))
    if (this.book.worked.length !== before) this.save(false)
  }

  /** A session with a friend opened: ask them for their working trackers
   *  (in the background; a refusal or junk changes nothing). */
  async askFriend (friendHex: string, session: NodeSession, now = Date.now()): Promise<void> {
    if (this.relayOnly()) return
    const last = this.askedAt.get(friendHex)
    if (last !== undefined && now - last < ASK_EVERY_MS) return
    this.askedAt.set(friendHex, now)
    if (this.askedAt.size > 1_000) this.askedAt.delete(this.askedAt.keys().next().value!)
    let urls: string[]
    let relays: string[]
    try {
      const answer: unknown = await session.rpc.call('workingTrackers', {}, { timeoutMs: ASK_TIMEOUT_MS })
      // The protocol's checks loaded with the session: the node's start does not fetch them.
      const { parseWorkingRelays, parseWorkingTrackers } = await import('../../shared/protocol/protocol')
      urls = parseWorkingTrackers(answer)
      relays = parseWorkingRelays(answer)
    } catch {
      return // an older node, a refusal, or a list that broke the rules: nothing taken
    }
    const before = this.urls().join(' ')
    if (addShared(this.book, friendHex, urls, this.mine(), now)) this.save(this.urls().join(' ') !== before)
    this.heardRelays(friendHex, relays, now)
  }

  /** Resolves once every change so far is saved. */
  flush (): Promise<void> {
    return this.saving
  }

  /** Saved in order; `usedChanged` tells the node to reconnect with the new list. */
  private save (usedChanged: boolean): void {
    const snapshot = JSON.parse(JSON.stringify(this.book)) as TrackerBookState
    this.saving = this.saving.then(() => this.db.putSetting(TRACKER_BOOK_KEY, snapshot)).catch(() => { /* kept in memory; saved with the next */ })
    this.dispatchEvent(new Event(usedChanged ? 'trackers-changed' : 'change'))
  }
}
