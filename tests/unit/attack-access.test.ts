// Attacks on what a node tells people who may not see something: strangers
// (including the holder of a spent or withdrawn invite) and friends outside
// an item's audience. Each compares what the attacker observes for a thing
// that exists but is hidden with a thing that does not exist: any difference
// (a code, a word, a cursor, a later delete notice) would be a leak.
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import { KithNode, type NodeSession } from '../../node-tab/node'
import { NodeDatabase } from '../../node-tab/storage/db'
import { dialNode } from './node-fixtures'

const nodes: KithNode[] = []
afterEach(() => { for (const n of nodes.splice(0)) n.close() })

let deleteNoticeCalls = 0

async function openNode (): Promise<KithNode> {
  const node = await KithNode.open({ db: new NodeDatabase(`attack-access-${Math.random()}`), hostConfig: { trackers: [], relays: [], iceServers: [] } })
  await node.setDisplayName('Alice Secretname')
  node.registerHandlers(() => ({ deleteNotices: () => { deleteNoticeCalls++; return { acknowledged: [] } } }))
  nodes.push(node)
  return node
}

/** What the caller observes of a call: its answer or its error, as data. */
async function observe (promise: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await promise }
  } catch (err) {
    if (!(err instanceof KithError)) throw err
    return { code: err.code, message: err.message }
  }
}

async function befriend (node: KithNode, who: Identity): Promise<string> {
  const key = toHex(who.publicKey)
  await node.friends.add({ key, address: addressFromPublicKey(who.publicKey), displayName: 'friend' })
  return key
}

const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3)

describe('attack: a stranger probing a node that is not discoverable', () => {
  // Attack: every method, for things that exist and things that do not: the
  // answers must not differ, must never carry the owner's name, and must
  // record nothing (deliveries, notices, friends).
  it('learns nothing that tells existing items or the owner’s name apart, and leaves no trace', async () => {
    const node = await openNode()
    const file = await node.items.create({ type: 'file', text: 'photo', audience: { kind: 'friends' }, file: { name: 'a.png', mime: 'image/png', content: new Blob([png]) } })
    const note = await node.items.create({ type: 'note', text: 'hello', audience: { kind: 'friends' } })
    const stranger = createIdentity()
    const { rpc } = await dialNode(node, stranger)
    deleteNoticeCalls = 0
    const seen = [
      await observe(rpc.call('fetchFile', { id: file.id, offset: 0, length: 1024 })),
      await observe(rpc.call('fetchFile', { id: note.id, offset: 0, length: 1024 })),
      await observe(rpc.call('fetchFile', { id: 'NoSuchItem123', offset: 0, length: 1024 })),
      await observe(rpc.call('fetchFile', { id: '../../etc', offset: 0, length: 1024 })),
      await observe(rpc.call('listItems', { limit: 200 })),
      await observe(rpc.call('listItems', { after: `${file.updatedAt}:${file.id}`, limit: 1 })),
      await observe(rpc.call('listItems', { types: ['bogus'] } as never)),
      await observe(rpc.call('profile', {})),
      await observe(rpc.call('profile', { extra: 1 } as never)),
      await observe(rpc.call('deleteNotices', { itemIds: [file.id, note.id] })),
      await observe(rpc.call('ping', { data: new Uint8Array(0), replyBytes: 0 })),
      await observe(rpc.call('ping', { data: new Uint8Array(8), replyBytes: '5' } as never)),
      await observe(rpc.call('ping', { data: 'not bytes' } as never))
    ]
    // One and the same refusal for all of them (bad parameters included: a
    // stranger is refused before anything is parsed).
    expect(new Set(seen.map((s) => JSON.stringify(s))).size).toBe(1)
    expect(JSON.stringify(seen)).not.toContain('Secretname')
    expect(deleteNoticeCalls).toBe(0)
    expect(await node.db.deliveryPages.count()).toBe(0)
    expect(await node.friends.list()).toEqual([])
  })

  // Attack: a link to an invite that was used by someone else, or withdrawn,
  // or expired (these stay reachable for a while to say why): redeeming it
  // must make no friend and give no name.
  it('holding a spent, withdrawn or expired invite gets no friendship and no name', async () => {
    const node = await openNode()
    const used = await node.invites.create({ label: 'for bob', expiresInMs: null })
    const bob = createIdentity()
    await (await dialNode(node, bob)).rpc.call('redeemInvite', { token: used.token, profile: { displayName: 'Bob', address: addressFromPublicKey(bob.publicKey) } })
    const withdrawn = await node.invites.create({ label: 'leaked', expiresInMs: null })
    await node.invites.revoke(withdrawn.id)
    const expired = await node.invites.create({ label: 'old', expiresInMs: 1 })
    await new Promise((resolve) => setTimeout(resolve, 5))

    const mallory = createIdentity()
    const { rpc } = await dialNode(node, mallory)
    const profile = { displayName: 'Mallory', address: addressFromPublicKey(mallory.publicKey) }
    for (const token of [used.token, withdrawn.token, expired.token, '1111111111']) {
      const seen = await observe(rpc.call('redeemInvite', { token, profile }))
      expect(seen).toMatchObject({ code: 'UNAUTHORIZED' })
      expect(JSON.stringify(seen)).not.toContain('Secretname')
    }
    // Someone else's address in the profile: refused, even with a live token.
    const live = await node.invites.create({ label: 'for carol', expiresInMs: null })
    expect(await observe(rpc.call('redeemInvite', { token: live.token, profile: { displayName: 'Carol', address: addressFromPublicKey(createIdentity().publicKey) } }))).toMatchObject({ code: 'BAD_REQUEST' })
    expect((await node.friends.list()).map((f) => f.key)).toEqual([toHex(bob.publicKey)])
    expect(await observe(rpc.call('listItems', { limit: 10 }))).toMatchObject({ code: 'UNAUTHORIZED' })
    // The live invite was not used up by the failed attempt.
    expect((await node.invites.list()).find((i) => i.id === live.id)?.status).toBe('pending')
  })
})

