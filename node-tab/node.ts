// The owner's server in a tab: identity, settings, stores, the listener that
// answers sealed offers, and the authenticated sessions it serves. The client
// UI uses the same node to dial friends (one identity per tab).
import { bytesEqual, fromHex, toHex } from '../shared/util/bytes'
import { boxSecretKeyFromSigning, cryptoLoaded, isValidSigningPublicKey, loadCrypto, pairSecret } from '../shared/crypto/crypto'
import { randomBytes } from '../shared/crypto/random'
import type { Meeting, MeetingKind } from '../shared/rendezvous/meetings'
import type { Identity } from '../shared/identity/identity'
import { normalizeDisplayName, parseDeviceRevoked, parseEmptyParams, type DeviceRevokedParams, type NodeMethods, type Profile } from '../shared/protocol/protocol'
import type { RpcHandlers } from '../shared/wire/rpc'
import type { Transport } from '../shared/wire/transport'
import { ConfigError, fetchHostConfig, hasTurnServer, mergeConfig, parseConfig, RELAY_ONLY_NEEDS_TURN, rtcConfigOf, type KithConfig } from './config'
import type { DialPhase } from './discovery/dialer'
import type { Listener } from './discovery/listener'
import { ReplayGuard } from './discovery/replay-guard'
import type { TrackerStatus } from './discovery/tracker-client'
import { NoticeSender } from './notices/notice-sender'
import { HintSender } from './notices/hint-sender'
import { loadViewers } from './storage/revoke'
import { NoticesStore } from './notices/notices-store'
import { DialSlots } from './dial-slots'
import { IncomingSessions, type IncomingSessionLimits } from './incoming-sessions'
import { AT_CAPACITY, SessionRegistry, type NodeSession } from './sessions'
import { withStrangerPolicy } from './stranger-policy'
import { ByteBudget } from '../shared/wire/byte-budget'
import { NODE_HELD_BYTES, sessionRpcOptions, type SessionLimits } from './session-limits'
import { NodeDatabase } from './storage/db'
import { FriendsStore } from './storage/friends-store'
import { checkStoredIdentity, DEVICES_SECRET_KEY, loadOrCreateDevicesSecret, loadOrCreateIdentity, type StoredIdentity } from './storage/identity-store'
import type { LinkApprovalStep } from './linking/approve-link'
import type { SpentLinkCodes } from '../shared/linking/link-code'
import { KithError } from '../shared/wire/errors'
import { DevicesStore } from './storage/devices-store'
import { OwnDeviceLinks } from './devices/own-device-links'
import { RevocationQueue } from './devices/revocation-queue'
import { DeviceSyncSessions } from './devices/device-sync-sessions'
import { grantFriend, grantInvite, isFriendGranted, isInviteGranted } from '../shared/identity/grants'
import type { AppliedChanges } from './sync/apply'
import type { RemoteDevice } from '../shared/identity/device-credentials'
import { DEVICES_SECRET_BYTES } from '../shared/identity/devices-secret'
import type { DeviceCredentials } from '../shared/identity/device-credentials'
import { checkDeviceRevocation, revokeDevice, type DeviceCertificate, type DeviceRole } from '../shared/identity/device-certificate'
import { InvitesStore } from './storage/invites-store'
import { TrackerDirectory } from './discovery/tracker-directory'
import type { ManualConnections } from './discovery/manual-connect'
import { ItemsStore } from './storage/items-store'

export type { NodeSession } from './sessions'

/** The network half (network.ts), loaded on the first listen or dial. */
type Network = typeof import('./network')
let network: Promise<Network> | null = null
function loadNetwork (): Promise<Network> {
  network ??= import('./network').catch((err: unknown) => {
    network = null // a later listen or dial tries again
    throw err
  })
  return network
}

export interface NodeStatus {
  trackers: TrackerStatus[]
  /** Authenticated sessions with friends (and strangers) open right now. */
  peers: number
  /** My other devices, in a phrase: "2 of 3 other devices connected". */
  devices: string
}

/** How to find someone: by default our pair swarm for friends and their
 *  address swarm for others; an invite's swarm when redeeming it. */
export interface DialVia {
  signal?: AbortSignal
  inviteToken?: string
  via?: 'pair'
}

/** Extra RPC methods served by other parts of the app (e.g. the client's
 *  cache answers delete notices), built per authenticated peer. */
export type HandlerProvider = (remoteKeyHex: string) => Partial<RpcHandlers<NodeMethods>>

const PROFILE_KEY = 'profile.displayName'
const DISCOVERABLE_KEY = 'rendezvous.discoverable'
/** A used invite's swarm stays joined this long after its use, so the person
 *  who used it can try again if our answer was lost, and anyone else trying
 *  it is told it was used. Not longer: whoever holds the link (it may have
 *  been passed on) learns that the node is online, and where, from an answer. */
const USED_INVITE_REACHABLE_MS = 24 * 60 * 60 * 1000
const CONFIG_KEY = 'config.overrides'
/** The offers already answered and still fresh (see ReplayGuard). */
const SEEN_OFFERS_KEY = 'rendezvous.seenOffers'

