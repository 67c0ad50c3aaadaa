// Test and benchmark entry points that need the real modules inside a real
// browser: the transport contract over WebRTC, hostile peers, and a scripted
// Kith client for the benchmark. Not part of the app build.
import { transportContract } from '../contract/transport-contract'
import { answerOffer, createOffer } from '../../node-tab/discovery/webrtc'
import { TrackerPool, type SignalEnvelope } from '../../node-tab/discovery/tracker-client'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { boxSecretKeyFromSigning, generateSigningKeyPair, installCrypto } from '../../shared/crypto/crypto'
import * as cryptoImpl from '../../shared/crypto/crypto-impl'
import { runHandshake } from '../../shared/session/handshake'
import { devicesBench } from './devices-bench'
import { issueDeviceCertificate } from '../../shared/identity/device-certificate'
import { parseAddress } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { epochAt, openOffer, personTopic, sealAnswer } from '../../shared/rendezvous/rendezvous'
import type { Transport } from '../../shared/wire/transport'
import { RpcPeer } from '../../shared/wire/rpc'
import { KithClient } from '../../client/api/kith-client'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { extendScale, seedScale, timeScopedPages, type ScaleSeed } from './bench-scale'
import { backupBench, backupMemory } from './backup-bench'
import { fileHarness } from './file-harness'
import { befriendAndSync, openClient } from './people'
import { scaleSessionsBench } from './scale-sessions-bench'
import { relayBench } from './relay-bench'
import { soakBench } from './soak-bench'
import type { NodeMethods } from '../../shared/protocol/protocol'

// The app loads its cryptography code lazily; the harness uses it at once.
installCrypto(cryptoImpl)

const rtcConfig: RTCConfiguration = { iceServers: [] }

async function webRtcPair (): Promise<[Transport, Transport]> {
  const offer = await createOffer(rtcConfig)
  const answer = await answerOffer(rtcConfig, offer.sdp)
  return Promise.all([offer.complete(answer.sdp), answer.connected()])
}

/** Hostile node for e2e tests. It sits in the victim's swarm claiming to be
 *  them. With `victimSecretKey` it models the worst case, a leaked sealing
 *  key: it can open offers and answer them, but still cannot sign as the
 *  victim, so the handshake must refuse it. Without it, it can only answer
 *  garbage. Returns counters for the test to check. */
function startImpostor (opts: { victimAddress: string, trackers: string[], victimSecretKey?: number[] }) {
  const victimKey = parseAddress(opts.victimAddress)
  const own = generateSigningKeyPair()
  const counters = { offersSeen: 0, offersOpened: 0, refusedHandshakes: 0, answeredRequests: 0, refusedRequests: 0 }
  const pool = new TrackerPool({ urls: opts.trackers })
  const topic = personTopic(victimKey, epochAt(Date.now()))
  const boxSecret = opts.victimSecretKey ? boxSecretKeyFromSigning(Uint8Array.from(opts.victimSecretKey)) : null
  pool.onOffer(async (envelope: SignalEnvelope) => {
    if (envelope.infoHash !== topic) return
    counters.offersSeen++
    const offer = boxSecret ? openOffer(envelope.payload, boxSecret, Date.now()) : null
    if (!offer) {
      pool.answer(envelope, btoa('not a real answer, the impostor cannot open the offer'))
      return
    }
    counters.offersOpened++
    const answer = await answerOffer(rtcConfig, offer.sdp)
    pool.answer(envelope, sealAnswer(answer.sdp, offer.replyKey))
    const transport = await answer.connected()
    try {
      // Claims the victim's identity but can only certify a device with its own key.
      const certificate = issueDeviceCertificate(own, { publicKey: own.publicKey, name: 'Impostor', role: 'full' }, Date.now())
      await runHandshake(transport, { credentials: { identityKey: victimKey, device: own, certificate } })
    } catch {
      // The dialler refused its certificate before signing anything back.
      counters.refusedHandshakes++
      return
    }
    // Should its handshake ever pass, nothing it asks may be answered.
    const rpc = new RpcPeer<NodeMethods>(transport, {})
    try {
      await rpc.call('profile', {}, { timeoutMs: 3_000 })
      counters.answeredRequests++
    } catch {
      counters.refusedRequests++
    }
  })
  pool.announce(topic)
  return { counters, stop: () => pool.close() }
}

let impostor: ReturnType<typeof startImpostor> | null = null

/** A scripted Kith client for the benchmark: its own node, then a session. */
let benchNode: KithNode | null = null
let benchSession: Awaited<ReturnType<KithNode['connect']>> | null = null

/** Owner and friends for the delete benchmark, each in its own page. */
let scaleClient: KithClient | null = null

