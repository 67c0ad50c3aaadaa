// The events that cross between the node's parts (node-parts.ts builds
// them): what a session that opens is asked and sent, what a tracker or
// relay list that changes restarts, when a former friend's session goes.
import { parseRecoveryRecordAnswer } from '../shared/protocol/protocol'
import type { NodeHooks } from './node-parts'
import type { FriendsStore } from './storage/friends-store'
import type { NoticesStore } from './notices/notices-store'
import type { NoticeSender } from './notices/notice-sender'
import type { TrackerDirectory } from './discovery/tracker-directory'
import type { RelayDirectory } from './relays/relay-directory'
import type { ListenerLifecycle } from './rendezvous/listener-lifecycle'
import type { PersonRotations } from './person/rotations'
import type { SessionRegistry } from './connections/sessions'

/** The parts whose events cross (both halves: node-parts.ts, node-serving.ts). */
export interface WiredPartsOf {
  connections: { sessions: SessionRegistry }
  friends: FriendsStore
  notices: NoticesStore
  noticeSender: NoticeSender
  trackerDirectory: TrackerDirectory
  relayDirectory: RelayDirectory
  listener: ListenerLifecycle
  rotations: PersonRotations
}

const RECOVERY_ASK_TIMEOUT_MS = 10_000

/** How asking a friend for their recovery record ended: `kept` when what
 *  this device keeps for them changed, else why not. */
export interface RecoveryAsked { friendKey: string, outcome: 'kept' | 'unchanged' | 'none' | 'refused' }

/** What wireParts gives back: a friendship made while its session is
 *  already open (an invite just accepted over it) is asked what a new
 *  session is asked, since at the session's opening they were no friend. */
export interface WiredParts { friendJoined: (remoteHex: string) => void }

/** The events that cross between parts: a session that opens gets waiting
 *  notices and is asked for working trackers; a former friend's session
 *  closes once every notice to them is confirmed. */
export function wireParts (parts: WiredPartsOf, changed: () => void, hooks: Pick<NodeHooks, 'db' | 'loadedNetwork'> & { recoveryAsked: (detail: RecoveryAsked) => void }): WiredParts {
  const { connections: { sessions }, friends, notices, noticeSender, trackerDirectory, relayDirectory, listener } = parts
  trackerDirectory.addEventListener('change', changed)
  trackerDirectory.addEventListener('trackers-changed', () => { listener.setTrackers(trackerDirectory.urls()); changed() })
  relayDirectory.addEventListener('change', changed)
  // Relays sit inside the listener's channel: a new list starts it over.
  relayDirectory.addEventListener('relays-changed', () => { listener.restart(); changed() })
  noticeSender.addEventListener('acknowledged', (ev) => {
    changed()
    void closeIfFormerFriend((ev as CustomEvent<{ friendKey: string }>).detail.friendKey)
  })
  sessions.addEventListener('opened', (ev) => {
    const remoteHex = (ev as CustomEvent<string>).detail
    noticeSender.kick(remoteHex)
    changed()
    askNewFriend(remoteHex)
  })
  sessions.addEventListener('closed', changed)

  /** A friend's working trackers and recovery record, asked over the open
   *  session (each ask checks they are a friend). */
  function askNewFriend (remoteHex: string): void {
    void askForTrackers(remoteHex)
    void askForRecoveryRecord(remoteHex)
  }

  /** A removed friend is dialled only to deliver delete notices; once they
   *  are all confirmed the session goes, so they cannot linger connected. */
  async function closeIfFormerFriend (keyHex: string): Promise<void> {
    if (await friends.isFriend(keyHex)) return
    if ((await notices.pendingFor(keyHex, 1)).length > 0) return
    sessions.closeAll(keyHex, 'you are no longer friends')
  }

  /** A friend's recovery record, asked of every session with them: the
   *  first one is kept, and a later one only if the kept recovery key
   *  signed it (person/recovery.ts). An older node that does not know the
   *  method, or a record that breaks the rules, changes nothing. */
  async function askForRecoveryRecord (remoteHex: string): Promise<void> {
    if (!await friends.isFriend(remoteHex)) return
    const session = sessions.get(remoteHex)
    if (!session) return
    let outcome: RecoveryAsked['outcome']
    try {
      const offered = parseRecoveryRecordAnswer(await session.rpc.call('recoveryRecord', {}, { timeoutMs: RECOVERY_ASK_TIMEOUT_MS }))
      outcome = offered === null ? 'none' : await hooks.loadedNetwork().learnFriendRecoveryRecord(hooks.db, session.remotePublicKey, offered) ? 'kept' : 'unchanged'
      // Their rotations are followed from now on, against the R just kept.
      if (outcome === 'kept') await parts.rotations.load()
    } catch {
      outcome = 'refused' // refused, or not answered: what is kept stays as it was
    }
    if (outcome === 'kept') changed()
    hooks.recoveryAsked({ friendKey: remoteHex, outcome })
  }

  /** A friend's node may know trackers that work when mine do not (my own
   *  devices' sessions are in another registry). */
  async function askForTrackers (remoteHex: string): Promise<void> {
    if (!await friends.isFriend(remoteHex)) return
    const session = sessions.get(remoteHex)
    if (session) await trackerDirectory.askFriend(remoteHex, session)
  }

  return { friendJoined: askNewFriend }
}