export class KithNode extends EventTarget {
  /** The person: the key behind the address friends know. */
  readonly identityKey: Uint8Array
  /** What this device proves in every handshake (DESIGN §6a). */
  readonly credentials: DeviceCredentials
  /** The identity's key pair: only on a full device. */
  private readonly signing: Identity | null
  /** The identity as read at open, for verify(). */
  private readonly stored: StoredIdentity
  /** verify(), once started: its checks run once per open. */
  private verifying: Promise<void> | null = null
  /** Set once verify() passed: nothing is signed before. */
  private verified = false
  /** Set once the stored key pairs and certificate passed (see checkedSigning). */
  private identityChecked = false
  /** Why verify() failed (the node then stopped), in words for the owner. */
  failure: Error | null = null
  readonly address: string
  readonly keyHex: string
  readonly items: ItemsStore
  readonly friends: FriendsStore
  readonly invites: InvitesStore
  readonly notices: NoticesStore
  /** Friends' (and strangers') sessions, both directions: capped, and
   *  closed when idle (see session-limits.ts). */
  readonly sessions: SessionRegistry
  /** Sessions with my own other devices, by their device key (hex): kept
   *  apart from friends' sessions, which are keyed by the person, and kept
   *  open (see own-device-links.ts), so neither capped nor closed when idle. */
  readonly deviceSessions = new SessionRegistry({ maxSessions: Infinity, idleMs: Infinity, evictableAfterMs: Infinity })
  readonly devices: DevicesStore
  /** Keeps a session open with each of my other devices. */
  private readonly deviceLinks: OwnDeviceLinks
  private devicesSecret: Uint8Array | null = null
  /** Pulls from each of my other devices while a session with it is open. */
  readonly deviceSync: DeviceSyncSessions
  /** Made with the first link code opened (its code loads with network.ts). */
  private spentLinkCodes: SpentLinkCodes | null = null
  readonly noticeSender: NoticeSender
  /** Tells online friends who may see a changed item that something changed. */
  readonly hints: HintSender
  private displayName: string
  private config: KithConfig
  private discoverableByAddress: boolean
  /** Friends' keys, for choosing the swarm to dial; refreshed from the store. */
  private friendKeys = new Set<string>()
  private readonly pairSecrets = new Map<string, Uint8Array>()
  /** Each friend's grant as last checked ("addedAt:grant"): a grant is
   *  verified once, not at every refresh of the swarms. With 250 friends,
   *  250 signature checks ran each time a session opened or closed and kept
   *  the page busy for a second or more (see bench/systems/kith-scale.mjs). */
  private checkedGrants = new Map<string, string>()
  /** Friends' keys already found valid (see listenTopics). */
  private validFriendKeys = new Set<string>()
  private nextPairSecrets = new Map<string, Uint8Array>()
  private rendezvousTimer: ReturnType<typeof setTimeout> | null = null
  /** Refreshes the swarms when the next pending invite expires. */
  private expiryTimer: ReturnType<typeof setTimeout> | null = null
  private listener: Listener | null = null
  /** Set by startListening, cleared by stopListening: the listener starts
   *  once the network code (network.ts) has loaded, if still wanted. */
  private listenWanted = false
  /** The network code, once loaded (anything that runs over a session has it). */
  private net: Network | null = null
  private readonly handlerProviders: HandlerProvider[] = []
  /** Which offers were already answered: outlives listener restarts and reloads. */
  readonly replays = new ReplayGuard()
  private closed = false
  private readonly backgroundDials = new DialSlots(6)
  /** Shared by every session's RPC peer: the whole node's bytes in flight. */
  readonly sendBudget = new ByteBudget(NODE_HELD_BYTES)
  /** Handshake failures of incoming connections, for the owner to see. */
  lastRejected: string | null = null
  /** Bounds on sessions others open to us (strangers above all). */
  readonly incoming: IncomingSessions
  /** Trackers beyond the configured ones: remembered, shared by friends; and which relay. */
  readonly trackerDirectory: TrackerDirectory
  /** Connection codes, for when no tracker works (discovery/manual-connect.ts):
   *  made with the first code, as its code (WebRTC) loads with network.ts. */
  private manual: ManualConnections | null = null

