// Whether the node sits in its swarms, answering offers: started once the
// network code has loaded (if still wanted), stopped and started again when
// the trackers or ICE servers change, and told to look again at its swarms
// (debounced) whenever friends, invites or devices change.
import type { MeetingKind } from '../../shared/rendezvous/meetings'
import type { Identity } from '../../shared/identity/identity'
import type { Meeting } from '../../shared/rendezvous/meetings'
import type { Listener } from '../discovery/listener'
import type { ReplayGuard } from '../discovery/replay-guard'
import type { TrackerStatus } from '../discovery/tracker-types'
import type { RelayBook } from '../discovery/tracker-relays'
import type { WebRtcTransport } from '../discovery/webrtc'

type ListenerClass = typeof import('../discovery/listener').Listener

/** A burst of changes (a sync bringing many friends) refreshes the swarms once. */
const REFRESH_DEBOUNCE_MS = 50

export interface ListenerLifecycleOptions {
  /** Loads the listener's code; refuses while the stored keys are unchecked
   *  or the node has stopped. */
  load: () => Promise<ListenerClass>
  /** The identity's key pair (offers sealed to it), once checked; null on a server device. */
  signing: () => Identity | null
  topics: (epoch: number) => Promise<Meeting[]>
  trackers: () => string[]
  /** Nostr relays to sit on beside the trackers (none if unset). */
  relayUrls?: () => string[]
  rtcConfig: () => RTCConfiguration
  /** Awaited by the listener, so the answer slot is held until the
   *  handshake is over and the session admitted (or refused). */
  accept: (transport: WebRtcTransport, via: MeetingKind) => Promise<void>
  replays: ReplayGuard
  relays: RelayBook
  /** Trackers' status changed, or listening started or could not. */
  onChange: () => void
  /** Listening began: what depends on it (notices, device links) starts too. */
  onStarted: () => void
  onStopped: () => void
  /** Why the node stopped, if it did (for the log). */
  failure: () => Error | null
}

export class ListenerLifecycle {
  private listener: Listener | null = null
  private wanted = false
  private refreshTimer: ReturnType<typeof setTimeout> | null = null
  /** Settles once the last start() has started the listener (or could not). */
  started: Promise<void> = Promise.resolve()

  constructor (private readonly opts: ListenerLifecycleOptions) {}

  get isListening (): boolean {
    return this.listener !== null
  }

  /** The swarms joined for this epoch (empty when not listening). */
  get joinedTopics (): ReadonlySet<string> {
    return this.listener?.joinedTopics ?? new Set()
  }

  /** How each tracker is doing (the relays are apart: relayStatus()). */
  status (): TrackerStatus[] {
    const relays = this.opts.relayUrls?.() ?? []
    return (this.listener?.status() ?? []).filter((s) => !relays.includes(s.url))
  }

  /** How each relay is doing. */
  relayStatus (): TrackerStatus[] {
    const relays = this.opts.relayUrls?.() ?? []
    return (this.listener?.status() ?? []).filter((s) => relays.includes(s.url))
  }

  /** Starts serving as soon as the network code has loaded. */
  start (): void {
    if (this.wanted) return
    this.wanted = true
    this.started = this.opts.load().then((ListenerCode) => {
      if (!this.wanted || this.listener) return
      this.listenNow(ListenerCode)
    }, (err: unknown) => {
      this.wanted = false
      const failure = this.opts.failure()
      if (failure) console.error('[kith] not listening:', failure.message)
      else console.error('[kith] the network code could not load; not listening:', err)
      this.opts.onChange()
    })
  }

  stop (): void {
    this.wanted = false
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    this.refreshTimer = null
    this.opts.onStopped()
    this.listener?.stop()
    this.listener = null
  }

  /** New trackers or ICE servers: the listener starts over with them. */
  restart (): void {
    if (!this.wanted) return
    this.stop()
    this.start()
  }

  /** The trackers changed (one shared, one removed): the others keep their sockets. */
  setTrackers (urls: string[]): void {
    this.listener?.setTrackers(urls)
  }

  /** Friends, invites or devices changed: look again at the swarms soon. */
  refreshSoon (): void {
    if (this.refreshTimer || !this.listener) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      this.listener?.refreshTopics().catch(() => { /* closing */ })
    }, REFRESH_DEBOUNCE_MS)
  }

  private listenNow (ListenerCode: ListenerClass): void {
    this.listener = new ListenerCode({
      identity: this.opts.signing(),
      topics: (epoch) => this.opts.topics(epoch),
      trackers: this.opts.trackers(),
      relayUrls: this.opts.relayUrls?.(),
      rtcConfig: this.opts.rtcConfig(),
      onTransport: (transport, via) => this.opts.accept(transport, via),
      onStatus: () => this.opts.onChange(),
      replays: this.opts.replays,
      relays: this.opts.relays
    })
    this.listener.start()
    this.opts.onStarted()
  }
}
