// The soak run (bench/soak/): the owner's full device on one page, which
// links the headless runner as its server device, shares notes and a file,
// befriends 20 friends by invite and goes away; friends on other pages, many
// to a page, each a real client (its own node, cache and databases) that
// syncs with the owner every few seconds and fetches the file every minute
// through the runner. In between, the owner comes back to delete items and to
// make many small changes (a hint storm), then goes away again.
import { parseAddress } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { KithNode } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { KithClient } from '../../client/api/kith-client'
import { ClientDatabase } from '../../client/cache/db'
import { downloadPieces } from '../../client/files/file-download'
import { openClient, seedNotes } from './people'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// — the owner's page —
let owner: KithClient | null = null
let ownerDbNames: { node: string, client: string } | null = null

async function openOwner (trackers: string[]): Promise<KithClient> {
  const names = ownerDbNames!
  const node = await KithNode.open({ db: new NodeDatabase(names.node), hostConfig: { trackers, relays: [], iceServers: [] } })
  const client = new KithClient(node, new ClientDatabase(names.client))
  node.startListening()
  return client
}

/** `size` bytes as a Blob of 1 MiB parts, each a little different. */
function syntheticFile (size: number): Blob {
  const MiB = 1024 * 1024
  const parts: Blob[] = []
  for (let offset = 0; offset < size; offset += MiB) {
    const part = new Uint8Array(Math.min(MiB, size - offset))
    for (let i = 0; i < part.length; i += 4096) part[i] = (offset / MiB + i) & 0xff
    parts.push(new Blob([part]))
  }
  return new Blob(parts)
}

// — the friends' pages —
interface SoakFriend { client: KithClient, syncs: number, syncErrors: number, fetches: number, fetchErrors: number, lastError: string | null }
const friends: SoakFriend[] = []
let stopFriends: AbortController | null = null
let friendLoops: Promise<void> | null = null

async function whileRunning (signal: AbortSignal, firstDelayMs: number, everyMs: number, task: () => Promise<void>): Promise<void> {
  await sleep(firstDelayMs)
  while (!signal.aborted) {
    const started = performance.now()
    await task()
    await sleep(Math.max(0, everyMs - (performance.now() - started)))
  }
}

