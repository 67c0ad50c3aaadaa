// Which relays this device uses: the configured list (the owner's, else the
// host's, else the defaults), then up to five that friends said work for
// them, each kept with who said so and removable, under exactly the rules
// for friends' trackers (tracker-book.ts: wss:// only, no private-network
// host however spelled unless one of mine is there too, bounded, a removed
// one not taken again from the same friend). Nothing at all while relays
// are turned off; no friend's relay while "Hide my IP address" is on (a
// WebSocket to their server would show them my address). Kept in the
// device's own settings, apart from the trackers' book.
import type { NodeDatabase } from '../storage/db'
import type { TrackerStatus } from '../discovery/tracker-types'
import {
  addShared, emptyBook, parseBook, removeShared, trackersInUse, trackersToShare,
  type TrackerBookState, type TrackerInUse
} from '../discovery/tracker-book'

export const RELAY_BOOK_KEY = 'relays.book'

export type RelayInUse = TrackerInUse

export class RelayDirectory extends EventTarget {
  private book: TrackerBookState = emptyBook()
  private saving: Promise<void> = Promise.resolve()

  constructor (
    private readonly db: NodeDatabase,
    /** The configured relays (empty while relays are turned off). */
    private readonly mine: () => readonly string[],
    private readonly off: () => boolean,
    private readonly relayOnly: () => boolean
  ) {
    super()
  }

  async load (): Promise<void> {
    // Only the friends' part is used: a relay's "worked before" is not kept.
    const saved = parseBook(await this.db.getSetting(RELAY_BOOK_KEY, (v): v is unknown => v !== undefined))
    this.book = { ...saved, worked: [] }
  }

  /** The relays to use now, in order, with where each came from. */
  inUse (): RelayInUse[] {
    if (this.off()) return []
    return trackersInUse(this.book, this.mine(), this.relayOnly())
  }

  urls (): string[] {
    return this.inUse().map((r) => r.url)
  }

  /** What a friend is told works for me: the relays connected now. */
  toShare (status: readonly TrackerStatus[]): string[] {
    if (this.off()) return []
    return trackersToShare(this.book, status.filter((r) => r.health === 'working').map((r) => r.url))
  }

  /** A friend's relays, already checked whole (parseWorkingRelays). */
  heard (friendHex: string, urls: readonly string[], now: number): void {
    if (this.off() || this.relayOnly()) return
    const before = this.urls().join(' ')
    if (addShared(this.book, friendHex, urls, this.mine(), now)) this.save(this.urls().join(' ') !== before)
  }

  /** The owner removed a relay a friend shared; the same friend cannot add it again. */
  removeShared (url: string): void {
    removeShared(this.book, url)
    this.save(true)
  }

  /** Resolves once every change so far is saved. */
  flush (): Promise<void> {
    return this.saving
  }

  /** Saved in order; `relays-changed` tells the node to reconnect with the new list. */
  private save (usedChanged: boolean): void {
    const snapshot = JSON.parse(JSON.stringify(this.book)) as TrackerBookState
    this.saving = this.saving.then(() => this.db.putSetting(RELAY_BOOK_KEY, snapshot)).catch(() => { /* kept in memory; saved with the next */ })
    this.dispatchEvent(new Event(usedChanged ? 'relays-changed' : 'change'))
  }
}
