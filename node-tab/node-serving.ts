// The node's serving half (node-parts.ts builds the storage half): its
// connections and sessions, my other devices, delete notices and hints to
// friends, the listener on trackers and relays, connection codes, and the
// events that cross between them (node-wiring.ts). KithNode loads this
// module with import() once something listens, dials or asks for these
// parts, so the app's first screen fetches none of it.
import { Connections } from './connections/connections'
import { OwnDevices } from './devices/own-devices'
import type { SessionHandlersDeps } from './handlers/session-handlers'
import { friendNotices } from './notices/friend-notices'
import type { ConnectionCodes } from './rendezvous/connection-codes'
import { ListenerLifecycle } from './rendezvous/listener-lifecycle'
import type { MeetingPlan } from './rendezvous/meeting-plan'
import { MeetAgain } from './devices/meet-again'
import { learnOwnRevocation } from './devices/revoked-here'
import { personSigner, signingKeyOf } from './person/person-signer'
import type { NodeHooks, StorageParts } from './node-parts'
import { wireParts, type RecoveryAsked, type WiredParts } from './node-wiring'

export type ServingCore = ReturnType<typeof buildServingCore>
export type ServingParts = ServingCore & { wired: WiredParts }
/** Both halves, as the node holds them. */
export type NodeParts = StorageParts & ServingCore

export function buildServingParts (hooks: NodeHooks, storage: StorageParts, recoveryAsked: (detail: RecoveryAsked) => void): ServingParts {
  const core = buildServingCore(hooks, storage)
  return { ...core, wired: wireParts({ ...storage, ...core }, hooks.changed, { db: hooks.db, loadedNetwork: hooks.loadedNetwork, recoveryAsked }) }
}

function buildServingCore (hooks: NodeHooks, storage: StorageParts) {
  const { db, me, settings, changed, network: load } = hooks
  const { items, friends, invites, notices, devices, rotations, signer, trackerDirectory, relayDirectory, mailbox, registries } = storage
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
  const plan: Pick<MeetingPlan, 'listenTopics' | 'prepareDial' | 'meetingFor' | 'everySecret' | 'stop'> = {
    listenTopics: async (epoch) => (await planReady()).listenTopics(epoch),
    everySecret: async () => (await planReady()).everySecret(),
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
    registries,
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
  return { plan, connections, ownDevices, noticeSender, hints, listener, codes, meetAgain }
}

/** What the serving half keeps between runs, read as it loads. */
export async function loadServingParts (parts: Pick<NodeParts, 'ownDevices' | 'items'>): Promise<void> {
  await parts.ownDevices.load()
  // Pieces of a file whose save was cut short (a crash, a closed tab).
  await parts.items.removeOrphanChunks().catch(() => { /* tried again next time */ })
}
