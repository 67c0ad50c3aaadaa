// The owner-devices benchmark (bench/systems/kith-device.mjs), one role per
// page: the owner's full device with many items, a new server device linked
// to it that syncs them (and later catches up on changes it missed), and a
// friend who talks to the owner through the server device alone.
import { toHex } from '../../shared/util/bytes'
import { parseAddress } from '../../shared/identity/identity'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NewDeviceLink } from '../../node-tab/linking/new-device'
import { NodeDatabase } from '../../node-tab/storage/db'
import { storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { seedNotes } from './people'
import { KithClient } from '../../client/api/kith-client'
import { ClientDatabase } from '../../client/cache/db'

let owner: KithNode | null = null
let deviceDbName = ''
let link: NewDeviceLink | null = null
let device: KithNode | null = null
let friend: KithNode | null = null
let friendClient: KithClient | null = null
let fullDeviceDbName = ''
let fullLink: NewDeviceLink | null = null
let fullDevice: KithNode | null = null
let friendSession: NodeSession | null = null
/** The friend's syncs started before its session through the server device. */
let friendSyncsBefore = 0

const openNode = (name: string, trackers: string[]): Promise<KithNode> =>
  KithNode.open({ db: new NodeDatabase(name), hostConfig: { trackers, relays: [], iceServers: [] } })

async function waitFor (what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs
  while (!await condition()) {
    if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Like waitFor, for a condition that only a change on `node` can make
 *  true, and that costs something to check (counting 10,000 items): checked
 *  when the node says something changed (a synced page is one), and twice
 *  a second besides, instead of every 20 ms, where the counts themselves
 *  took the database's time from the sync being measured. */
async function waitForChange (node: KithNode, what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs
  let changed = (): void => {}
  const onChange = (): void => changed()
  node.addEventListener('change', onChange)
  try {
    while (!await condition()) {
      if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500)
        changed = () => { clearTimeout(timer); resolve() }
      })
    }
  } finally {
    node.removeEventListener('change', onChange)
  }
}

/** A new device waiting to be linked, stored in `dbName` once it is. It
 *  confirms by itself: a runner does, and a person's confirming on a laptop
 *  is not what is timed. */
function waitToBeLinked (dbName: string, name: string, serverOnly: boolean, trackers: string[]): NewDeviceLink {
  const db = new NodeDatabase(dbName)
  return new NewDeviceLink({
    name,
    serverOnly,
    autoConfirm: true,
    trackers,
    rtcConfig: { iceServers: [] },
    onLinked: async (linked) => { await storeLinkedIdentity(db, linked); db.close() }
  })
}

function codeOf (waiting: NewDeviceLink): string {
  const state = waiting.state
  if (state.step !== 'waiting') throw new Error(`no link code: ${state.step}`)
  return state.codeText
}

