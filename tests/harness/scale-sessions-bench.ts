// The session-scale benchmark (bench/systems/kith-scale.mjs): one owner node
// with 250 friends, and friends simulated as many nodes in a few pages, each
// node with its own identity and database. Friendships are written straight
// into both sides' stores (what an accepted invite leaves behind), since
// making 250 friends through the invite UI would take most of the budget;
// everything after that (swarms, dials, handshakes, RPCs) is the real thing.
import { fromHex, toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, parseAddress } from '../../shared/identity/identity'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'

const tag = (): string => Math.random().toString(36).slice(2)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

let owner: KithNode | null = null
const friends: KithNode[] = []
const friendSessions = new Map<number, NodeSession>()

async function openNode (name: string, trackers: string[]): Promise<KithNode> {
  return KithNode.open({ db: new NodeDatabase(`kith-scale-${name}-${tag()}`), hostConfig: { trackers, relays: [], iceServers: [] } })
}

/** Runs `task` for every index with at most `concurrency` at once. */
async function eachLimited (indexes: number[], concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  const queue = [...indexes]
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await task(i)
  }))
}

export const scaleSessionsBench = {
  /** Friend page: opens `count` nodes; returns their identity keys (hex). */
  scaleFriendsCreate: async (trackers: string[], count: number): Promise<string[]> => {
    const opened: KithNode[] = new Array(count)
    await eachLimited(Array.from({ length: count }, (_, i) => i), 2, async (i) => { opened[i] = await openNode(`friend-${i}`, trackers) })
    friends.push(...opened)
    return friends.map((f) => f.keyHex)
  },

  /** Owner page: a node whose friends are `friendKeys`, listening in every
   *  pair swarm on every tracker; resolves once all swarms are joined. */
  scaleOwner: async (trackers: string[], friendKeys: string[]): Promise<{ address: string, swarms: number }> => {
    owner = await openNode('owner', trackers)
    for (const [i, key] of friendKeys.entries()) {
      await owner.friends.add({ key, address: addressFromPublicKey(fromHex(key)), displayName: `Friend ${i}` })
    }
    owner.startListening()
    while (owner.listener.joinedTopics.size < friendKeys.length || !owner.status().trackers.every((t) => t.state === 'open')) await sleep(50)
    return { address: owner.address, swarms: owner.listener.joinedTopics.size }
  },

  /** Friend page: every node takes the owner as a friend (their side of the
   *  accepted invite). */
  scaleFriendsBefriend: async (ownerAddress: string): Promise<void> => {
    const key = toHex(parseAddress(ownerAddress))
    for (const node of friends) await node.friends.add({ key, address: ownerAddress, displayName: 'Owner' })
  },

  /** Friend page: nodes [from, to) dial the owner through the pair swarm,
   *  `concurrency` at a time. Counts sessions that opened and stayed open
   *  (the owner refuses some at its cap). */
  scaleFriendsConnect: async (ownerAddress: string, from: number, to: number, concurrency: number): Promise<{ opened: number, failed: number, errors: string[], dialMs: number[] }> => {
    const ownerKey = parseAddress(ownerAddress)
    let opened = 0
    let failed = 0
    const errors = new Set<string>()
    const dialMs: number[] = []
    const indexes = Array.from({ length: Math.max(0, Math.min(to, friends.length) - from) }, (_, k) => from + k)
    await eachLimited(indexes, concurrency, async (i) => {
      const t0 = performance.now()
      try {
        const session = await friends[i]!.connect(ownerKey, { signal: AbortSignal.timeout(45_000) })
        dialMs.push(performance.now() - t0)
        friendSessions.set(i, session)
        opened++
      } catch (err) {
        failed++
        errors.add(err instanceof Error ? err.message : String(err))
      }
    })
    return { opened, failed, errors: [...errors].slice(0, 5), dialMs }
  },

  /** Friend page: sessions to the owner still open. */
  scaleFriendsOpen: (): number => [...friendSessions.values()].filter((s) => !s.rpc.closed).length,

  /** Friend page: every open session (or the first `sessions`) pings the
   *  owner with 10 bytes, waits `pauseMs`, and again, for `durationMs`;
   *  every round trip in ms. */
  scaleFriendsBusy: async (durationMs: number, pauseMs: number, sessions = Infinity): Promise<{ times: number[], errors: number }> => {
    const data = new Uint8Array(10)
    const times: number[] = []
    let errors = 0
    const end = performance.now() + durationMs
    const open = [...friendSessions.values()].filter((s) => !s.rpc.closed).slice(0, sessions)
    await Promise.all(open.map(async (session, k) => {
      await sleep((k * pauseMs) / open.length) // spread the starts over one pause
      while (performance.now() < end && !session.rpc.closed) {
        const t0 = performance.now()
        try {
          await session.rpc.call('ping', { data })
          times.push(performance.now() - t0)
        } catch {
          errors++
        }
        await sleep(pauseMs)
      }
    }))
    return { times, errors }
  },

  /** Owner page: the sessions the owner holds now, the most it held at once, its cap. */
  scaleOwnerSessions: (): { open: number, max: number, cap: number, lastRejected: string | null } => {
    if (!owner) throw new Error('no owner node')
    return { open: owner.sessions.size, max: owner.sessions.highWater, cap: owner.sessions.maxSessions, lastRejected: owner.lastRejected }
  }
}
