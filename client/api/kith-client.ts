// The KithApi the UI talks to: my node (owner side: items, friends, groups,
// invites, deletions) and my cache of friends' items (client side), behind
// one object. Elements hold no storage or network code.
import { fromHex, toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, parseAddress } from '../../shared/identity/identity'
import type { Audience } from '../../shared/protocol/items'
import type { Profile } from '../../shared/protocol/protocol'
import { loadCrypto } from '../../shared/crypto/crypto'
import type { TrackerInUse } from '../../node-tab/discovery/tracker-book'
import type { KithConfig } from '../../node-tab/person/config'
import type { KithNode, NodeStatus } from '../../node-tab/node'
import type { ItemRow } from '../../node-tab/storage/db'
import type {
  DeletionStatus, FriendSummary, GroupSummary, InviteSummary, KithApi, MyItem, NewItem
} from './app-api'
import { ClientDatabase } from '../cache/db'
import type { DevicesApi } from './devices-api'
import type { BackupApi } from './backup-api'
import { NodeBackupApi } from './backup-client'
import { inWordsIfNoRoom } from '../browser/no-room'
import { NodeDevicesApi } from './devices-client'
import { deleteNoticeHandler } from '../cache/delete-notice-handler'
import { FriendCache, type RecentQuery } from '../cache/friend-cache'
import { hintHandler } from '../cache/hint-handler'
import { SyncCoalescer } from '../friends/sync-coalescer'
import { Notifier } from '../browser/notifications'
import type { HomeEntry } from './app-api'
import type { FriendConnection } from '../friends/friend-connection'
import type { FriendFeedImpl } from '../friends/friend-feed'
import { Outbox } from '../friends/outbox'
import { SessionKeepalive } from '../friends/session-keepalive'
import { FriendFeeds } from '../friends/friend-feeds'

export class KithClient extends EventTarget implements KithApi {
  readonly cache: FriendCache
  readonly outbox: Outbox
  private readonly feeds: FriendFeeds
  readonly devices: DevicesApi
  readonly backup: BackupApi
  /** Syncs asked for by hints and by sessions opening: one in flight and one
   *  pending per friend, a second apart, each turn a slot for a limited time. */
  readonly syncs: SyncCoalescer
  readonly notifier: Notifier
  readonly keepalive: SessionKeepalive
  /** Background work (Home asking every friend) waits for the first screen,
   *  so its code (friend feeds, cryptography) does not hold the screen up. */
  private firstScreen: Promise<void> = Promise.resolve()

  constructor (readonly node: KithNode, clientDb: ClientDatabase = new ClientDatabase()) {
    super()
    this.devices = new NodeDevicesApi(node)
    this.backup = new NodeBackupApi(node.db)
    this.cache = new FriendCache(clientDb)
    this.outbox = new Outbox(clientDb)
    this.feeds = new FriendFeeds(node, this.cache, this.outbox)
    this.notifier = new Notifier(clientDb)
    // The saved choice is read once: show it as soon as it is known.
    void this.notifier.ready.then(() => this.feedChanged())
    this.syncs = new SyncCoalescer(async (key, signal) => {
      await loadCrypto() // for the address (Home asks every friend as it opens)
      await (await this.feed(addressFromPublicKey(fromHex(key)))).sync({ signal })
    })
    node.registerHandlers((remoteHex) => ({
      ...deleteNoticeHandler(this.cache, remoteHex, () => { this.changed(); this.feedChanged() }),
      ...hintHandler(remoteHex, { isFriend: (key) => this.node.friends.isFriend(key), syncSoon: (key) => this.syncs.request(key) })
    }))
    // What friends left in my mailbox on relays: into the cache by the doors a live answer uses.
    node.mailbox.onLetters = async (owner, letters, files) => {
      const { takeLetters } = await import('../cache/mailbox-intake')
      const taken = await takeLetters(this.cache, owner, letters, files)
      if (taken.forgotten > 0) { this.changed(); this.feedChanged() }
      return { forgotten: taken.forgottenBy }
    }
    this.cache.onStored = () => this.feedChanged()
    this.cache.onNewItems = (owner, items) => { void this.announce(owner, items) }
    node.addEventListener('change', () => this.dispatchEvent(new Event('change')))
    // A friend who was offline (or I was) is synced as soon as a session
    // with them opens, whoever dialled; that also sends what was queued.
    // Anyone else: only what was queued for them.
    node.sessions.addEventListener('opened', (ev) => { void this.sessionOpened((ev as CustomEvent<string>).detail) })
    // Friends' live hints come over the sessions I dialled: kept while this page is open.
    this.keepalive = new SessionKeepalive(node)
  }