export const devicesBench = {
  /** Owner: a full device with `items` notes for all friends. */
  deviceBenchOwner: async (trackers: string[], items: number) => {
    owner = await openNode(`kith-dev-owner-${Math.random()}`, trackers)
    await owner.setDisplayName('Bench owner')
    await seedNotes(owner.db, items)
    owner.startListening()
    return { address: owner.address }
  },
  /** New device: wait to be linked; returns the link code. */
  deviceBenchNewDevice: async (trackers: string[]) => {
    deviceDbName = `kith-dev-pi-${Math.random()}`
    link = waitToBeLinked(deviceDbName, 'bench pi', true, trackers)
    return codeOf(link)
  },
  /** Owner: open the code and approve the new device as a server. */
  deviceBenchApprove: async (code: string) => {
    const step = await owner!.openLinkCode(code)
    await step.approve({ name: 'bench pi', role: 'server' })
  },
  /** New device: once linked, open as the owner's device; seconds until it holds `expected` items. */
  deviceBenchSync: async (trackers: string[], expected: number, timeoutMs: number) => {
    await waitFor('linked', async () => link?.state.step === 'linked', 30_000)
    device = await openNode(deviceDbName, trackers)
    const t0 = performance.now()
    device.startListening()
    await waitForChange(device, 'sync', async () => await device!.db.items.count() >= expected, timeoutMs)
    return (performance.now() - t0) / 1000
  },
  deviceBenchDeviceOffline: async () => {
    device?.close()
    device = null
  },
  /** Owner: `changes` changes while the device is away (half new posts, the
   *  rest audience changes and deletions), then a last marker item. */
  deviceBenchChanges: async (changes: number) => {
    const o = owner!
    const existing = (await o.items.listMine({ limit: changes })).map((i) => i.id)
    const creates = Math.floor(changes / 2)
    const edits = Math.floor(changes * 0.3)
    for (let i = 0; i < creates; i++) await o.items.create({ type: 'post', text: `while away ${i}`, audience: { kind: 'friends' } })
    for (let i = 0; i < edits; i++) await o.items.setAudience(existing[i]!, { kind: 'me' })
    for (let i = edits; i < changes - creates - 1; i++) await o.items.delete(existing[i]!)
    return (await o.items.create({ type: 'note', text: 'last change', audience: { kind: 'friends' } })).id
  },
  /** Device: back online; seconds until it has the owner's last change. */
  deviceBenchCatchUp: async (trackers: string[], markerId: string, timeoutMs: number) => {
    device = await openNode(deviceDbName, trackers)
    const t0 = performance.now()
    device.startListening()
    await waitFor('catch-up', async () => await device!.db.items.get(markerId) !== undefined, timeoutMs)
    return (performance.now() - t0) / 1000
  },
  /** Owner: an invite for the friend page. */
  deviceBenchInvite: async () => (await owner!.invites.create({ label: 'bench friend', expiresInMs: null })).token,
  /** Friend: redeem the invite (through the owner's full device). */
  deviceBenchFriendJoin: async (trackers: string[], address: string, token: string) => {
    const tag = Math.random()
    friendClient = new KithClient(await openNode(`kith-dev-friend-${tag}`, trackers), new ClientDatabase(`kith-dev-friend-client-${tag}`))
    friend = friendClient.node
    const ownerKey = parseAddress(address)
    const session = await friend.connect(ownerKey, { inviteToken: token })
    const { owner: profile } = await session.rpc.call('redeemInvite', { token, profile: friend.profile })
    await friend.friends.add({ key: toHex(ownerKey), address, displayName: profile.displayName })
    session.rpc.close('joined')
  },
  /** Device: wait until the new friend (and the secret to meet them) synced
   *  here, then a second for the device to join the friend's pair swarm and
   *  its announce to be answered, as the kith system gives its server before
   *  the clock starts: a friend who dials before that finds nobody there and
   *  waits out a whole attempt (4 s) before the next. */
  deviceBenchFriendSynced: async (timeoutMs: number) => {
    await waitFor('friend synced', async () => (await device!.friends.list()).some((f) => f.pairSecret !== undefined), timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  },
  deviceBenchOwnerOffline: async () => {
    owner?.close()
    owner = null
  },
  /** Friend: reach the owner, now only through the server device; seconds. */
  deviceBenchFriendConnect: async (address: string) => {
    friendSyncsBefore = friendClient!.syncs.started
    const t0 = performance.now()
    friendSession = await friend!.connect(parseAddress(address), { via: 'pair' })
    const seconds = (performance.now() - t0) / 1000
    if (friendSession.remoteDevice.certificate?.role !== 'server') throw new Error('reached a device that is not the server')
    return seconds
  },
  /** Friend: wait until the sync that the session's opening started is over
   *  (a friend's client fills its cache of the owner's items then: here
   *  thousands, a few seconds of work on both pages), so that the channel
   *  figures after it measure the channel alone, as kith's do. Returns the
   *  seconds waited and the items the friend then holds. */
  deviceBenchFriendSettled: async (address: string, timeoutMs: number) => {
    const ownerKey = toHex(parseAddress(address))
    const t0 = performance.now()
    await waitFor('the friend\'s sync to start', async () => friendClient!.syncs.started > friendSyncsBefore, timeoutMs)
    await waitFor('the friend\'s sync to end', async () => !friendClient!.syncs.isBusy(ownerKey), timeoutMs)
    const items = (await (await friendClient!.feed(address)).items()).length
    return { seconds: (performance.now() - t0) / 1000, items }
  },
  /** New full device (a laptop): wait to be linked; returns the link code. */
  deviceBenchNewFullDevice: async (trackers: string[]) => {
    fullDeviceDbName = `kith-dev-laptop-${Math.random()}`
    fullLink = waitToBeLinked(fullDeviceDbName, 'bench laptop', false, trackers)
    return codeOf(fullLink)
  },
  /** Owner: the ids of the first screen of "My items" (newest 50), then
   *  approve the laptop as a full device; returns the wall-clock time of approval. */
  deviceBenchApproveFull: async (code: string) => {
    const newest = (await owner!.items.listMine({ limit: 50 })).map((i) => i.id)
    const step = await owner!.openLinkCode(code)
    const approvedAt = Date.now()
    await step.approve({ name: 'bench laptop', role: 'full' })
    return { newest, approvedAt }
  },
  /** Laptop: once linked, open as the owner's device; seconds from approval
   *  until it holds the owner's newest items (what its first screen shows). */
  deviceBenchLinkedItems: async (trackers: string[], newest: string[], approvedAt: number, timeoutMs: number) => {
    await waitFor('linked', async () => fullLink?.state.step === 'linked', 60_000)
    fullDevice = await openNode(fullDeviceDbName, trackers)
    fullDevice.startListening()
    await waitFor('newest items', async () => (await fullDevice!.db.items.bulkGet(newest)).every((row) => row !== undefined), timeoutMs)
    const seconds = (Date.now() - approvedAt) / 1000
    fullDevice.close()
    fullDevice = null
    return seconds
  },
  /** Friend: with nothing cached, a fresh session to the owner (now the
   *  server device), then seconds until the friend's feed holds the first
   *  page of items (50): what their screen shows first. */
  deviceBenchFirstPage: async (address: string, timeoutMs: number) => {
    const client = friendClient!
    friendSession?.rpc.close('measuring the first page')
    friendSession = null
    const feed = await client.feed(address)
    await feed.purge()
    await client.node.getSession(parseAddress(address))
    const t0 = performance.now()
    void feed.sync()
    await waitFor('first page', async () => (await feed.items()).length >= 50, timeoutMs)
    return (performance.now() - t0) / 1000
  },
  deviceBenchRoundTrips: async (bytes: number, rounds: number) => {
    const data = new Uint8Array(bytes)
    const times: number[] = []
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now()
      await friendSession!.rpc.call('ping', { data })
      times.push(performance.now() - t0)
    }
    return times
  },
  deviceBenchTransfer: async (bytes: number, timeoutMs: number) => {
    const t0 = performance.now()
    const { data } = await friendSession!.rpc.call('ping', { data: new Uint8Array(0), replyBytes: bytes }, { timeoutMs })
    if (data.length !== bytes) throw new Error(`got ${data.length} of ${bytes} bytes`)
    return (performance.now() - t0) / 1000
  }
}
