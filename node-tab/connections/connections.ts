// The node's sessions, both directions: dialling someone (through the swarm
// the meeting plan names), accepting those who reach us, the handshake every
// transport goes through before anything else, and the registries that hold
// the results, friends' sessions (capped, closed when idle) apart from my
// own devices' (kept open, never capped). Nothing here decides who may see
// what: the handlers each session serves come from outside.
import { bytesEqual, fromHex, toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import type { HeldRotations, RotationRecord } from '../../shared/identity/rotation-record'
import type { RemoteDevice } from '../../shared/identity/device-credentials'
import type { NodeMethods } from '../../shared/protocol/protocol'
import type { MeetingKind } from '../../shared/rendezvous/meetings'
import type { Meeting } from '../../shared/rendezvous/meetings'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { Transport } from '../../shared/wire/transport'
import { ByteBudget } from '../../shared/wire/byte-budget'
import type { DialPhase } from '../discovery/dialer'
import type { RelayBook } from '../discovery/tracker-relays'
import type { NodeIdentity } from '../identity/node-identity'
import type { DialVia, MeetingPlan } from '../rendezvous/meeting-plan'
import { DialSlots } from './dial-slots'
import { IncomingSessions, type IncomingSessionLimits } from './incoming-sessions'
import { NODE_HELD_BYTES, NODE_READ_AHEAD_BYTES, sessionRpcOptions, type SessionLimits } from './session-limits'
import { AT_CAPACITY, sessionRegistries, type SessionRegistry, type NodeSession } from './sessions'

type SessionCode = Pick<typeof import('../network'), 'dial' | 'establishSession' | 'HandshakeError'>

/** Background dials (delete notices to offline friends) at once. */
const BACKGROUND_DIALS = 6

export interface ConnectionsOptions {
  identity: NodeIdentity
  /** Loads the network code; refuses while the stored keys are unchecked. */
  load: () => Promise<SessionCode>
  isFriend: (keyHex: string) => Promise<boolean>
  isRevoked: (identityKey: Uint8Array, deviceKey: Uint8Array) => boolean
  /** The devices of a person whose revocation this signing key signed (Sₙ,
   *  after a rotation: the only revocations that count then besides the
   *  rotations' own). */
  revokedBy?: (identityKey: Uint8Array, signingKey: Uint8Array) => ReadonlySet<string>
  /** The rotations this device follows for a person (person/rotations.ts),
   *  the records my hello carries, and where newly followed ones go. */
  rotations?: {
    of: (identityKey: Uint8Array) => HeldRotations | null
    hello: () => RotationRecord[]
    followed: (identityKey: Uint8Array, records: RotationRecord[]) => Promise<void>
  }
  /** What an authenticated peer may call. */
  handlers: (remoteKey: Uint8Array, device?: RemoteDevice) => Partial<RpcHandlers<NodeMethods>>
  plan: Pick<MeetingPlan, 'prepareDial' | 'meetingFor'>
  trackers: () => string[]
  /** Nostr relays to dial through beside the trackers (none if unset). */
  relayUrls?: () => string[]
  relays: RelayBook
  rtcConfig: () => RTCConfiguration
  /** A session with another of my devices opened. */
  onOwnDevice: (deviceHex: string, session: NodeSession) => void
  onChange: () => void
  incomingLimits?: Partial<IncomingSessionLimits>
  sessionLimits?: Partial<SessionLimits>
  /** The two registries, when the node made them before this (it shows who
   *  is online before its network half has loaded); else made here. */
  registries?: { sessions: SessionRegistry, deviceSessions: SessionRegistry }
}

export class Connections {
  /** Friends' (and strangers') sessions, both directions: capped, and
   *  closed when idle (see session-limits.ts). */
  readonly sessions: SessionRegistry
  /** Sessions with my own other devices, by their device key (hex): kept
   *  apart from friends' sessions, which are keyed by the person, and kept
   *  open (see own-device-links.ts), so neither capped nor closed when idle. */
  readonly deviceSessions: SessionRegistry
  /** Bounds on sessions others open to us (strangers above all). */
  readonly incoming: IncomingSessions
  /** Shared by every session's RPC peer: the whole node's bytes in flight. */
  readonly sendBudget = new ByteBudget(NODE_HELD_BYTES)
  /** Shared by every session's RPC peer: what file answers read ahead. */
  readonly readAheadBudget = new ByteBudget(NODE_READ_AHEAD_BYTES)
  /** Handshake failures of incoming connections, for the owner to see. */
  lastRejected: string | null = null
  /** What an authenticated peer may call (see handlers/session-handlers.ts). */
  readonly handlersFor: ConnectionsOptions['handlers']
  private readonly backgroundDials = new DialSlots(BACKGROUND_DIALS)
  private code: SessionCode | null = null

  constructor (private readonly opts: ConnectionsOptions) {
    const registries = opts.registries ?? sessionRegistries(opts.sessionLimits)
    this.sessions = registries.sessions
    this.deviceSessions = registries.deviceSessions
    this.handlersFor = opts.handlers
    // My own devices are not strangers (their certificates were checked in the handshake).
    this.incoming = new IncomingSessions(async (key) => key === opts.identity.keyHex || await opts.isFriend(key), opts.incomingLimits)
  }

  /** Asked every time: the loader refuses once the node has stopped. */
  private async load (): Promise<SessionCode> {
    this.code = await this.opts.load()
    return this.code
  }

  /** A live session with this person: an open one if any, else dial. */
  async getSession (remoteKey: Uint8Array, opts: DialVia = {}): Promise<NodeSession> {
    return this.sessions.get(toHex(remoteKey)) ?? this.connect(remoteKey, opts)
  }

  /** A session for delivering something in the background (a notice):
   *  an open one, else a dial in one of a few shared slots. Notices go to
   *  people who received items: friends, or friends just removed, who still
   *  sit in our pair swarm. */
  sessionForDelivery (friendKey: string, signal: AbortSignal): Promise<NodeSession> {
    const open = this.sessions.get(friendKey)
    if (open) return Promise.resolve(open)
    return this.backgroundDials.run(() => this.getSession(fromHex(friendKey), { signal, via: 'pair' }), signal)
  }

  /** Finds a person by key and opens a new authenticated session with them. */
  async connect (remoteKey: Uint8Array, opts: DialVia & { onPhase?: (phase: DialPhase | 'authenticating') => void } = {}): Promise<NodeSession> {
    await this.load()
    await this.opts.plan.prepareDial()
    // A session with them that opens another way while we search (they
    // dialled us, or a connection code) ends the search: it is the same person.
    const hex = toHex(remoteKey)
    const search = new AbortController()
    const stopSearch = (): void => search.abort()
    opts.signal?.addEventListener('abort', stopSearch, { once: true })
    let other: NodeSession | undefined
    const opened = (ev: Event): void => {
      if ((ev as CustomEvent<string>).detail !== hex || other) return
      other = this.sessions.get(hex) ?? undefined
      if (other) search.abort()
    }
    this.sessions.addEventListener('opened', opened)
    try {
      const transport = await this.dial((epoch) => this.opts.plan.meetingFor(remoteKey, epoch, opts), search.signal, (phase) => opts.onPhase?.(phase))
      this.sessions.removeEventListener('opened', opened)
      opts.onPhase?.('authenticating')
      return await this.startSession(transport, remoteKey)
    } catch (err) {
      if (other && !opts.signal?.aborted && !other.rpc.closed) return other
      throw err
    } finally {
      this.sessions.removeEventListener('opened', opened)
      opts.signal?.removeEventListener('abort', stopSearch)
    }
  }

  /** Finds whoever waits in a meeting and connects (no handshake yet). */
  async dial (meetingFor: (epoch: number) => Meeting, signal: AbortSignal, onPhase?: (phase: DialPhase) => void): Promise<Transport> {
    const { dial } = await this.load()
    return dial({ meetingFor, trackers: this.opts.trackers(), relayUrls: this.opts.relayUrls?.(), relays: this.opts.relays, rtcConfig: this.opts.rtcConfig(), signal, onPhase })
  }

  /** An incoming connection: the handshake, then the limits on sessions
   *  others open to us (see incoming-sessions.ts). */
  async accept (transport: Transport, via?: MeetingKind): Promise<void> {
    try {
      const session = await this.startSession(transport)
      const keyHex = toHex(session.remotePublicKey)
      // My own devices keep one session each (keepOneDeviceSession), never capped.
      if (keyHex === this.opts.identity.keyHex) return
      if (!await this.incoming.admit(keyHex, session, via)) return
      // At the cap only a friend may make room; a stranger needs free room.
      if (!this.sessions.makeRoom(session, await this.opts.isFriend(keyHex))) this.rejected(`Refused a connection: ${AT_CAPACITY}`)
    } catch (err) {
      // A stranger leaving with a Goodbye of their own is not shown: its
      // words are theirs, and would appear in my status as if mine.
      if (this.code && err instanceof this.code.HandshakeError && !err.byPeer) this.rejected(err.message)
    }
  }

  /** The handshake over a transport, then the session goes where it belongs:
   *  my own devices' registry or the friends' one. */
  async startSession (transport: Transport, expectedRemoteKey?: Uint8Array, expectedDevice?: Uint8Array): Promise<NodeSession> {
    const { establishSession, HandshakeError } = await this.load()
    const { identity } = this.opts
    const session = await establishSession<NodeMethods, NodeMethods>(transport, {
      credentials: identity.credentials,
      expectedRemoteKey,
      isRevoked: this.opts.isRevoked,
      ...this.opts.revokedBy ? { revokedBy: this.opts.revokedBy } : {},
      rotationsOf: this.opts.rotations?.of,
      // My rotations go to my own devices and my friends only, not to strangers.
      rotationsFor: async (remoteKey) => {
        const records = this.opts.rotations?.hello() ?? []
        if (records.length === 0 || remoteKey === null) return []
        const hex = toHex(remoteKey)
        return hex === identity.keyHex || await this.opts.isFriend(hex) ? records : []
      },
      handlers: this.handlersFor,
      rpc: sessionRpcOptions(this.sendBudget, this.readAheadBudget)
    })
    const device = session.remoteDevice
    // Kept before anything else: from now on this person's old key counts for nothing here.
    if (device.rotations) this.opts.rotations?.followed(device.identityKey, device.rotations.records).catch(() => { /* the next hello carries them again */ })
    if (expectedDevice && !bytesEqual(device.deviceKey, expectedDevice)) {
      session.rpc.close('reached another device than the one dialled')
      throw new HandshakeError('Reached another of my devices than the one dialled.')
    }
    if (toHex(session.remotePublicKey) === identity.keyHex) {
      // One of my own devices: the sync sessions, never the friends' registry.
      const deviceHex = toHex(device.deviceKey)
      if (!this.keepOneDeviceSession(deviceHex, session)) return session
      this.deviceSessions.add(deviceHex, session)
      this.opts.onOwnDevice(deviceHex, session)
      return session
    }
    this.sessions.add(toHex(session.remotePublicKey), session)
    // A dial of our own may make room at the cap; an incoming session is
    // weighed once admitted (see accept).
    if (expectedRemoteKey && !this.sessions.makeRoom(session, true)) throw new KithError('RATE_LIMITED', AT_CAPACITY)
    return session
  }

  closeEverything (reason: string): void {
    this.sessions.closeEverything(reason)
    this.deviceSessions.closeEverything(reason)
  }

  private rejected (why: string): void {
    this.lastRejected = why
    this.opts.onChange()
  }

  /** Two of my devices that dialled each other at once have two sessions:
   *  both sides keep the one whose dialler has the smaller device key, so
   *  they agree without talking. False when `session` is the one closed. */
  private keepOneDeviceSession (deviceHex: string, session: NodeSession): boolean {
    const existing = this.deviceSessions.get(deviceHex)
    if (!existing) return true
    const me = this.opts.identity.deviceHex
    const dialler = (s: NodeSession): string => s.transport.binding.role === 'offerer' ? me : deviceHex
    // The same side dialling again (a reconnect): the new session replaces the old.
    const newer = dialler(session) === dialler(existing) || dialler(session) < dialler(existing)
    const [keep, drop] = newer ? [session, existing] : [existing, session]
    drop.rpc.close('a second session with the same device')
    return keep === session
  }
}
