// What the UI can ask of Kith: one object the Lit elements receive as a
// property (`api`), so elements hold no storage or network code. It fires
// 'change' whenever anything it can answer may have changed.
import type { Audience, ItemType, NewItem, SharedItem } from '../../shared/protocol/items'
import type { Profile } from '../../shared/protocol/protocol'
import type { NodeStatus } from '../../node-tab/node'
import type { DeletionReason, ItemRow } from '../../node-tab/storage/db'
import type { TrackerInUse } from '../../node-tab/discovery/tracker-book'
import type { KithConfig } from '../../node-tab/person/config'
import type { FriendConnection } from '../friends/friend-connection'
import type { DevicesApi } from './devices-api'
import type { BackupApi } from './backup-api'

/** One of my items, as stored (content and audience). */
export type MyItem = Omit<ItemRow, 'listedAt'>

/** Lives in shared/ (the node's store takes it too); re-exported for the UI. */
export type { NewItem } from '../../shared/protocol/items'

export interface FriendSummary {
  key: string
  address: string
  displayName: string
  addedAt: number
  online: boolean
  /** The same on both sides; compare it in person. */
  safetyCode: string
  groupIds: string[]
}

export interface GroupSummary { id: string, name: string, memberKeys: string[] }

export interface InviteSummary {
  id: string
  label: string
  createdAt: number
  expiresAt: number | null
  status: 'pending' | 'used' | 'revoked' | 'expired'
  usedByName?: string
  /** The link to send (…#/invite/<my address>/<token>); only while pending. */
  link?: string
}

export interface DeletionStatus {
  id: string
  itemId: string
  itemType: ItemType
  reason: DeletionReason
  at: number
  /** When the item was made (absent in requests from before this was kept). */
  itemCreatedAt?: number
  /** It was a photo (by the type it was shared with). */
  itemPhoto?: boolean
  friends: Array<{ key: string, displayName: string, confirmed: boolean }>
}

export type FeedState =
  | 'idle'
  | 'syncing'
  /** The friend is offline; the request waits in the queue and goes out when they are back. */
  | 'queued'
  | 'not-a-friend'

export interface FeedItem extends SharedItem {
  /** The file's bytes are in my cache. */
  fileCached: boolean
}

/** Older items of a friend's were left out of my cache: this browser keeps
 *  at most so much of one friend's items. */
export interface CacheLimit {
  /** The limit reached: their items' size, or how many there are. */
  by: 'bytes' | 'items'
  maxBytes: number
  maxItems: number
}

/** One item on the Home feed, with whose it is. */
export interface HomeEntry {
  /** The friend's public key, hex. */
  owner: string
  ownerAddress: string
  ownerName: string
  item: FeedItem
  unread: boolean
}

/** A friend's items as I have them cached, and the requests for more. */
export interface FriendFeed extends EventTarget {
  readonly ownerAddress: string
  readonly state: FeedState
  readonly lastError: string | null
  readonly lastSyncAt: number | null
  /** Set once older items of theirs were left out to fit what this browser
   *  keeps of one friend; null otherwise (and after a purge). */
  readonly leftOut: CacheLimit | null
  items (): Promise<FeedItem[]>
  /** Fetch what changed since my cursor; queued if they are offline. */
  sync (): Promise<void>
  /** Download a file item into my cache piece by piece, reporting progress
   *  (0..1); after a reload it resumes from the pieces already stored. The
   *  Blob is assembled from the stored pieces, not held in memory. */
  fetchFile (id: string, onProgress?: (fraction: number) => void): Promise<Blob>
  /** The file if it is completely in my cache. */
  fileBlob (id: string): Promise<Blob | null>
  /** Forget everything cached from this friend (it can be fetched again). */
  purge (): Promise<void>
  close (): void
}