  private constructor (readonly db: NodeDatabase, identity: StoredIdentity, displayName: string, config: KithConfig, discoverable: boolean, incomingLimits?: Partial<IncomingSessionLimits>, sessionLimits?: Partial<SessionLimits>) {
    super()
    this.sessions = new SessionRegistry(sessionLimits)
    // Saved as soon as an offer is let through: a reload must not make a
    // captured offer answerable again while it is fresh.
    this.replays.onRemember = () => {
      if (this.closed) return
      this.db.putSetting(SEEN_OFFERS_KEY, this.replays.entries(Date.now())).catch(() => { /* kept in memory; saved with the next */ })
    }
    this.discoverableByAddress = discoverable
    this.identityKey = identity.identityKey
    this.credentials = identity.credentials
    this.signing = identity.signing
    this.address = identity.address
    this.stored = identity
    this.keyHex = toHex(this.identityKey)
    this.displayName = displayName
    this.config = config
    this.trackerDirectory = new TrackerDirectory(db, () => this.config.trackers)
    this.trackerDirectory.addEventListener('change', () => this.changed())
    this.trackerDirectory.addEventListener('trackers-changed', () => {
      this.listener?.setTrackers(this.trackerUrls)
      this.changed()
    })
    this.items = new ItemsStore(db)
    this.friends = new FriendsStore(db)
    this.invites = new InvitesStore(db, this.friends)
    this.notices = new NoticesStore(db)
    this.devices = new DevicesStore(db, this.identityKey)
    // My own devices are not strangers (their certificates were checked in the handshake).
    this.incoming = new IncomingSessions(async (key) => key === this.keyHex || await this.friends.isFriend(key), incomingLimits)
    this.deviceLinks = new OwnDeviceLinks({
      myDeviceKey: this.credentials.device.publicKey,
      devices: () => this.devices.list(),
      isOpen: (deviceHex) => this.deviceSessions.isOnline(deviceHex),
      connect: (deviceKey, signal) => this.connectToDevice(deviceKey, signal)
    })
    this.deviceSync = new DeviceSyncSessions(db, toHex(this.credentials.device.publicKey), (changes) => {
      this.followSynced(changes).catch((err: unknown) => {
        // Closing: the database went away mid-way, and nothing is left to follow.
        if (!this.closed) console.warn('[kith] could not follow changes from another device:', err)
      })
    }, { loadAccept: async () => (await import('./sync/grants-filter')).grantedRecords(this.identityKey) })
    // Only the identity allows friendships and invites (see shared/identity/grants.ts).
    const signing = this.signing
    if (signing) {
      this.friends.grant = (key, addedAt) => grantFriend(this.checkedSigning(signing), key, addedAt)
      this.invites.grant = (invite) => grantInvite(this.checkedSigning(signing), invite)
    }
    this.deviceSync.addEventListener('change', () => this.changed())
    this.deviceSessions.addEventListener('opened', () => this.changed())
    this.deviceSessions.addEventListener('closed', (ev) => { this.changed(); this.deviceLinks.lost((ev as CustomEvent<string>).detail) })
    this.noticeSender = new NoticeSender({
      store: this.notices,
      // A server device passes a new meeting secret on only with a revocation (see learnRevocations).
      queues: [new RevocationQueue(this.friends, this.devices, this.role === 'full')],
      getSession: (friendKey, signal) => {
        const open = this.sessions.get(friendKey)
        if (open) return Promise.resolve(open)
        // Notices go to people who received items: friends, or friends just
        // removed, who still sit in our pair swarm.
        return this.backgroundDials.run(() => this.getSession(fromHex(friendKey), { signal, via: 'pair' }), signal)
      }
    })
    this.hints = new HintSender({
      onlineKeys: () => this.sessions.onlineKeys(),
      sessionsOf: (key) => this.sessions.openSessions(key),
      viewers: (keys) => loadViewers(this.db, keys),
      audiences: async (ids) => (await this.db.items.bulkGet(ids)).map((row) => row?.audience)
    })
    this.noticeSender.addEventListener('acknowledged', (ev) => {
      this.changed()
      void this.closeIfFormerFriend((ev as CustomEvent<{ friendKey: string }>).detail.friendKey)
    })
    this.sessions.addEventListener('opened', (ev) => {
      const remoteHex = (ev as CustomEvent<string>).detail
      this.noticeSender.kick(remoteHex)
      this.changed()
      void this.askForTrackers(remoteHex)
    })
    this.sessions.addEventListener('closed', () => this.changed())
    // Friends and invites decide which swarms to sit in; follow their changes.
    this.addEventListener('change', () => this.scheduleRendezvousRefresh())
  }

  static async open (opts: { db?: NodeDatabase, hostConfig?: Partial<KithConfig>, incomingLimits?: Partial<IncomingSessionLimits>, sessionLimits?: Partial<SessionLimits> } = {}): Promise<KithNode> {
    const db = opts.db ?? new NodeDatabase()
    const identity = await loadOrCreateIdentity(db)
    const displayName = (await db.getSetting(PROFILE_KEY, (v): v is string => typeof v === 'string')) ?? ''
    const saved = await db.getSetting(CONFIG_KEY, (v): v is unknown => v !== undefined)
    let overrides: Partial<KithConfig> = {}
    try { overrides = saved ? parseConfig(saved) : {} } catch { /* a broken saved setting falls back */ }
    const host = opts.hostConfig ?? await fetchHostConfig()
    const discoverable = (await db.getSetting(DISCOVERABLE_KEY, (v): v is boolean => typeof v === 'boolean')) ?? false
    const node = new KithNode(db, identity, displayName, mergeConfig(host, overrides), discoverable, opts.incomingLimits, opts.sessionLimits)
    await node.trackerDirectory.load()
    node.replays.restore(await db.getSetting(SEEN_OFFERS_KEY, (v): v is unknown => v !== undefined), Date.now())
    // This device is one of the person's devices, in the list they all share.
    await node.devices.add(identity.credentials.certificate!)
    node.devicesSecret = await db.getSetting(DEVICES_SECRET_KEY, (v): v is Uint8Array => v instanceof Uint8Array && v.length === DEVICES_SECRET_BYTES) ?? null
    // Pieces of a file whose save was cut short (a crash, a closed tab).
    await node.items.removeOrphanChunks().catch(() => { /* tried again next time */ })
    return node
  }

  /** A full device may link and revoke devices and make friends; a server
   *  device serves and syncs. (Before verify(), as stored: see there.) */
  get role (): DeviceRole {
    return (this.credentials.certificate as Partial<DeviceCertificate> | null)?.role === 'server' ? 'server' : 'full'
  }