export const soakBench = {
  /** Owner: a full device with `notes` notes and a file of `fileBytes`, all for friends. */
  soakOwner: async (trackers: string[], notes: number, fileBytes: number) => {
    const tag = Math.random().toString(36).slice(2)
    ownerDbNames = { node: `kith-soak-owner-${tag}`, client: `kith-soak-owner-client-${tag}` }
    owner = await openOwner(trackers)
    await owner.setDisplayName('Soak owner')
    await seedNotes(owner.node.db, notes)
    const file = await owner.createItem({ type: 'file', text: 'a file friends fetch', audience: { kind: 'friends' }, file: { name: 'soak.bin', mime: 'application/octet-stream', content: syntheticFile(fileBytes) } })
    return { address: owner.address, fileId: file.id }
  },
  /** Owner: approves the runner's link code as a server device. */
  soakApproveRunner: async (code: string) => {
    const step = await owner!.node.openLinkCode(code)
    await step.approve({ name: 'soak runner', role: 'server' })
  },
  /** Owner: one invite per friend. */
  soakInvites: async (count: number) => {
    const tokens: string[] = []
    for (let i = 0; i < count; i++) tokens.push((await owner!.node.invites.create({ label: `soak friend ${i}`, expiresInMs: null })).token)
    return tokens
  },
  /** Owner: goes away (the runner serves alone). */
  soakOwnerAway: async () => {
    owner?.node.close()
    owner = null
  },
  /** Owner: back, deletes `count` notes (delete notices to every friend),
   *  stays until `stayMs` passed (for its device to pull them), goes away.
   *  Returns the ids deleted. */
  soakOwnerDeletes: async (trackers: string[], count: number, stayMs: number) => {
    owner = await openOwner(trackers)
    const t0 = performance.now()
    const notes = (await owner.node.items.listMine({ limit: count + 10 })).filter((i) => i.type === 'note').slice(0, count)
    for (const note of notes) await owner.deleteItem(note.id)
    await sleep(Math.max(0, stayMs - (performance.now() - t0)))
    return notes.map((n) => n.id)
  },
  /** Owner: back, edits `count` notes one after another (each a change the
   *  runner pulls and hints every friend about), then a marker note; stays
   *  until `stayMs` passed, goes away. Returns the marker's id. */
  soakOwnerHintStorm: async (trackers: string[], count: number, stayMs: number) => {
    owner = await openOwner(trackers)
    const t0 = performance.now()
    const notes = (await owner.node.items.listMine({ limit: count + 10 })).filter((i) => i.type === 'note').slice(0, count)
    for (const [i, note] of notes.entries()) {
      await owner.editItemText(note.id, `edited in the storm (${i})`)
      await sleep(50)
    }
    const marker = await owner.createItem({ type: 'note', text: 'after the storm', audience: { kind: 'friends' } })
    await sleep(Math.max(0, stayMs - (performance.now() - t0)))
    return marker.id
  },

  /** Friends' page: `tokens.length` friends, each redeeming its invite
   *  (through the owner's full device). Returns how many joined. */
  soakFriendsJoin: async (trackers: string[], ownerAddress: string, tokens: string[]) => {
    const ownerKey = parseAddress(ownerAddress)
    let joined = 0
    const errors: string[] = []
    for (const token of tokens) {
      const client = await openClient(trackers, 'kith-soak-friend')
      // The owner holds a few stranger sessions at once (incoming-sessions.ts):
      // a refused redeemer tries again once the others are done.
      for (let attempt = 1; attempt <= 6; attempt++) {
        try {
          await client.acceptInvite(ownerAddress, token)
          // The session was opened as a stranger's: free its place for the next friend.
          for (const session of client.node.sessions.openSessions(toHex(ownerKey))) session.rpc.close('joined')
          friends.push({ client, syncs: 0, syncErrors: 0, fetches: 0, fetchErrors: 0, lastError: null })
          joined++
          break
        } catch (err) {
          if (attempt === 6) {
            errors.push(err instanceof Error ? err.message : String(err))
            client.node.close()
          } else {
            await sleep(3_000 * attempt)
          }
        }
      }
    }
    return { joined, errors }
  },
  /** Friends' page: every friend, with the owner's full device gone, reaches
   *  the runner (retrying while it has not yet pulled the friendship). */
  soakFriendsReachRunner: async (ownerAddress: string, timeoutMs: number) => {
    const key = parseAddress(ownerAddress)
    const end = performance.now() + timeoutMs
    let reached = 0
    await Promise.all(friends.map(async (f) => {
      while (performance.now() < end) {
        try {
          const session = await f.client.node.getSession(key, { signal: AbortSignal.timeout(20_000) })
          if (session.remoteDevice.certificate?.role === 'server') { reached++; return }
          session.rpc.close('not the runner')
        } catch { /* not pulled yet: again */ }
        await sleep(2_000)
      }
    }))
    return reached
  },
  /** Friends' page: each friend syncs every `syncMs` and fetches the whole
   *  file (range by range, as the app does, keeping nothing) every
   *  `fetchMs`, starts spread over the period, until soakFriendsStop. */
  soakFriendsStart: (ownerAddress: string, fileId: string, fileBytes: number, syncMs: number, fetchMs: number) => {
    const key = parseAddress(ownerAddress)
    stopFriends = new AbortController()
    const signal = stopFriends.signal
    friendLoops = Promise.all(friends.flatMap((f, k) => [
      whileRunning(signal, (k * syncMs) / friends.length, syncMs, async () => {
        try {
          const feed = await f.client.feed(ownerAddress)
          await feed.sync({ signal: AbortSignal.timeout(syncMs * 3) })
          // Queued (no session) or refused: not a sync the runner served.
          // (Syncing: a hint's sync began meanwhile, after this one.)
          if (feed.state !== 'idle' && feed.state !== 'syncing') throw new Error(`${feed.state}${feed.lastError ? `: ${feed.lastError}` : ''}`)
          f.syncs++
        } catch (err) {
          f.syncErrors++
          f.lastError = `sync: ${err instanceof Error ? err.message : String(err)}`
        }
      }),
      whileRunning(signal, (k * fetchMs) / friends.length, fetchMs, async () => {
        try {
          const session = await f.client.node.getSession(key, { signal: AbortSignal.timeout(30_000) })
          let received = 0
          await downloadPieces({
            size: fileBytes,
            have: new Set(),
            fetchRange: (offset, length) => session.rpc.call('fetchFile', { id: fileId, offset, length }, { timeoutMs: 60_000 }),
            store: async (_index, bytes) => { received += bytes.length }
          })
          if (received !== fileBytes) throw new Error(`got ${received} of ${fileBytes} bytes`)
          f.fetches++
        } catch (err) {
          f.fetchErrors++
          f.lastError = `fetch: ${err instanceof Error ? err.message : String(err)}`
        }
      })
    ])).then(() => undefined)
  },
  soakFriendsStop: async () => {
    stopFriends?.abort()
    await friendLoops
  },
  /** Friends' page: what the friends did so far. */
  soakFriendsStats: () => ({
    friends: friends.length,
    syncs: friends.reduce((n, f) => n + f.syncs, 0),
    syncErrors: friends.reduce((n, f) => n + f.syncErrors, 0),
    fetches: friends.reduce((n, f) => n + f.fetches, 0),
    fetchErrors: friends.reduce((n, f) => n + f.fetchErrors, 0),
    lastErrors: [...new Set(friends.map((f) => f.lastError).filter((e) => e !== null))].slice(0, 3)
  }),
  /** Friends' page: how many friends still hold any of `ids` in their cache. */
  soakFriendsHolding: async (ownerAddress: string, ids: string[]) => {
    const owner = toHex(parseAddress(ownerAddress))
    const wanted = new Set(ids)
    let holding = 0
    for (const f of friends) if ((await f.client.cache.items(owner)).some((item) => wanted.has(item.id))) holding++
    return holding
  },
  /** Friends' page: how many friends' caches lack the item `id`. */
  soakFriendsLacking: async (ownerAddress: string, id: string) => {
    const owner = toHex(parseAddress(ownerAddress))
    let lacking = 0
    for (const f of friends) if (!(await f.client.cache.items(owner)).some((item) => item.id === id)) lacking++
    return lacking
  }
}