export interface KithApi extends EventTarget {
  readonly address: string
  readonly profile: Profile
  status (): NodeStatus
  setDisplayName (name: string): Promise<void>
  readonly config: KithConfig
  saveConfig (config: Partial<KithConfig>): Promise<void>
  /** The trackers in use, in order, with where each came from (mine,
   *  remembered as working, or shared by friends). */
  trackerList (): TrackerInUse[]
  /** Stop using a tracker a friend shared; that friend cannot add it again. */
  removeSharedTracker (url: string): Promise<void>
  /** The relays in use, in order: mine (or the host's, or the defaults),
   *  then friends'; none while relays are turned off. */
  relayList (): TrackerInUse[]
  /** The relays as configured (kept while relays are turned off). */
  configuredRelays (): string[]
  /** Stop using a relay a friend shared; that friend cannot add it again. */
  removeSharedRelay (url: string): Promise<void>
  /** Drop my relay list: the host's (or the defaults) apply again. */
  resetRelays (): Promise<void>
  /** Connecting without a tracker: my connection code for a friend (sealed
   *  to them, single use, ten minutes); a friend's code answered (the
   *  answer code to send back; `connected` settles when the connection is
   *  up); their answer to mine (resolves once connected). */
  makeConnectionCode (friendAddress: string): Promise<string>
  answerConnectionCode (friendAddress: string, code: string): Promise<{ answerCode: string, connected: Promise<void> }>
  completeConnection (friendAddress: string, answerCode: string): Promise<void>
  /** The last incoming connection refused by the handshake, in plain words. */
  readonly lastRejected: string | null
  /** Anyone who knows my address can reach me (and see my name); off by default. */
  readonly discoverable: boolean
  setDiscoverable (on: boolean): Promise<void>
  /** A live, self-reconnecting connection to someone's tab (name, round
   *  trip); its code loads on the first call. */
  connectTo (address: string): Promise<FriendConnection>

  listMyItems (opts?: { limit?: number }): Promise<MyItem[]>
  /** A file is written in pieces; onProgress reports the fraction saved (0..1). */
  createItem (item: NewItem, onProgress?: (fraction: number) => void): Promise<MyItem>
  setAudience (itemId: string, audience: Audience): Promise<void>
  /** New text for my note or post (or a file's caption); friends get it on their next sync. */
  editItemText (itemId: string, text: string): Promise<MyItem>
  deleteItem (itemId: string): Promise<void>
  myFile (itemId: string): Promise<Blob | null>
  listDeletions (): Promise<DeletionStatus[]>
  dismissDeletion (id: string): Promise<void>

  listFriends (): Promise<FriendSummary[]>
  removeFriend (key: string): Promise<void>

  listGroups (): Promise<GroupSummary[]>
  createGroup (name: string): Promise<GroupSummary>
  renameGroup (id: string, name: string): Promise<void>
  deleteGroup (id: string): Promise<void>
  setMembership (groupId: string, friendKey: string, member: boolean): Promise<void>

  createInvite (opts: { label: string, expiresInMs: number | null }): Promise<InviteSummary>
  listInvites (): Promise<InviteSummary[]>
  revokeInvite (id: string): Promise<void>
  /** Redeem a friend's invite: connect to them and become friends. */
  acceptInvite (address: string, token: string, signal?: AbortSignal): Promise<Profile>

  /** One friend's feed (its code loads on the first call). */
  feed (ownerAddress: string): Promise<FriendFeed>
  /** Every friend's cached items, newest first. The api fires 'feed-change'
   *  whenever they (or their read marks) may have changed. */
  homeItems (query: { owner?: string, type?: ItemType, limit: number }): Promise<HomeEntry[]>
  unreadCount (): Promise<number>
  markRead (keys: Array<{ owner: string, id: string }>): Promise<void>
  markAllRead (): Promise<void>
  syncAllFriends (): Promise<void>
  /** Browser notifications for new items while the tab is hidden (off by default). */
  readonly notificationsEnabled: boolean
  setNotifications (on: boolean): Promise<void>
  purgeAllCaches (): Promise<void>

  /** My own devices: list, link, revoke (DESIGN §6a). */
  readonly devices: DevicesApi

  /** Storage (persistent, used, quota) and encrypted backups. */
  readonly backup: BackupApi
}
