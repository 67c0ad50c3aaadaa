// Benchmark steps on relays (bench/systems/kith-relay.mjs), one person per
// harness page: connecting with the tracker down and only the relay up; a
// post reaching a friend who was away, through the mailbox alone; and what
// one post to 250 friends costs on a relay (counted at the relay by the
// bench, not here).
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { KithClient } from '../../client/api/kith-client'
import { ClientDatabase } from '../../client/cache/db'
import { addressFromPublicKey, createIdentity, parseAddress } from '../../shared/identity/identity'
import { loadCrypto } from '../../shared/crypto/crypto'
import { toHex } from '../../shared/util/bytes'
import { befriendAndSync } from './people'

interface Routes { trackers: string[], relays: string[] }

let person: { client: KithClient, names: { node: string, client: string } } | null = null
let connectNode: KithNode | null = null
let connectSession: NodeSession | null = null

/** A node (listening when asked) and the client over it, in databases named `names`. */
async function open (routes: Routes, names: { node: string, client: string }, listen = true): Promise<KithClient> {
  const node = await KithNode.open({ db: new NodeDatabase(names.node), hostConfig: { trackers: routes.trackers, relays: routes.relays, iceServers: [] } })
  const client = new KithClient(node, new ClientDatabase(names.client))
  if (listen) node.startListening()
  person = { client, names }
  return client
}

const freshNames = (prefix: string): { node: string, client: string } => {
  const tag = Math.random().toString(36).slice(2)
  return { node: `${prefix}-node-${tag}`, client: `${prefix}-client-${tag}` }
}

const mine = (): KithClient => {
  if (!person) throw new Error('nobody is open on this page')
  return person.client
}

const until = async (cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = performance.now() + timeoutMs
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export const relayBench = {
  /** An owner listening on these routes, with an invite for a friend. */
  relayBenchOwner: async (routes: Routes) => {
    const client = await open(routes, freshNames('kith-relay-owner'))
    const { token } = await client.node.invites.create({ label: 'relay bench', expiresInMs: null })
    return { address: client.address, token }
  },

  /** Resolves once every relay of this page's node is connected and its
   *  subscription is in (the listener's status says working). */
  relayBenchRelaysUp: async (timeoutMs: number) => {
    const node = mine().node
    await until(() => node.status().relays.length > 0 && node.status().relays.every((r) => r.health === 'working'), timeoutMs, 'the relays to connect')
  },

  /** connect_s as the kith system measures it (node open → the answer to
   *  redeeming the invite), on these routes (here: the tracker down, the relay up). */
  relayBenchConnect: async (address: string, token: string, routes: Routes) => {
    connectNode = await KithNode.open({ db: new NodeDatabase(`kith-relay-dialer-${Math.random()}`), hostConfig: { trackers: routes.trackers, relays: routes.relays, iceServers: [] } })
    const ownerKey = parseAddress(address)
    const t0 = performance.now()
    connectSession = await connectNode.connect(ownerKey, { inviteToken: token })
    await connectSession.rpc.call('redeemInvite', { token, profile: connectNode.profile })
    return (performance.now() - t0) / 1000
  },

  /** A friend joins the owner by invite (live, through the tracker), then goes away. */
  relayBenchFriendJoinsAndLeaves: async (routes: Routes, ownerAddress: string, token: string) => {
    const client = await open(routes, freshNames('kith-relay-friend'))
    await befriendAndSync(client, ownerAddress, token)
    client.node.close()
    return person!.names
  },

  /** The owner shares a post while the friend is away, waits until a relay
   *  took its bundle and wrap event, and goes away too. */
  relayBenchShareAndLeave: async (text: string) => {
    const node = mine().node
    const item = await node.items.create({ type: 'post', text, audience: { kind: 'friends' } })
    const published = await node.mailbox.itemsChanged([item.id])
    if (published < 2) throw new Error('no relay took the bundle and its wrap')
    node.close()
    return published
  },

  /** The friend comes back: seconds from their node opening to the post in their cache. */
  relayBenchFriendReturns: async (routes: Routes, names: { node: string, client: string }, ownerAddress: string, text: string, timeoutMs: number) => {
    const t0 = performance.now()
    const client = await open(routes, names)
    const feed = await client.feed(ownerAddress)
    await until(async () => (await feed.items()).some((i) => i.text === text), timeoutMs, 'the post from the mailbox')
    return (performance.now() - t0) / 1000
  },

  /** An owner with `friends` friends (real keys, so real meeting secrets),
   *  not listening: only the mailbox touches the relay. */
  relayBenchManyFriends: async (routes: Routes, friends: number) => {
    await loadCrypto()
    const client = await open(routes, freshNames('kith-relay-many'), false)
    for (let i = 0; i < friends; i++) {
      const friend = createIdentity()
      await client.node.friends.add({ key: toHex(friend.publicKey), address: addressFromPublicKey(friend.publicKey), displayName: `friend ${i}` })
    }
    return client.address
  },

  /** One post every friend may see, into the mailbox; resolves once sent
   *  (paced as on any relay). Returns how many events the node says it published. */
  relayBenchPostToAll: async (text: string) => {
    const node = mine().node
    const item = await node.items.create({ type: 'post', text, audience: { kind: 'friends' } })
    return node.mailbox.itemsChanged([item.id])
  },
  /** A photo of `bytes` random bytes (as incompressible as a JPEG) with a
   *  caption, to every friend: its chunks travel with the bundle. */
  relayBenchPhotoToAll: async (text: string, bytes: number) => {
    const node = mine().node
    const random = new Uint8Array(bytes)
    // getRandomValues gives at most 64 KiB at a time.
    for (let at = 0; at < bytes; at += 65_536) crypto.getRandomValues(random.subarray(at, at + 65_536))
    const content = new Blob([random])
    const item = await node.items.create({ type: 'file', text, audience: { kind: 'friends' }, file: { name: 'photo.jpg', mime: 'image/jpeg', content } })
    return node.mailbox.itemsChanged([item.id])
  }
}
