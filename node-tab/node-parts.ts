// Builds the node's parts and joins them: each part gets, through its
// options, only the few functions of the others it needs. KithNode (node.ts)
// holds the result and exposes what the client uses; node-wiring.ts joins
// the events that cross between them.
import { grantFriend, grantInvite } from '../shared/identity/grants'
import { proveMeetingSecret } from '../shared/identity/meeting-secret-grants'
import { fromHex } from '../shared/util/bytes'
import { KithError } from '../shared/wire/errors'
import { Connections } from './connections/connections'
import { OwnDevices } from './devices/own-devices'
import type { ReplayGuard } from './discovery/replay-guard'
import { TrackerDirectory } from './discovery/tracker-directory'
import { RelayDirectory } from './relays/relay-directory'
import type { HandlerProvider, SessionHandlersDeps } from './handlers/session-handlers'
import type { IncomingSessionLimits } from './connections/incoming-sessions'
import type { NodeIdentity } from './identity/node-identity'
import type { Network } from './network-loader'
import { friendNotices } from './notices/friend-notices'
import { NoticesStore } from './notices/notices-store'
import type { PersonSettings } from './person/person-settings'
import type { ConnectionCodes } from './rendezvous/connection-codes'
import { ListenerLifecycle } from './rendezvous/listener-lifecycle'
import type { MeetingPlan } from './rendezvous/meeting-plan'
import type { SessionLimits } from './connections/session-limits'
import type { NodeDatabase } from './storage/db'
import { relaysInConfig, type KithConfig } from './person/config'
import type { RouteStatus } from './rendezvous/channel'
import { DevicesStore } from './storage/devices-store'
import { PersonRotations } from './person/rotations'
import { personSigner, signingKeyOf, type PersonSignerDeps } from './person/person-signer'
import { MeetAgain } from './devices/meet-again'
import { FriendsStore } from './storage/friends-store'
import { InvitesStore } from './storage/invites-store'
import { ItemsStore } from './storage/items-store'
import { LazyMailbox } from './mailbox/mailbox-lazy'
import type { AppliedChanges } from './sync/apply'
import { learnOwnRevocation, type RevokedBy } from './devices/revoked-here'

export interface NodeStatus {
  trackers: RouteStatus[]
  /** Nostr relays, the second rendezvous (empty when none are configured). */
  relays: RouteStatus[]
  /** Authenticated sessions with friends (and strangers) open right now. */
  peers: number
  /** My other devices, in a phrase: "2 of 3 other devices connected". */
  devices: string
}

export interface NodeOpenOptions {
  db?: NodeDatabase
  /** The host's trackers and ICE servers; fetched from config.json if absent. */
  hostConfig?: Partial<KithConfig>
  incomingLimits?: Partial<IncomingSessionLimits>
  sessionLimits?: Partial<SessionLimits>
}

/** What the parts need of the node as a whole. */
export interface NodeHooks {
  db: NodeDatabase
  me: NodeIdentity
  settings: PersonSettings
  replays: ReplayGuard
  /** The network code, once the stored keys are checked (and not after close). */
  network: () => Promise<Network>
  /** The same, already loaded: asked only where a session exists. */
  loadedNetwork: () => Network
  providers: readonly HandlerProvider[]
  changed: () => void
  followSynced: (changes: AppliedChanges) => void
  deviceRevoked: (deviceHex: string) => void
  /** This device was told it is revoked: it stops serving. */
  revokedHere: (note: RevokedBy) => void
  incomingLimits?: Partial<IncomingSessionLimits>
  sessionLimits?: Partial<SessionLimits>
}

export type NodeParts = ReturnType<typeof buildNodeParts>