  private async sessionOpened (peerHex: string): Promise<void> {
    if (await this.node.friends.isFriend(peerHex).catch(() => false)) this.syncs.request(peerHex)
    else await this.drainQueued(peerHex)
  }

  /** New items in my cache: a notification, if chosen. */
  private async announce (owner: string, items: Parameters<Notifier['newItems']>[2]): Promise<void> {
    const name = (await this.friendNames().catch(() => new Map<string, string>())).get(owner) ?? 'A friend'
    this.notifier.newItems(name, owner, items)
  }

  get address (): string { return this.node.address }
  get profile (): Profile { return this.node.profile }
  get config (): KithConfig { return this.node.currentConfig }
  get lastRejected (): string | null { return this.node.lastRejected }
  status (): NodeStatus { return this.node.status() }
  setDisplayName (name: string): Promise<void> { return this.node.setDisplayName(name) }
  saveConfig (config: Partial<KithConfig>): Promise<void> { return this.node.saveConfig(config) }
  trackerList (): TrackerInUse[] { return this.node.trackerDirectory.inUse() }
  async removeSharedTracker (url: string): Promise<void> { this.node.trackerDirectory.removeShared(url) }
  relayList (): TrackerInUse[] { return this.node.relayDirectory.inUse() }
  configuredRelays (): string[] { return this.node.currentConfig.relays ?? [] }
  async removeSharedRelay (url: string): Promise<void> { this.node.relayDirectory.removeShared(url) }
  resetRelays (): Promise<void> { return this.node.resetRelays() }
  makeConnectionCode (friendAddress: string): Promise<string> { return this.node.makeConnectionCode(keyHexOf(friendAddress)) }
  answerConnectionCode (friendAddress: string, code: string): Promise<{ answerCode: string, connected: Promise<void> }> {
    return this.node.answerConnectionCode(keyHexOf(friendAddress), code)
  }
  completeConnection (friendAddress: string, answerCode: string): Promise<void> { return this.node.completeConnection(keyHexOf(friendAddress), answerCode) }
  async connectTo (address: string): Promise<FriendConnection> {
    const { FriendConnection } = await import('../friends/friend-connection') // not on the first screen
    return new FriendConnection(this.node, address, this.cache)
  }
  get discoverable (): boolean { return this.node.discoverable }
  async setDiscoverable (on: boolean): Promise<void> {
    await loadCrypto() // a signed setting, perhaps before serving has loaded the code
    return this.node.setDiscoverable(on)
  }

  // — my items —
  async listMyItems (opts: { limit?: number } = {}): Promise<MyItem[]> {
    return (await this.node.items.listMine(opts)).map(toMyItem)
  }

  async createItem (item: NewItem, onProgress?: (fraction: number) => void): Promise<MyItem> {
    const row = await this.node.items.create(item, onProgress).catch(async (err: unknown) => {
      throw await inWordsIfNoRoom(err, 'Nothing of it was saved. Free some space (or clear the copies from friends in Settings), then try again.')
    })
    this.node.itemsChanged([row.id])
    this.toMailbox([row.id])
    this.changed()
    return toMyItem(row)
  }

  async editItemText (itemId: string, text: string): Promise<MyItem> {
    const row = await this.node.items.editText(itemId, text)
    this.node.itemsChanged([row.id])
    this.toMailbox([row.id])
    this.changed()
    return toMyItem(row)
  }

  async setAudience (itemId: string, audience: Audience): Promise<void> {
    await this.node.items.setAudience(itemId, audience)
    this.node.itemsChanged([itemId])
    this.node.noticesMayHaveChanged()
    this.toMailbox([itemId], true)
  }

