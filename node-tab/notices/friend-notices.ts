// What goes out to friends without being asked: delete notices (with device
// revocations ahead of them), delivered over an open session or a
// background dial, and live hints that something they may see changed.
import type { Connections } from '../connections/connections'
import type { NodeIdentity } from '../identity/node-identity'
import type { NodeDatabase } from '../storage/db'
import type { DevicesStore } from '../storage/devices-store'
import type { FriendsStore } from '../storage/friends-store'
import { loadViewers } from '../storage/revoke'
import { RevocationQueue } from '../devices/revocation-queue'
import { HintSender } from './hint-sender'
import { NoticeSender } from './notice-sender'
import type { NoticesStore } from './notices-store'

export interface FriendNoticesDeps {
  db: NodeDatabase
  identity: NodeIdentity
  notices: NoticesStore
  friends: FriendsStore
  devices: DevicesStore
  connections: Pick<Connections, 'sessions' | 'sessionForDelivery'>
}

export function friendNotices (deps: FriendNoticesDeps): { noticeSender: NoticeSender, hints: HintSender } {
  const { sessions } = deps.connections
  const noticeSender = new NoticeSender({
    store: deps.notices,
    // A server device passes a new meeting secret on only with a revocation (see friend-revocations.ts).
    queues: [new RevocationQueue(deps.friends, deps.devices, deps.identity.role === 'full')],
    getSession: (friendKey, signal) => deps.connections.sessionForDelivery(friendKey, signal)
  })
  const hints = new HintSender({
    onlineKeys: () => sessions.onlineKeys(),
    sessionsOf: (key) => sessions.openSessions(key),
    viewers: (keys) => loadViewers(deps.db, keys),
    audiences: async (ids) => (await deps.db.items.bulkGet(ids)).map((row) => row?.audience)
  })
  return { noticeSender, hints }
}