export function buildNodeParts (hooks: NodeHooks) {
  const { db, me, settings, changed, network: load } = hooks
  const items = new ItemsStore(db)
  const friends = new FriendsStore(db)
  const invites = new InvitesStore(db, friends)
  const notices = new NoticesStore(db)
  // My rotations' keys (S₁…Sₙ) as followed here: rows they signed are mine too.
  const devices = new DevicesStore(db, me.identityKey, () => rotations.rotationsOf(me.identityKey))
  const rotations = new PersonRotations(db, me.identityKey, () => { void ownDevices.followDeviceChanges().catch(() => { /* closing */ }) })
  // Only the identity allows friendships and invites (shared/identity/grants.ts),
  // with its signing key of the time: after a rotation, Sₙ where this device
  // holds it; elsewhere nothing is signed (person/person-signer.ts).
  const signer: PersonSignerDeps = { signing: () => me.signing(), rotations }
  if (me.holdsSigningKey) {
    friends.grant = (key, addedAt) => { const s = personSigner(signer); return s ? grantFriend(s, key, addedAt) : undefined }
    friends.proveSecret = (key, secret, since) => { const s = personSigner(signer); return s ? proveMeetingSecret(me.identityKey, s, fromHex(key), secret, since) : undefined }
    // A kept full device without Sₙ makes no invite (its grant would be the
    // old key's, which my other devices no longer take): it says where.
    invites.grant = (invite) => {
      const s = personSigner(signer)
      if (!s) throw new KithError('UNAUTHORIZED', ownDevices.signingElsewhere('invite'))
      return grantInvite(s, invite)
    }
    settings.rotated = { signer: () => personSigner(signer), elsewhere: () => ownDevices.signingElsewhere('discoverable') }
  }
  // "Hide my IP address" leaves the configured relays as it leaves the
  // owner's trackers (a relay, like a tracker, sees the WebSocket's address
  // and nothing of a connection to a friend), and drops friends' ones.
  const relayDirectory = new RelayDirectory(db, () => relaysInConfig(settings.current), () => settings.current.relaysOff === true, () => settings.current.relayOnly === true)
  const trackerDirectory = new TrackerDirectory(db, () => settings.current.trackers, () => settings.current.relayOnly === true,
    (friendHex, urls, now) => relayDirectory.heard(friendHex, urls, now))
  const trackers = (): string[] => trackerDirectory.urls()
  const relayUrls = (): string[] => relayDirectory.urls()
  const rtcConfig = (): RTCConfiguration => settings.rtcConfig
  const isFriend = (key: string): Promise<boolean> => friends.isFriend(key)

  // The meeting plan loads with the network half: nothing meets anyone before it.
  let planPart: MeetingPlan | null = null
  let planLoading: Promise<MeetingPlan> | null = null
  const makePlan = async (): Promise<MeetingPlan> => (planPart = new (await load()).MeetingPlan({
    identity: me,
    friends,
    invites,
    discoverable: () => settings.discoverable,
    devicesSecret: () => ownDevices.secret,
    makers: load,
    isListening: () => listener.isListening,
    onInviteExpiry: () => listener.refreshSoon(),
    leftMeetings: async () => (await import('./person/left-meetings')).leftMeetings(db),
    leftDevicesSecrets: async () => (await (await import('./devices/left-device-meetings')).leftDevicesSecrets(db)).map((e) => e.secret),
    grantSigning: {
      signer: () => personSigner(signer),
      checkKey: () => signingKeyOf(rotations, me.identityKey),
      olderKeys: () => {
        const records = rotations.rotationsOf(me.identityKey)?.records ?? []
        return records.length === 0 ? [] : [me.identityKey, ...records.slice(0, -1).map((r) => r.signingKey)]
      }
    }
  }))
  // One plan, however many ask at once; a failed load (the node stopped) is asked again.
  const planReady = (): Promise<MeetingPlan> => {
    planLoading ??= makePlan().catch((err: unknown) => { planLoading = null; throw err })
    return planLoading
  }
  const plan: Pick<MeetingPlan, 'listenTopics' | 'prepareDial' | 'meetingFor' | 'stop'> = {
    listenTopics: async (epoch) => (await planReady()).listenTopics(epoch),
    prepareDial: async () => (await planReady()).prepareDial(),
    meetingFor: (remoteKey, epoch, via) => planPart!.meetingFor(remoteKey, epoch, via),
    stop: () => planPart?.stop()
  }
  const handlerDeps: SessionHandlersDeps = {
    code: hooks.loadedNetwork,
    keyHex: me.keyHex,
    db,
    items,
    invites,
    isFriend,
    profile: () => settings.profile(me.address),
    discoverable: () => settings.discoverable,
    canMakeFriends: () => me.holdsSigningKey,
    workingTrackers: () => trackerDirectory.toShare(listener.status()),
    workingRelays: () => relayDirectory.toShare(listener.relayStatus()),
    learnOwnRevocation: async (told, device) => {
      // Only a server device stops for good when told. A full device holds
      // the identity key and may be the one the person rotates from
      // (docs/security.md): a thief holding that key could otherwise
      // silence it first. Its revocation still comes by sync, and friends
      // and my other devices refuse it.
      if (me.role !== 'server') return
      const note = await learnOwnRevocation({ identityKey: me.identityKey, deviceHex: me.deviceHex, db, devices, rotations: rotations.rotationsOf(me.identityKey) }, told, device.certificate?.name ?? null)
      if (note) hooks.revokedHere(note)
    },
    learnRevocations: (key, told, device) => hooks.loadedNetwork().learnFriendRevocations({
      devices, friends, sessions: connections.sessions, identityKey: me.identityKey, rotationsOf: (k) => rotations.rotationsOf(k),
      leftMeeting: async (friendHex, secret) => { await (await import('./person/left-meetings')).rememberLeftMeeting(db, friendHex, secret) },
      currentSecret: async (friendHex) => (await (await planReady()).secretsWith(friendHex))[0]
    }, key, told, device),
    providers: hooks.providers,
    onChange: changed,
    pulledBy: (deviceHex, after) => meetAgain.pulled(deviceHex, after)
  }
  const connections: Connections = new Connections({
    identity: me,
    load,
    isFriend,
    isRevoked: (identityKey, deviceKey) => devices.isRevoked(identityKey, deviceKey),
    revokedBy: (identityKey, signingKey) => devices.revokedBy(identityKey, signingKey),
    rotations: {
      of: (identityKey) => rotations.rotationsOf(identityKey),
      hello: () => rotations.hello(),
      followed: (identityKey, records) => rotations.follow(identityKey, records)
    },
    // Built per session by the network half (sessions exist only once it loaded).
    handlers: (remoteKey, device) => hooks.loadedNetwork().sessionHandlers(handlerDeps)(remoteKey, device),
    plan,
    trackers,
    relayUrls,
    relays: trackerDirectory.relays,
    rtcConfig,
    onOwnDevice: (deviceHex, session) => ownDevices.attach(deviceHex, session),
    onChange: changed,
    incomingLimits: hooks.incomingLimits,
    sessionLimits: hooks.sessionLimits
  })
  const ownDevices: OwnDevices = new OwnDevices({
    db,
    identity: me,
    devices,
    friends,
    deviceSessions: connections.deviceSessions,
    friendSessions: connections.sessions,
    load,
    dial: (meetingFor, signal) => connections.dial(meetingFor, signal),
    startSession: (transport, identityKey, deviceKey) => connections.startSession(transport, identityKey, deviceKey),
    displayName: () => settings.displayName,
    trackers,
    rtcConfig,
    onSynced: hooks.followSynced,
    onRevoked: hooks.deviceRevoked,
    rotated: () => rotations.rotated,
    rotations,
    rotatedSigners: () => ({
      mine: rotations.rotationsOf(me.identityKey)?.records.map((r) => r.signingKey) ?? [],
      current: () => signingKeyOf(rotations, me.identityKey),
      friend: (key) => { const held = rotations.rotationsOf(key); return held && held.keys.n > 0 ? held.keys.signingKey : null }
    }),
    personSigner: () => personSigner(signer),
    onChange: changed
  })
  // The blind mailbox on relays: read each time the listener starts (Kith
  // opening, or the relays changing), written to as items change, and what
  // no relay took is sent again at each start.
  const mailbox = new LazyMailbox({
    db,
    identity: me,
    // After a rotation: Sₙ signs, a device without it writes nothing, and a
    // friend's letters are checked against the Sₙ of theirs I follow.
    signer: () => personSigner(signer),
    signingKeyOf: (friend) => signingKeyOf(rotations, fromHex(friend)),
    relayUrls,
    secrets: async () => (await planReady()).everySecret()
  })
  // A friend's acknowledgement by mailbox shows as a live one does.
  mailbox.onAcknowledged = changed
  const { noticeSender, hints } = friendNotices({ db, identity: me, notices, friends, devices, connections })
  const meetAgain = new MeetAgain({
    lastPosition: async () => (await db.syncLog.orderBy('seq').last())?.seq ?? 0,
    friendSessions: connections.sessions,
    deviceSessions: connections.deviceSessions,
    dial: (friendHex, signal) => connections.sessionForDelivery(friendHex, signal)
  })
  const listener: ListenerLifecycle = new ListenerLifecycle({
    load: async () => (await load()).Listener,
    signing: () => me.signing(),
    topics: (epoch) => plan.listenTopics(epoch),
    trackers,
    relayUrls,
    rtcConfig,
    accept: (transport, via) => connections.accept(transport, via),
    replays: hooks.replays,
    relays: trackerDirectory.relays,
    onChange: changed,
    onStarted: () => {
      noticeSender.start()
      ownDevices.start()
      // Both tried again at the next start if the relays do not answer.
      mailbox.read().catch(() => {})
      mailbox.retryPending().catch(() => {})
    },
    onStopped: () => ownDevices.stop(),
    failure: () => me.failure
  })
  // Connection codes load with the network half too, on first use.
  let codesPart: ConnectionCodes | null = null
  let codesLoading: Promise<ConnectionCodes> | null = null
  const codesReady = (): Promise<ConnectionCodes> => {
    codesLoading ??= load().then(({ ConnectionCodes }) => (codesPart = new ConnectionCodes({
      identity: me,
      friends,
      load,
      rtcConfig,
      replays: hooks.replays,
      meetingSecrets: async (friendHex) => (await planReady()).secretsWith(friendHex),
      everyMeetingSecret: async () => (await planReady()).everySecret(),
      startSession: (transport, friendKey) => connections.startSession(transport, friendKey)
    })))
      .catch((err: unknown) => { codesLoading = null; throw err })
    return codesLoading
  }
  const codes: Pick<ConnectionCodes, 'make' | 'answer' | 'complete' | 'withdraw' | 'close'> = {
    make: async (friendHex) => (await codesReady()).make(friendHex),
    answer: async (friendHex, code) => (await codesReady()).answer(friendHex, code),
    complete: async (friendHex, answerCode) => (await codesReady()).complete(friendHex, answerCode),
    withdraw: () => codesPart?.withdraw(),
    close: () => codesPart?.close()
  }
  return { items, friends, invites, notices, devices, rotations, trackerDirectory, relayDirectory, plan, connections, ownDevices, noticeSender, hints, mailbox, listener, codes, meetAgain }
}