  async deleteItem (itemId: string): Promise<void> {
    await this.node.items.delete(itemId)
    this.node.noticesMayHaveChanged()
    this.toMailbox([itemId], true)
  }

  /** Letters on my relays for friends who may be offline: the items to those
   *  who may see them, and (`notices`) "forget it" to those owed a delete
   *  notice. Waits for nothing: a relay that does not take them changes
   *  nothing here (live sessions deliver as before). */
  private toMailbox (itemIds: string[], notices = false): void {
    const sent = async (): Promise<void> => {
      if (notices) await this.node.mailbox.noticesChanged(itemIds)
      await this.node.mailbox.itemsChanged(itemIds)
    }
    sent().catch(() => { /* the relays are unreachable; live sessions deliver */ })
  }

  myFile (itemId: string): Promise<Blob | null> {
    return this.node.items.fileBlob(itemId)
  }

  async listDeletions (): Promise<DeletionStatus[]> {
    const names = await this.friendNames()
    return (await this.node.notices.listDeletions()).map((row) => ({
      id: row.id,
      itemId: row.itemId,
      itemType: row.itemType,
      reason: row.reason,
      at: row.at,
      ...(row.itemCreatedAt !== undefined ? { itemCreatedAt: row.itemCreatedAt } : {}),
      ...(row.itemPhoto ? { itemPhoto: true } : {}),
      friends: Object.entries(row.friends).map(([key, confirmed]) => ({ key, displayName: names.get(key) ?? 'a former friend', confirmed }))
    }))
  }

  async dismissDeletion (id: string): Promise<void> {
    await this.node.notices.dismissDeletion(id)
    this.changed()
  }

  // — friends and groups —
  async listFriends (): Promise<FriendSummary[]> {
    const [friends, groups] = await Promise.all([this.node.friends.list(), this.node.friends.listGroups()])
    if (friends.length === 0) return []
    // The safety codes need the cryptography code: loaded only with friends.
    const [{ safetyCode }] = await Promise.all([import('../../shared/identity/safety-code'), loadCrypto()])
    return friends.map((f) => ({
      key: f.key,
      address: f.address,
      displayName: f.displayName,
      addedAt: f.addedAt,
      online: this.node.sessions.isOnline(f.key),
      safetyCode: safetyCode(this.node.identityKey, fromHex(f.key)),
      groupIds: groups.filter((g) => g.memberKeys.includes(f.key)).map((g) => g.id)
    }))
  }

  /** Ends the friendship on my side too: my cached copies of their items go,
   *  since their later deletions could no longer reach me (we stop meeting,
   *  and a stranger's notices are refused). */
  async removeFriend (key: string): Promise<void> {
    await this.node.removeFriend(key)
    await this.cache.purge(key)
    this.changed()
    this.feedChanged()
  }

  async listGroups (): Promise<GroupSummary[]> {
    return (await this.node.friends.listGroups()).map((g) => ({ id: g.id, name: g.name, memberKeys: g.memberKeys }))
  }

  async createGroup (name: string): Promise<GroupSummary> {
    const g = await this.node.friends.createGroup(name)
    this.changed()
    return { id: g.id, name: g.name, memberKeys: [] }
  }

  async renameGroup (id: string, name: string): Promise<void> {
    await this.node.friends.renameGroup(id, name)
    this.changed()
  }

  async deleteGroup (id: string): Promise<void> {
    await this.node.friends.deleteGroup(id)
    this.node.noticesMayHaveChanged()
  }

  async setMembership (groupId: string, friendKey: string, member: boolean): Promise<void> {
    await this.node.friends.setMembership(groupId, friendKey, member)
    if (member) this.node.friendsMaySeeMore([friendKey])
    this.node.noticesMayHaveChanged()
  }

  // — invites (invites-client.ts) —
  async createInvite (opts: { label: string, expiresInMs: number | null }): Promise<InviteSummary> {
    const { createInvite, inviteSummary } = await invitesCode()
    const row = await createInvite(this.node, opts)
    this.changed()
    return inviteSummary(this.node, row, await this.friendNames())
  }

  async listInvites (): Promise<InviteSummary[]> { return (await invitesCode()).listInvites(this.node, await this.friendNames()) }