const harness = {
  contractCases: () => Object.keys(transportContract),
  runContractCase: async (name: string) => {
    const run = transportContract[name]
    if (!run) throw new Error(`no contract case ${name}`)
    await run(webRtcPair)
  },
  startImpostor: (opts: Parameters<typeof startImpostor>[0]) => {
    impostor = startImpostor(opts)
  },
  impostorCounters: () => impostor?.counters,
  /** Connect time as the app sees it: from the node being open (the app's
   *  ready state: identity loaded) to the first reply. The client holds an
   *  invite (a stranger gets no speed test): it dials the invite's swarm and
   *  the first reply is the owner's answer to redeeming it, after which the
   *  same session is a friend's. */
  benchConnect: async (address: string, token: string, trackers: string[]) => {
    // Measured several times: each connect is a new person; the last one goes.
    benchSession?.rpc.close('measuring again')
    benchNode?.close()
    benchNode = await KithNode.open({ db: new NodeDatabase(`kith-bench-${Math.random()}`), hostConfig: { trackers, relays: [], iceServers: [] } })
    const ownerKey = parseAddress(address)
    const t0 = performance.now()
    benchSession = await benchNode.connect(ownerKey, { inviteToken: token })
    const { owner } = await benchSession.rpc.call('redeemInvite', { token, profile: benchNode.profile })
    const seconds = (performance.now() - t0) / 1000
    await benchNode.friends.add({ key: toHex(ownerKey), address, displayName: owner.displayName })
    return seconds
  },
  benchRoundTrips: async (bytes: number, rounds: number) => {
    if (!benchSession) throw new Error('not connected')
    const data = new Uint8Array(bytes)
    const times: number[] = []
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now()
      await benchSession.rpc.call('ping', { data })
      times.push(performance.now() - t0)
    }
    return times
  },
  /** Pulls `bytes` from the node in one RPC answer (streamed in chunks):
   *  one direction, like the raw channel's one-way transfer. */
  benchTransfer: async (bytes: number, timeoutMs: number) => {
    if (!benchSession) throw new Error('not connected')
    const t0 = performance.now()
    const { data } = await benchSession.rpc.call('ping', { data: new Uint8Array(0), replyBytes: bytes }, { timeoutMs })
    if (data.length !== bytes) throw new Error(`got ${data.length} of ${bytes} bytes`)
    return (performance.now() - t0) / 1000
  }
}

let scoped: { db: NodeDatabase, seed: ScaleSeed, items: number } | null = null

const scaleBench = {
  /** Seeds a node database (friends, groups, items) for scoped-page timing;
   *  it stays open for the calls below until benchScopedClose. */
  benchScopedSeed: async (opts: { friends: number, items: number, groups: number }) => {
    await scaleBench.benchScopedClose()
    const db = new NodeDatabase(`kith-scale-${Math.random()}`)
    const seedStart = performance.now()
    const seed = await seedScale(db, opts)
    scoped = { db, seed, items: opts.items }
    return { friendKeys: seed.friendKeys, sparseFriendKey: seed.sparseFriendKey, twinFriendKey: seed.twinFriendKey, seedMs: performance.now() - seedStart }
  },
  /** Grows the seeded store to `items` items; returns the milliseconds it took. */
  benchScopedExtend: async (items: number) => {
    if (!scoped) throw new Error('nothing seeded')
    const t0 = performance.now()
    await extendScale(scoped.db, scoped.seed, scoped.items, items)
    scoped.items = Math.max(items, scoped.items)
    return performance.now() - t0
  },
  /** Times scoped pages of 50 for one friend, straight on the store (the
   *  handler's work). Returns the times and how many items the store holds. */
  benchScopedPages: async (friendKey: string, pages: number) => {
    if (!scoped) throw new Error('nothing seeded')
    const times = await timeScopedPages(new ItemsStore(scoped.db), friendKey, pages)
    return { times, items: await scoped.db.items.count() }
  },
  benchScopedClose: async () => {
    const db = scoped?.db
    scoped = null
    if (db) await db.delete()
  },
  /** Owner: a node with one item for all friends and an invite per friend. */
  deleteBenchOwner: async (trackers: string[], friends: number) => {
    scaleClient = await openClient(trackers)
    const item = await scaleClient.createItem({ type: 'note', text: 'to be deleted', audience: { kind: 'friends' } })
    const tokens: string[] = []
    for (let i = 0; i < friends; i++) tokens.push((await scaleClient.node.invites.create({ label: `friend ${i}`, expiresInMs: null })).token)
    return { address: scaleClient.address, itemId: item.id, tokens }
  },
  /** Friend: redeem the invite and cache the owner's items. */
  deleteBenchFriend: async (trackers: string[], ownerAddress: string, token: string) => {
    scaleClient = await openClient(trackers)
    return befriendAndSync(scaleClient, ownerAddress, token)
  },
  /** Owner: delete the item and wait until every friend has confirmed. */
  deleteBenchRun: async (itemId: string, timeoutMs: number) => {
    const client = scaleClient!
    const t0 = performance.now()
    await client.deleteItem(itemId)
    while (performance.now() - t0 < timeoutMs) {
      const log = (await client.listDeletions()).find((d) => d.itemId === itemId)
      if (log && log.friends.length > 0 && log.friends.every((f) => f.confirmed)) return (performance.now() - t0) / 1000
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error('not every friend confirmed in time')
  }
}

const everything = { ...harness, ...scaleBench, ...fileHarness, ...devicesBench, ...backupBench, ...backupMemory, ...scaleSessionsBench, ...relayBench, ...soakBench }
declare global { interface Window { kithHarness: typeof everything } }
window.kithHarness = everything