describe('attack: a friend outside an item’s audience', () => {
  async function setUp () {
    const node = await openNode()
    const bob = createIdentity()
    const carol = createIdentity()
    const bobKey = await befriend(node, bob)
    const carolKey = await befriend(node, carol)
    const inner = await node.friends.createGroup('inner circle')
    await node.friends.setMembership(inner.id, carolKey, true)
    const open = await node.items.create({ type: 'note', text: 'for all', audience: { kind: 'friends' } })
    const hiddenFile = await node.items.create({ type: 'file', text: 'secret photo', audience: { kind: 'groups', groupIds: [inner.id] }, file: { name: 's.png', mime: 'image/png', content: new Blob([png]) } })
    const mine = await node.items.create({ type: 'file', text: 'only me', audience: { kind: 'me' }, file: { name: 'm.png', mime: 'image/png', content: new Blob([png]) } })
    const openFile = await node.items.create({ type: 'file', text: 'shared photo', audience: { kind: 'friends' }, file: { name: 'o.png', mime: 'image/png', content: new Blob([png]) } })
    const hiddenNote = await node.items.create({ type: 'note', text: 'inner note', audience: { kind: 'groups', groupIds: [inner.id] } })
    return { node, bob, bobKey, carolKey, open, hiddenFile, mine, openFile, hiddenNote, bobRpc: (await dialNode(node, bob)).rpc }
  }

  // Attack: fetchFile on hidden files, on a note, and on ids that do not
  // exist: the very same error, word for word.
  it('cannot tell a hidden file from a missing one', async () => {
    const { hiddenFile, mine, open, hiddenNote, openFile, bobRpc } = await setUp()
    const seen = [
      await observe(bobRpc.call('fetchFile', { id: hiddenFile.id, offset: 0, length: 1024 })),
      await observe(bobRpc.call('fetchFile', { id: mine.id, offset: 0, length: 1024 })),
      await observe(bobRpc.call('fetchFile', { id: hiddenNote.id, offset: 0, length: 1024 })),
      await observe(bobRpc.call('fetchFile', { id: open.id, offset: 0, length: 1024 })),
      await observe(bobRpc.call('fetchFile', { id: 'NoSuchItem123', offset: 0, length: 1024 }))
    ]
    // Ranges that would be refused for a file he may see (past its end,
    // which names its size) say only NOT_FOUND for a hidden one.
    for (const [offset, length] of [[png.length, 1], [10 ** 9, 1], [0, 1024 * 1024], [png.length - 1, 1]]) {
      seen.push(await observe(bobRpc.call('fetchFile', { id: hiddenFile.id, offset: offset!, length: length! })))
      seen.push(await observe(bobRpc.call('fetchFile', { id: 'NoSuchItem123', offset: offset!, length: length! })))
    }
    expect(seen[0]).toMatchObject({ code: 'NOT_FOUND' })
    expect(new Set(seen.map((s) => JSON.stringify(s))).size).toBe(1)
    // Control: a file he may see comes.
    expect(await observe(bobRpc.call('fetchFile', { id: openFile.id, offset: 0, length: 1024 }))).toEqual({ ok: { bytes: png, size: png.length } })
  })

  // Attack: listings with every filter, page size and a cursor made from a
  // hidden item's own position: nothing hidden appears, and a cursor made
  // from a hidden item behaves like one made from an id that never existed.
  it('cannot see hidden items in listings, nor probe them through cursors and pages', async () => {
    const { node, open, openFile, hiddenFile, bobRpc } = await setUp()
    const all = await bobRpc.call('listItems', { limit: 200 })
    expect(all.items.map((i) => i.id)).toEqual([open.id, openFile.id])
    expect(all.done).toBe(true)
    // Page by page, one at a time: the same two, then done without a trailing page.
    const first = await bobRpc.call('listItems', { limit: 1 })
    expect(first.items.map((i) => i.id)).toEqual([open.id])
    expect(first.done).toBe(false)
    const second = await bobRpc.call('listItems', { limit: 1, after: first.cursor! })
    expect(second.items.map((i) => i.id)).toEqual([openFile.id])
    expect(second.done).toBe(true)
    // A cursor at a hidden item's position vs one at the same time with a made-up id.
    const atHidden = await bobRpc.call('listItems', { limit: 200, after: `${hiddenFile.updatedAt}:${hiddenFile.id}` })
    const atNothing = await bobRpc.call('listItems', { limit: 200, after: `${hiddenFile.updatedAt}:zzzzzzzzzzzzzzzz` })
    expect(atHidden.items.map((i) => i.id)).toEqual(atNothing.items.map((i) => i.id))
    expect(atHidden.done).toBe(atNothing.done)
    // Types and time ranges pick from what he may see only.
    const files = await bobRpc.call('listItems', { limit: 200, types: ['file'], createdFrom: 0, createdTo: Number.MAX_SAFE_INTEGER })
    expect(files.items.map((i) => i.id)).toEqual([openFile.id])
    // Nothing he received names an audience.
    expect(JSON.stringify(all)).not.toMatch(/audience|inner|groupIds/)
    // Only what he was sent is recorded as delivered to him.
    const delivered = await node.db.deliveryPages.toArray()
    expect(new Set(delivered.flatMap((d) => d.itemIds))).toEqual(new Set([open.id, openFile.id]))
  })

  // Attack: learning of a hidden item when it is deleted, through a delete
  // notice that should only go to those who received it.
  it('gets no delete notice for an item he was never shown', async () => {
    const { node, bobKey, carolKey, hiddenFile, hiddenNote, bobRpc } = await setUp()
    await bobRpc.call('listItems', { limit: 200 })
    await observe(bobRpc.call('fetchFile', { id: hiddenFile.id, offset: 0, length: 1024 }))
    await node.items.delete(hiddenFile.id)
    await node.items.delete(hiddenNote.id)
    expect(await node.notices.pendingFor(bobKey)).toEqual([])
    // Carol never fetched them either: nobody is owed a notice.
    expect(await node.notices.pendingFor(carolKey)).toEqual([])
  })
})
