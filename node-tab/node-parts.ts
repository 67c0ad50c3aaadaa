// Builds the node's parts in two halves. This one, the storage half, is what
// opening a node and showing the owner's data needs: the stores, the person's
// rotations, the tracker and relay lists, the registries of open sessions and
// the mailbox's lazy front. The serving half (node-serving.ts: connections,
// my other devices, notices and hints, the listener, connection codes) is
// loaded with import() by KithNode, so the first screen fetches none of it
// (bench/README.md, kith-app). Each part gets, through its options, only the
// few functions of the others it needs.
import { grantFriend, grantInvite } from '../shared/identity/grants'
import { proveMeetingSecret } from '../shared/identity/meeting-secret-grants'
import { fromHex } from '../shared/util/bytes'
import { KithError } from '../shared/wire/errors'
import { sessionRegistries } from './connections/sessions'
import type { ReplayGuard } from './discovery/replay-guard'
import { TrackerDirectory } from './discovery/tracker-directory'
import { RelayDirectory } from './relays/relay-directory'
import type { HandlerProvider } from './handlers/session-handlers'
import type { IncomingSessionLimits } from './connections/incoming-sessions'
import type { NodeIdentity } from './identity/node-identity'
import type { Network } from './network-loader'
import { NoticesStore } from './notices/notices-store'
import type { PersonSettings } from './person/person-settings'
import type { SessionLimits } from './connections/session-limits'
import type { NodeDatabase } from './storage/db'
import { relaysInConfig, type KithConfig } from './person/config'
import type { RouteStatus } from './rendezvous/channel'
import { DevicesStore } from './storage/devices-store'
import { PersonRotations } from './person/rotations'
import { personSigner, signingKeyOf, type PersonSignerDeps } from './person/person-signer'
import type { SignedAct } from './devices/signing-key-words'
import { FriendsStore } from './storage/friends-store'
import { InvitesStore } from './storage/invites-store'
import { ItemsStore } from './storage/items-store'
import { LazyMailbox } from './mailbox/mailbox-lazy'
import type { AppliedChanges } from './sync/apply'
import type { RevokedBy } from './devices/revoked-here'

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
  /** The app's first screen: open with the storage half only; the serving
   *  half loads on the first listen, dial or `serving()` (KithNode). */
  servingLater?: boolean
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
  /** My other devices' sync reads the devices afresh (once the serving half
   *  has loaded; until then there is nothing to tell). */
  followDeviceChanges: () => void
  /** Every meeting secret (the serving half's meeting plan, loaded if need be). */
  everySecret: () => Promise<Array<[string, Uint8Array]>>
  /** On a kept full device without Sₙ: where `what` can be done instead
   *  (my other devices name the holders once the serving half has loaded). */
  signingElsewhere: (what: SignedAct) => string
  providers: readonly HandlerProvider[]
  changed: () => void
  followSynced: (changes: AppliedChanges) => void
  deviceRevoked: (deviceHex: string) => void
  /** This device was told it is revoked: it stops serving. */
  revokedHere: (note: RevokedBy) => void
  incomingLimits?: Partial<IncomingSessionLimits>
  sessionLimits?: Partial<SessionLimits>
}

export type StorageParts = ReturnType<typeof buildStorageParts>

export function buildStorageParts (hooks: NodeHooks) {
  const { db, me, settings } = hooks
  const items = new ItemsStore(db)
  const friends = new FriendsStore(db)
  const invites = new InvitesStore(db, friends)
  const notices = new NoticesStore(db)
  // My rotations' keys (S₁…Sₙ) as followed here: rows they signed are mine too.
  const devices = new DevicesStore(db, me.identityKey, () => rotations.rotationsOf(me.identityKey))
  const rotations = new PersonRotations(db, me.identityKey, hooks.followDeviceChanges)
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
      if (!s) throw new KithError('UNAUTHORIZED', hooks.signingElsewhere('invite'))
      return grantInvite(s, invite)
    }
    settings.rotated = { signer: () => personSigner(signer), elsewhere: () => hooks.signingElsewhere('discoverable') }
  }
  // "Hide my IP address" leaves the configured relays as it leaves the
  // owner's trackers (a relay, like a tracker, sees the WebSocket's address
  // and nothing of a connection to a friend), and drops friends' ones.
  const relayDirectory = new RelayDirectory(db, () => relaysInConfig(settings.current), () => settings.current.relaysOff === true, () => settings.current.relayOnly === true)
  const trackerDirectory = new TrackerDirectory(db, () => settings.current.trackers, () => settings.current.relayOnly === true,
    (friendHex, urls, now) => relayDirectory.heard(friendHex, urls, now))
  // Who is online shows from the first screen on; the sessions come later.
  const { sessions, deviceSessions } = sessionRegistries(hooks.sessionLimits)
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
    relayUrls: () => relayDirectory.urls(),
    secrets: hooks.everySecret
  })
  // A friend's acknowledgement by mailbox shows as a live one does.
  mailbox.onAcknowledged = hooks.changed
  return { items, friends, invites, notices, devices, rotations, signer, trackerDirectory, relayDirectory, mailbox, registries: { sessions, deviceSessions } }
}