  /** The checks the open left out, so the first screen needs no
   *  cryptography code: the stored key pairs match, the address is the
   *  key's, the device certificate is the identity's and for this device,
   *  and my devices' certificates and revocations (which the handshake's
   *  revoked-device check relies on) are loaded as checked. Runs once,
   *  after loading that code, and before anything listens, dials, signs
   *  or answers: every network path starts with network(), which awaits
   *  it, and the grants refuse until it passed. A failure stops the node
   *  (`failure` says why) and every later call refuses with it. */
  verify (): Promise<void> {
    this.verifying ??= (async () => {
      await loadCrypto()
      const certificate = checkStoredIdentity(this.stored)
      this.credentials.certificate = certificate
      await this.devices.load()
      await this.refreshDeviceCount()
      this.verified = true
      this.changed()
    })().catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err))
      if (!this.closed) this.close()
      throw this.failure
    })
    return this.verifying
  }

  /** The identity's key pair, only once verify() has passed. */
  private checkedSigning (signing: Identity): Identity {
    if (this.failure) throw this.failure
    if (!this.verified && !this.identityChecked) {
      // Signing may come before verify() has finished (it also reads the
      // devices): the key pair's own checks are synchronous, so they run here.
      if (!cryptoLoaded()) throw new Error('Kith is still checking its stored keys; try again in a moment.')
      try {
        this.credentials.certificate = checkStoredIdentity(this.stored)
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err))
        if (!this.closed) this.close()
        throw this.failure
      }
      this.identityChecked = true
    }
    return signing
  }

  get profile (): Profile {
    return { displayName: this.displayName, address: this.address }
  }

  get currentConfig (): KithConfig {
    return this.config
  }

  get rtcConfig (): RTCConfiguration {
    return rtcConfigOf(this.config)
  }

  status (): NodeStatus {
    return { trackers: this.listener?.status() ?? [], peers: this.sessions.size, devices: this.devicesPhrase() }
  }

  /** Kept current by refreshDeviceCount (status() must not wait). */
  private otherDevices = 0

  private devicesPhrase (): string {
    if (this.otherDevices === 0) return 'no other devices'
    const online = Math.min(this.deviceSessions.size, this.otherDevices)
    const sync = this.deviceSync.summary()
    return `${online} of ${this.otherDevices} other device${this.otherDevices === 1 ? '' : 's'} connected${sync ? `, ${sync}` : ''}`
  }

  private async refreshDeviceCount (): Promise<void> {
    const me = toHex(this.credentials.device.publicKey)
    this.otherDevices = (await this.devices.list()).filter((d) => !d.revocation && d.key !== me).length
  }

  registerHandlers (provider: HandlerProvider): void {
    this.handlerProviders.push(provider)
  }

  async setDisplayName (input: string): Promise<void> {
    const name = normalizeDisplayName(input)
    await this.db.putSetting(PROFILE_KEY, name)
    this.displayName = name
    this.changed()
  }

  /** Whether anyone who knows my address can reach my node (and see my name).
   *  Off by default: friends and invite holders find me in swarms only they
   *  can name. */
  get discoverable (): boolean {
    return this.discoverableByAddress
  }

  async setDiscoverable (on: boolean): Promise<void> {
    await this.db.putSetting(DISCOVERABLE_KEY, on)
    this.discoverableByAddress = on
    this.changed()
  }

  /** The swarms to sit in during an epoch, each with what an offer into it
   *  must prove: one per friend, one per pending invite, and my address swarm
   *  only if I chose to be discoverable. */
  async listenTopics (epoch: number): Promise<Meeting[]> {
    const { addressMeeting, deviceMeeting, inviteMeeting, pairMeeting } = await this.network()
    await this.refreshFriendKeys()
    const me = this.identityKey
    // A stored key that needs no secret (written before keys were checked)
    // would give a pair swarm anyone can compute: never sit in one. Checked
    // once per key (a point multiplication each: 250 of them at every
    // refresh cost as much as the grants did, see checkedGrants).
    const valid = new Set([...this.friendKeys].filter((key) => this.validFriendKeys.has(key) || isValidSigningPublicKey(fromHex(key))))
    this.validFriendKeys = valid
    const topics: Meeting[] = [...valid].map((key) => pairMeeting(this.pairSecretWith(key), epoch, me))
    // A friend not yet told of a revocation still uses the old secret; once
    // told, the new one. Both are listened in until then.
    for (const [key, next] of this.nextPairSecrets) if (this.friendKeys.has(key)) topics.push(pairMeeting(next, epoch, me))
    const now = Date.now()
    let nextExpiry = Infinity
    // Only a device holding the identity key makes friends (DESIGN §6a): a
    // server device never sits in an invite's swarm.
    for (const invite of this.signing ? await this.invites.list() : []) {
      // Invites from before grants, or granted over the token alone: signed now.
      if (!isInviteGranted(this.identityKey, invite, invite.grant)) await this.invites.setGrant(invite.id, grantInvite(this.signing!, invite))
      if (invite.status === 'pending' && invite.expiresAt !== null && invite.expiresAt > now) nextExpiry = Math.min(nextExpiry, invite.expiresAt)
      const live = invite.status === 'pending' && (invite.expiresAt === null || invite.expiresAt > now)
      // A withdrawn or expired invite's swarm is left at once: the owner
      // withdraws a link because it went where it should not, and an answer
      // would tell its holder where the node is. A used one stays a while
      // (see USED_INVITE_REACHABLE_MS).
      const justUsed = invite.status === 'used' && now - (invite.usedAt ?? invite.createdAt) < USED_INVITE_REACHABLE_MS
      if (live || justUsed) topics.push(inviteMeeting(invite.token, epoch, me))
    }
    // An invite's swarm is left when it expires, not at the next change.
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
    if (nextExpiry < Infinity && this.listener) {
      this.expiryTimer = setTimeout(() => { this.expiryTimer = null; this.scheduleRendezvousRefresh() }, Math.min(nextExpiry - now + 1, 2 ** 31 - 1))
    }
    // Offers there are sealed to the identity's own key: only a device that
    // holds it can open them.
    if (this.discoverableByAddress && this.signing) topics.push(addressMeeting(me, epoch))
    // Where my other devices reach this one, once there are others.
    if (this.devicesSecret) topics.push(deviceMeeting(this.devicesSecret, epoch, this.credentials.device.publicKey))
    return topics
  }

  /** Where to look for someone: our pair swarm if they are a friend, the
   *  invite's swarm when redeeming one, else their address swarm. */
  private meetingFor (remoteKey: Uint8Array, epoch: number, via: DialVia): Meeting {
    const { addressMeeting, inviteMeeting, pairMeeting } = this.net! // loaded: only a dial asks
    if (via.inviteToken) return inviteMeeting(via.inviteToken, epoch, remoteKey)
    const hex = toHex(remoteKey)
    return via.via === 'pair' || this.friendKeys.has(hex)
      ? pairMeeting(this.pairSecretWith(hex), epoch, remoteKey)
      : addressMeeting(remoteKey, epoch)
  }

  private pairSecretWith (keyHex: string): Uint8Array {
    let secret = this.pairSecrets.get(keyHex)
    if (!secret) {
      if (!this.signing) throw new Error('This device has no meeting secret for this friend yet.')
      this.pairSecrets.set(keyHex, secret = pairSecret(this.signing.secretKey, fromHex(keyHex)))
    }
    return secret
  }

  private async refreshFriendKeys (): Promise<void> {
    const rows = await this.friends.list()
    const checked = new Map<string, string>()
    this.friendKeys = new Set(rows.map((f) => f.key))
    this.nextPairSecrets = new Map(rows.flatMap((f) => f.nextPairSecret ? [[f.key, f.nextPairSecret]] : []))
    for (const row of rows) {
      if (row.pairSecret) {
        this.pairSecrets.set(row.key, row.pairSecret)
      } else if (this.signing) {
        // Stored (and so synced) for my server devices, which cannot compute it.
        await this.friends.setPairSecret(row.key, this.pairSecretWith(row.key))
      }
      // Friendships from before grants (or granted over the key alone): signed now, so my other devices take them.
      if (this.signing) {
        const mark = row.grant instanceof Uint8Array ? grantMark(row.addedAt, row.grant) : null
        if (mark !== null && (this.checkedGrants.get(row.key) === mark || isFriendGranted(this.identityKey, row.key, row.addedAt, row.grant))) checked.set(row.key, mark)
        else await this.friends.setGrant(row.key, grantFriend(this.signing, row.key, row.addedAt))
      }
    }
    // Only the current rows are remembered, so this stays as small as the list.
    this.checkedGrants = checked
    // A server device only sits where it knows the secret.
    if (!this.signing) this.friendKeys = new Set([...this.friendKeys].filter((key) => this.pairSecrets.has(key)))
  }

  private scheduleRendezvousRefresh (): void {
    if (this.rendezvousTimer || !this.listener) return
    this.rendezvousTimer = setTimeout(() => {
      this.rendezvousTimer = null
      this.listener?.refreshTopics().catch(() => { /* closing */ })
    }, 50)
  }

  /** Saves trackers/ICE servers chosen by the owner and restarts discovery. */
  async saveConfig (overrides: Partial<KithConfig>): Promise<void> {
    const checked = parseConfig(overrides)
    const next = mergeConfig({ trackers: this.config.trackers, iceServers: this.config.iceServers, relayOnly: this.config.relayOnly }, checked)
    if (next.relayOnly === true && !hasTurnServer(next.iceServers)) throw new ConfigError(RELAY_ONLY_NEEDS_TURN)
    await this.db.putSetting(CONFIG_KEY, checked)
    const hidingNow = next.relayOnly === true && this.config.relayOnly !== true
    this.config = next
    if (checked.trackers) this.trackerDirectory.configured(checked.trackers)
    // Connections made before the owner chose to hide their address carry it:
    // close them, so every friend reconnects through the relay.
    // So do connection codes still waiting for an answer: their offers
    // were made to connect by any path.
    if (hidingNow) {
      this.sessions.closeEverything('reconnecting through the relay')
      this.manual?.close()
    }
    this.restartListening()
  }

  /** New trackers or ICE servers: the listener starts over with them. */
  private restartListening (): void {
    if (this.listenWanted) {
      this.stopListening()
      this.startListening()
    }
    this.changed()
  }

  /** The network code (network.ts), loaded once for the whole tab. */
  private async network (): Promise<Network> {
    await this.verify() // nothing goes out before the stored keys are checked
    if (this.closed) throw new KithError('CLOSED', 'This node has stopped.')
    this.net ??= await loadNetwork()
    return this.net
  }

  /** The trackers to use, in order: remembered good ones, mine, friends'. */
  get trackerUrls (): string[] {
    return this.trackerDirectory.urls()
  }

  /** A connection code for a friend (no tracker needed); see manual-connect.ts. */
  async makeConnectionCode (friendHex: string): Promise<string> {
    await this.friendNamed(friendHex)
    return await (await this.manualConnections()).makeCode(fromHex(friendHex))
  }

  /** A friend's connection code: the answer code to send back. */
  async answerConnectionCode (friendHex: string, code: string): Promise<{ answerCode: string, connected: Promise<void> }> {
    const name = await this.friendNamed(friendHex)
    return await (await this.manualConnections()).answerCode(fromHex(friendHex), code, name)
  }

  /** A friend's answer to my connection code: resolves once we are connected and authenticated. */
  async completeConnection (friendHex: string, answerCode: string): Promise<void> {
    const name = await this.friendNamed(friendHex)
    await (await this.manualConnections()).complete(fromHex(friendHex), answerCode, name)
  }

  private async manualConnections (): Promise<ManualConnections> {
    const { ManualConnections } = await this.network()
    if (this.closed) throw new KithError('CLOSED', 'This node has stopped.')
    this.manual ??= new ManualConnections({
      myKey: this.identityKey,
      boxSecret: this.signing ? boxSecretKeyFromSigning(this.signing.secretKey) : null,
      rtcConfig: () => this.rtcConfig,
      replays: this.replays,
      startSession: (transport, friendKey) => this.startSession(transport, friendKey)
    })
    return this.manual
  }

  private async friendNamed (friendHex: string): Promise<string> {
    const friend = await this.friends.get(friendHex)
    if (!friend) throw new KithError('UNAUTHORIZED', 'Connection codes are only for friends.')
    return friend.displayName || 'your friend'
  }

  /** A friend's node may know trackers that work when mine do not. */
  private async askForTrackers (remoteHex: string): Promise<void> {
    if (remoteHex === this.keyHex || !await this.friends.isFriend(remoteHex)) return
    const session = this.sessions.get(remoteHex)
    if (session) await this.trackerDirectory.askFriend(remoteHex, session)
  }

  /** Starts serving: the listener starts as soon as the network code has
   *  loaded (at once after the first time); `listening` settles then. */
  startListening (): void {
    if (this.listenWanted) return
    this.listenWanted = true
    this.listening = this.network().then(({ Listener }) => {
      if (!this.listenWanted || this.listener || this.closed) return
      this.listenNow(Listener)
    }, (err: unknown) => {
      this.listenWanted = false
      if (this.failure) console.error('[kith] not listening:', this.failure.message)
      else console.error('[kith] the network code could not load; not listening:', err)
      this.changed()
    })
  }

  /** Settles once the last startListening() has started the listener (or could not). */
  listening: Promise<void> = Promise.resolve()

  get isListening (): boolean {
    return this.listener !== null
  }

  private listenNow (Listener: Network['Listener']): void {
    this.listener = new Listener({
      identity: this.signing,
      topics: (epoch) => this.listenTopics(epoch),
      trackers: this.trackerUrls,
      rtcConfig: this.rtcConfig,
      // Awaited by the listener, so the answer slot is held until the
      // handshake is over and the session admitted (or refused).
      onTransport: (transport, via) => this.accept(transport, via),
      onStatus: () => this.changed(),
      replays: this.replays,
      relays: this.trackerDirectory.relays
    })
    this.listener.start()
    this.noticeSender.start()
    this.deviceLinks.start()
  }

  stopListening (): void {
    this.listenWanted = false
    this.deviceLinks.stop()
    this.listener?.stop()
    this.listener = null
  }

  /** Finds a person by key and opens a new authenticated session with them. */
  async connect (remoteKey: Uint8Array, opts: DialVia & { onPhase?: (phase: DialPhase | 'authenticating') => void } = {}): Promise<NodeSession> {
    const { dial } = await this.network()
    await this.refreshFriendKeys()
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
      const transport = await dial({
        meetingFor: (epoch) => this.meetingFor(remoteKey, epoch, opts),
        trackers: this.trackerUrls,
        relays: this.trackerDirectory.relays,
        rtcConfig: this.rtcConfig,
        signal: search.signal,
        onPhase: (phase) => opts.onPhase?.(phase)
      })
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

  /** A live session with this person: an open one if any, else dial. */
  async getSession (remoteKey: Uint8Array, opts: DialVia = {}): Promise<NodeSession> {
    return this.sessions.get(toHex(remoteKey)) ?? this.connect(remoteKey, opts)
  }

  /** Ends a friendship: access ends now, open sessions close, and their
   *  cached copies of my items are asked to be deleted. */
  async removeFriend (keyHex: string): Promise<void> {
    await this.friends.remove(keyHex)
    this.sessions.closeAll(keyHex, 'you are no longer friends')
    this.noticeSender.kick(keyHex)
    this.changed()
  }

  /** A removed friend is dialled only to deliver delete notices; once they
   *  are all confirmed the session goes, so they cannot linger connected. */
  private async closeIfFormerFriend (keyHex: string): Promise<void> {
    if (await this.friends.isFriend(keyHex)) return
    if ((await this.notices.pendingFor(keyHex, 1)).length > 0) return
    this.sessions.closeAll(keyHex, 'you are no longer friends')
  }

  /** Call after any change that may have created delete notices. */
  noticesMayHaveChanged (): void {
    this.noticeSender.kick()
    this.changed()
  }

  /** An incoming connection: the handshake, then the limits on sessions
   *  others open to us (see incoming-sessions.ts). */
  private async accept (transport: Transport, via?: MeetingKind): Promise<void> {
    try {
      const session = await this.startSession(transport)
      const keyHex = toHex(session.remotePublicKey)
      if (!await this.incoming.admit(keyHex, session, via)) return
      // At the cap only a friend may make room; a stranger needs free room.
      if (!this.sessions.makeRoom(session, await this.friends.isFriend(keyHex))) {
        this.lastRejected = `Refused a connection: ${AT_CAPACITY}`
        this.changed()
      }
    } catch (err) {
      // A stranger leaving with a Goodbye of their own is not shown: its
      // words are theirs, and would appear in my status as if mine.
      if (err instanceof this.net!.HandshakeError && !err.byPeer) {
        this.lastRejected = err.message
        this.changed()
      }
    }
  }

  private async startSession (transport: Transport, expectedRemoteKey?: Uint8Array, expectedDevice?: Uint8Array): Promise<NodeSession> {
    const { establishSession, HandshakeError } = await this.network()
    const session = await establishSession<NodeMethods, NodeMethods>(transport, {
      credentials: this.credentials,
      expectedRemoteKey,
      isRevoked: (identityKey, deviceKey) => this.devices.isRevoked(identityKey, deviceKey),
      handlers: (remoteKey, device) => this.handlersFor(remoteKey, device),
      rpc: sessionRpcOptions(this.sendBudget)
    })
    const device = session.remoteDevice
    if (expectedDevice && !bytesEqual(device.deviceKey, expectedDevice)) {
      session.rpc.close('reached another device than the one dialled')
      throw new HandshakeError('Reached another of my devices than the one dialled.')
    }
    if (session.remotePublicKey.length === this.identityKey.length && toHex(session.remotePublicKey) === this.keyHex) {
      // One of my own devices: the sync sessions, never the friends' registry.
      const deviceHex = toHex(device.deviceKey)
      if (!this.keepOneDeviceSession(deviceHex, session)) return session
      this.deviceSessions.add(deviceHex, session)
      const seen = (): void => { this.devices.markSeen(deviceHex, Date.now()).catch(() => { /* closing */ }) }
      seen()
      transport.onClose(seen)
      this.deviceSync.attach(deviceHex, session)
      return session
    }
    this.sessions.add(toHex(session.remotePublicKey), session)
    // A dial of our own may make room at the cap; an incoming session is
    // weighed once admitted (see accept).
    if (expectedRemoteKey && !this.sessions.makeRoom(session, true)) throw new KithError('RATE_LIMITED', AT_CAPACITY)
    return session
  }

  /** Two of my devices that dialled each other at once have two sessions:
   *  both sides keep the one whose dialler has the smaller device key, so
   *  they agree without talking. False when `session` is the one closed. */
  private keepOneDeviceSession (deviceHex: string, session: NodeSession): boolean {
    const existing = this.deviceSessions.get(deviceHex)
    if (!existing) return true
    const me = toHex(this.credentials.device.publicKey)
    const dialler = (s: NodeSession): string => s.transport.binding.role === 'offerer' ? me : deviceHex
    // The same side dialling again (a reconnect): the new session replaces the old.
    const newer = dialler(session) === dialler(existing) || dialler(session) < dialler(existing)
    const [keep, drop] = newer ? [session, existing] : [existing, session]
    drop.rpc.close('a second session with the same device')
    return keep === session
  }

  /** The full device's side of linking a new device (see approve-link.ts). */
  async openLinkCode (input: string, signal?: AbortSignal): Promise<LinkApprovalStep> {
    const signing = this.signing
    if (!signing || this.role !== 'full') throw new KithError('UNAUTHORIZED', 'Only a full device can link another device. Use your laptop or phone.')
    const { openLinkCode, SpentLinkCodes } = await this.network()
    return openLinkCode({
      signing,
      credentials: this.credentials,
      spent: this.spentLinkCodes ??= new SpentLinkCodes(),
      devicesSecret: async () => {
        if (!this.devicesSecret) {
          this.devicesSecret = await loadOrCreateDevicesSecret(this.db)
          this.changed() // now sits in its device swarm too
        }
        return this.devicesSecret
      },
      displayName: () => this.displayName,
      onApproved: async (certificate) => {
        await this.devices.add(certificate)
        await this.refreshDeviceCount()
        this.deviceLinks.kick()
        this.changed()
      },
      trackers: this.trackerUrls,
      rtcConfig: this.rtcConfig
    }, input, signal)
  }

  /** Revokes one of my devices: it gets no more sync from any of my devices
   *  from now on, and my friends refuse it once they are told. */
  async revokeDevice (deviceHex: string): Promise<void> {
    const signing = this.signing
    if (!signing || this.role !== 'full') throw new KithError('UNAUTHORIZED', 'Only a full device can revoke a device.')
    await this.verify()
    if (deviceHex === toHex(this.credentials.device.publicKey)) throw new KithError('BAD_REQUEST', 'A device cannot revoke itself; revoke it from another of your devices.')
    const known = (await this.devices.list()).find((d) => d.key === deviceHex)
    if (!known) throw new KithError('NOT_FOUND', 'No such device.')
    if (known.revocation) return
    await this.devices.revoke(revokeDevice(signing, fromHex(deviceHex), Date.now()))
    await this.refreshDeviceCount()
    this.deviceLinks.forget(deviceHex)
    this.deviceSessions.closeAll(deviceHex, 'this device was revoked by its owner')
    // Every secret it knew is replaced: where my devices meet, and where each
    // friend meets me (the friends get theirs with the revocation).
    this.devicesSecret = randomBytes(DEVICES_SECRET_BYTES)
    await this.db.putSetting(DEVICES_SECRET_KEY, this.devicesSecret)
    await this.friends.replaceAllPairSecrets(() => randomBytes(32))
    this.noticeSender.kick()
    this.dispatchEvent(new CustomEvent('device-revoked', { detail: { deviceKey: deviceHex } }))
    this.changed()
  }

  /** A pull from another of my devices changed things here: follow them. */
  private async followSynced (changes: AppliedChanges): Promise<void> {
    if (this.closed) return
    if (changes.tables.has('devices') || changes.tables.has('peerRevocations')) {
      await this.devices.load()
      await this.refreshDeviceCount()
      // A revocation learned from another device ends its sessions here too.
      for (const device of await this.devices.list()) {
        if (device.revocation) this.deviceSessions.closeAll(device.key, 'this device was revoked by its owner')
      }
      for (const row of await this.db.peerRevocations.toArray()) this.sessions.closeDevice(row.identityKey, row.deviceKey, 'this device was revoked by its owner')
      this.deviceLinks.kick()
    }
    if (changes.tables.has('settings')) await this.reloadPersonSettings()
    // An item changed on another of my devices: friends online here hear of it too.
    if (changes.itemIds.size > 0) this.hints.itemsChanged(changes.itemIds)
    if (changes.tables.has('notices') || changes.noticeFriends.size > 0 || changes.tables.has('devices')) this.noticeSender.kick()
    this.changed()
  }

  /** The person's settings, after another device changed them. */
  private async reloadPersonSettings (): Promise<void> {
    const db = this.db
    this.displayName = (await db.getSetting(PROFILE_KEY, (v): v is string => typeof v === 'string')) ?? this.displayName
    this.discoverableByAddress = (await db.getSetting(DISCOVERABLE_KEY, (v): v is boolean => typeof v === 'boolean')) ?? this.discoverableByAddress
    this.devicesSecret = await db.getSetting(DEVICES_SECRET_KEY, (v): v is Uint8Array => v instanceof Uint8Array && v.length === DEVICES_SECRET_BYTES) ?? this.devicesSecret
  }

  /** A friend told us some of their devices were revoked: each revocation
   *  must be signed by that friend's identity. Those devices are refused as
   *  the friend from now on, and their open sessions close. */
  private async learnRevocations (friendKey: Uint8Array, told: DeviceRevokedParams, device?: RemoteDevice): Promise<void> {
    const revocations = told.revocations.map((r) => checkDeviceRevocation(r, friendKey))
    const friendHex = toHex(friendKey)
    const fresh = await this.devices.addPeerRevocations(friendKey, revocations)
    // A new meeting secret from the friend's server device only with a
    // revocation we did not know: otherwise a stolen server device, before
    // its revocation, moved us to a swarm only it can name, where the
    // friend's full device could never reach us to tell us of it.
    if (told.pairSecret && device?.certificate?.role !== 'full' && fresh === 0) delete told.pairSecret
    for (const revocation of revocations) this.sessions.closeDevice(friendHex, toHex(revocation.deviceKey), 'this device was revoked by its owner')
    // A date from the future (a wrong clock, or a friend hoping to keep the
    // secret forever) counts as now.
    if (told.pairSecret) await this.friends.adoptPairSecret(friendHex, { secret: told.pairSecret, since: Math.min(told.pairSecretSince ?? 0, Date.now()) })
    this.changed()
  }

  /** Dials one of my other devices in the swarm where it waits for them. */
  private async connectToDevice (deviceKey: Uint8Array, signal: AbortSignal): Promise<NodeSession> {
    const secret = this.devicesSecret
    if (!secret) throw new Error('no devices secret yet')
    const { dial, deviceMeeting } = await this.network()
    const transport = await dial({
      meetingFor: (epoch) => deviceMeeting(secret, epoch, deviceKey),
      trackers: this.trackerUrls,
      relays: this.trackerDirectory.relays,
      rtcConfig: this.rtcConfig,
      signal
    })
    return this.startSession(transport, this.identityKey, deviceKey)
  }

  private handlersFor (remoteKey: Uint8Array, device?: RemoteDevice): Partial<RpcHandlers<NodeMethods>> {
    const { basicHandlers, inviteHandlers, itemHandlers, ownerDeviceHandlers } = this.net! // loaded: a session asks
    const remoteHex = toHex(remoteKey)
    if (remoteHex === this.keyHex) {
      // My own device (its certificate checked, not revoked): device sync
      // only. It is not a friend, and never served as one.
      const own: Partial<RpcHandlers<NodeMethods>> = { ...basicHandlers(() => this.profile) }
      if (device?.certificate) {
        const deviceHex = toHex(device.deviceKey)
        const sync = ownerDeviceHandlers(this.db, deviceHex)
        let lastAfter = -1
        Object.assign(own, sync, {
          // A pull from further on says the device has what came before:
          // what the Devices tab shows as "in sync".
          syncPull: async (params: unknown, ctx: Parameters<typeof sync.syncPull>[1]) => {
            const page = await sync.syncPull(params, ctx)
            const after = (params as { after?: unknown }).after
            if (after !== lastAfter) { lastAfter = after as number; this.changed() }
            return page
          }
        })
      }
      return own
    }
    const invite = inviteHandlers(this.invites, remoteKey, () => this.profile)
    const handlers: Partial<RpcHandlers<NodeMethods>> = {
      ...basicHandlers(() => this.profile),
      ...itemHandlers(this.items, remoteHex),
      // Friends only (stranger-policy.ts): the trackers that work for me.
      workingTrackers: (params) => {
        parseEmptyParams(params)
        return { trackers: this.trackerDirectory.toShare(this.listener?.status() ?? []) }
      },
      deviceRevoked: async (params) => {
        await this.learnRevocations(remoteKey, parseDeviceRevoked(params), device)
        return { ok: true as const }
      },
      // A new friend appears in the owner's list at once.
      redeemInvite: async (params, ctx) => {
        if (!this.signing) throw new KithError('UNAUTHORIZED', 'This device cannot make new friendships; open the invite again later.')
        const result = await invite.redeemInvite(params, ctx)
        this.changed()
        return result
      }
    }
    for (const provider of this.handlerProviders) Object.assign(handlers, provider(remoteHex))
    return withStrangerPolicy(handlers, {
      isFriend: () => this.friends.isFriend(remoteHex),
      discoverable: () => this.discoverableByAddress
    })
  }

  close (): void {
    this.closed = true
    if (this.rendezvousTimer) clearTimeout(this.rendezvousTimer)
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.stopListening()
    this.manual?.close()
    this.noticeSender.stop()
    this.hints.stop()
    this.sessions.closeEverything('the node is shutting down')
    this.deviceSync.stopAll()
    this.deviceSessions.closeEverything('the node is shutting down')
    this.db.close()
  }

  changed (): void {
    this.dispatchEvent(new Event('change'))
  }
}

/** What a checked grant is remembered by: a changed row (another device
 *  re-granted it, or sync brought another) is checked again. */
function grantMark (addedAt: number, grant: Uint8Array): string {
  return `${addedAt}:${toHex(grant)}`
}
