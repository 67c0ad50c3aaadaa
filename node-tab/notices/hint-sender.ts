// Live hints: when one of my items is shared, edited or given a new
// audience, friends who are online now AND may see it are told "something
// changed" (itemsChanged, no content, no id, no kind), over the session
// already open with them; their client then syncs as usual. Nobody is
// dialled for a hint (a friend who was offline syncs when a session opens),
// and nobody outside an item's audience is told anything about it.
//
// Coalesced twice: changes within `windowMs` of each other make one round of
// hints (sharing 50 files gives each friend one hint), and per friend at
// most one hint is in flight with at most one more pending behind it.
import type { Audience } from '../../shared/protocol/items'
import type { NodeSession } from '../connections/sessions'
import { canSee, type Viewer } from '../storage/access-policy'

export interface HintSenderOptions {
  /** Keys of the friends with a session open now (never dials). */
  onlineKeys: () => string[]
  /** Every open session with this person (each of their devices). */
  sessionsOf: (keyHex: string) => NodeSession[]
  /** What these people may see right now (not friends: nothing). */
  viewers: (keys: string[]) => Promise<Map<string, Viewer>>
  /** The audiences of these items now; a missing item is not hinted (its
   *  deletion travels as a delete notice). */
  audiences: (itemIds: string[]) => Promise<Array<Audience | undefined>>
  windowMs?: number
  timeoutMs?: number
}

interface FriendHints { busy: boolean, pending: boolean }

export class HintSender {
  private readonly windowMs: number
  private readonly timeoutMs: number
  private changedItems = new Set<string>()
  private toldFriends = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private readonly friends = new Map<string, FriendHints>()
  private stopped = false
  /** Hints sent (one per session), for tests and the curious. */
  sent = 0

  constructor (private readonly opts: HintSenderOptions) {
    this.windowMs = Math.max(0, opts.windowMs ?? 100)
    this.timeoutMs = opts.timeoutMs ?? 10_000
  }

  /** These items changed: hint whoever online may see them now. */
  itemsChanged (itemIds: Iterable<string>): void {
    for (const id of itemIds) this.changedItems.add(id)
    this.schedule()
  }

  /** These friends may see more than before (e.g. they joined a group). */
  friendsMaySeeMore (keys: Iterable<string>): void {
    for (const key of keys) this.toldFriends.add(key)
    this.schedule()
  }

  stop (): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Resolves once the current window's hints were handed out (for tests). */
  async flushNow (): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.flush()
  }

  private schedule (): void {
    if (this.stopped || this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush().catch(() => { /* the database is closing: nothing to hint */ })
    }, this.windowMs)
  }

  private async flush (): Promise<void> {
    const itemIds = [...this.changedItems]
    const told = [...this.toldFriends]
    this.changedItems = new Set()
    this.toldFriends = new Set()
    const online = this.opts.onlineKeys()
    if (online.length === 0 || (itemIds.length === 0 && told.length === 0)) return
    const viewers = await this.opts.viewers(online)
    const audiences = itemIds.length > 0 ? (await this.opts.audiences(itemIds)).filter((a) => a !== undefined) : []
    const recipients = new Set<string>()
    for (const key of online) {
      const viewer = viewers.get(key)
      if (!viewer?.isFriend) continue
      if (told.includes(key) || audiences.some((audience) => canSee(audience, viewer))) recipients.add(key)
    }
    for (const key of recipients) this.hint(key)
  }

  /** One in flight per friend, and one pending behind it at most. */
  private hint (key: string): void {
    if (this.stopped) return
    let state = this.friends.get(key)
    if (!state) this.friends.set(key, state = { busy: false, pending: false })
    if (state.busy) {
      state.pending = true
      return
    }
    state.busy = true
    void this.send(key).finally(() => {
      state.busy = false
      if (state.pending && !this.stopped) {
        state.pending = false
        this.hint(key)
      } else {
        this.friends.delete(key)
      }
    })
  }

  private async send (key: string): Promise<void> {
    const sessions = this.opts.sessionsOf(key).filter((s) => !s.rpc.closed)
    await Promise.all(sessions.map(async (session) => {
      this.sent++
      // A hint lost is no loss: the friend syncs on their next session anyway.
      await session.rpc.call('itemsChanged', {}, { timeoutMs: this.timeoutMs }).catch(() => {})
    }))
  }
}