  async revokeInvite (id: string): Promise<void> {
    await this.node.invites.revoke(id)
    this.changed()
  }

  async acceptInvite (address: string, token: string, signal?: AbortSignal): Promise<Profile> {
    const owner = await (await invitesCode()).acceptInvite(this.node, address, token, signal)
    this.changed()
    return owner
  }

  // — friends' items —
  /** One feed per friend (friends/friend-feeds.ts). */
  feed (ownerAddress: string): Promise<FriendFeedImpl> { return this.feeds.get(ownerAddress) }

  // — Home: every friend's items together —
  async homeItems (query: RecentQuery): Promise<HomeEntry[]> {
    const [entries, friends] = await Promise.all([this.cache.recent(query), this.node.friends.list()])
    const byKey = new Map(friends.map((f) => [f.key, f]))
    // A former friend's address is computed (friends' are stored): only then
    // is the cryptography code needed here.
    if (entries.some((e) => !byKey.has(e.owner))) await loadCrypto()
    return entries.map((e) => ({
      ...e,
      ownerAddress: byKey.get(e.owner)?.address ?? addressFromPublicKey(fromHex(e.owner)),
      ownerName: byKey.get(e.owner)?.displayName || (byKey.has(e.owner) ? 'A friend without a name' : 'A former friend')
    }))
  }

  unreadCount (): Promise<number> { return this.cache.unreadCount() }

  async markRead (keys: Array<{ owner: string, id: string }>): Promise<void> {
    if (await this.cache.markRead(keys) > 0) this.feedChanged()
  }

  async markAllRead (): Promise<void> {
    await this.cache.markAllRead()
    this.feedChanged()
  }

  /** Fetches what changed from every friend (each queued while they are offline). */
  async syncAllFriends (): Promise<void> {
    await this.firstScreen
    for (const f of await this.node.friends.list()) this.syncs.request(f.key)
  }

  /** Set by the boot: settles once the first screen is up (start-node.ts). */
  deferBackgroundWorkUntil (firstScreen: Promise<void>): void {
    this.firstScreen = firstScreen.catch(() => {})
  }

  get notificationsEnabled (): boolean { return this.notifier.isEnabled }
  async setNotifications (on: boolean): Promise<void> {
    await this.notifier.setEnabled(on)
    this.feedChanged()
  }

  async purgeAllCaches (): Promise<void> {
    await this.cache.purgeAll()
    this.changed()
    this.feedChanged()
  }

  /** Performs requests that were queued for this peer while it was offline. */
  private async drainQueued (peerHex: string): Promise<void> {
    if ((await this.outbox.pending(peerHex)).length === 0) return
    const feed = await this.feed(addressFromPublicKey(fromHex(peerHex)))
    await feed.drainQueued().catch(() => { /* stays queued; retried on the next connection */ })
    this.changed()
  }

  private async friendNames (): Promise<Map<string, string>> {
    return new Map((await this.node.friends.list()).map((f) => [f.key, f.displayName || 'a friend without a name']))
  }

  /** My cache of friends' items changed (Home listens to this alone, not to
   *  every change of the node's status). */
  private feedChanged (): void {
    this.dispatchEvent(new Event('feed-change'))
  }

  /** Through the node, so it also re-reads friends and invites for its
   *  swarms; the node's 'change' comes back here as ours. */
  private changed (): void {
    this.node.changed()
  }
}

function toMyItem (row: ItemRow): MyItem {
  const item: MyItem = { id: row.id, type: row.type, text: row.text, createdAt: row.createdAt, updatedAt: row.updatedAt, audience: row.audience }
  if (row.file) item.file = row.file
  return item
}

function keyHexOf (address: string): string {
  return toHex(parseAddress(address))
}

/** Invites' code: the Invites tab and an invite link load it, the first screen does not. */
/** The invites' code, and the cryptography they sign and check with: an
 *  invite made or accepted in the first seconds, before serving has loaded
 *  it (start-node.ts), must not fail for want of it. */
async function invitesCode (): Promise<typeof import('./invites-client')> {
  const [code] = await Promise.all([import('./invites-client'), loadCrypto()])
  return code
}
