// The data methods over a real authenticated session (memory transport):
// what a friend, a stranger and a malformed request get from the owner's node.
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { establishSession, type Session } from '../../shared/session/session'
import { KithError } from '../../shared/wire/errors'
import { isSharedItem, MAX_FILE_BYTES, MAX_FILE_RANGE_BYTES, type Audience } from '../../shared/protocol/items'
import type { NodeMethods, Profile } from '../../shared/protocol/protocol'
import type { Transport } from '../../shared/wire/transport'
import { basicHandlers } from '../../node-tab/handlers/basic'
import { inviteHandlers } from '../../node-tab/handlers/invites'
import { itemHandlers } from '../../node-tab/handlers/items'
import { keyHex } from '../../node-tab/storage/ids'
import { befriend, person, setup, type Person } from './store-fixtures'
import { deliveriesToFriends, wasDelivered } from '../../node-tab/storage/deliveries'

type Visitor = Session<NodeMethods, NodeMethods>

const transports: Transport[] = []
afterEach(() => {
  for (const t of transports.splice(0)) t.close()
})

async function owner () {
  const s = setup()
  const a = person('Alice')
  const profile: Profile = { displayName: a.displayName, address: a.address }
  const [b, c] = [person('B'), person('C')]
  await befriend(s.friends, b, c)
  const family = await s.friends.createGroup('family')
  await s.friends.setMembership(family.id, b.key, true)
  const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff) // several RPC chunks
  const file = (audience: Audience) => s.items.create({ type: 'file', text: 'photo', audience, file: { name: 'p.jpg', mime: 'image/jpeg', content: new Blob([bytes]) } })
  const familyFile = await file({ kind: 'groups', groupIds: [family.id] })
  const publicNote = await s.items.create({ type: 'note', text: 'hello friends', audience: { kind: 'friends' } })
  const privateNote = await s.items.create({ type: 'note', text: 'diary', audience: { kind: 'me' } })

  /** Opens an authenticated session from `visitor` to this owner's node. */
  async function visit (visitor: Person): Promise<Visitor> {
    const [near, far] = createMemoryTransportPair()
    transports.push(near, far)
    const [session] = await Promise.all([
      establishSession<NodeMethods, NodeMethods>(near, { identity: visitor.identity, expectedRemoteKey: a.identity.publicKey, handlers: () => ({}) }),
      establishSession<NodeMethods, NodeMethods>(far, {
        identity: a.identity,
        handlers: (remoteKey) => ({
          ...basicHandlers(() => profile),
          ...itemHandlers(s.items, keyHex(remoteKey)),
          ...inviteHandlers(s.invites, remoteKey, () => profile)
        })
      })
    ])
    return session
  }
  return { ...s, a, b, c, profile, bytes, family, familyFile, publicNote, privateNote, visit }
}

async function failure (promise: Promise<unknown>): Promise<{ code: string, message: string }> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(KithError)
    return { code: (err as KithError).code, message: (err as KithError).message }
  }
  throw new Error('expected the call to fail')
}

describe('a friend', () => {
  it('lists what they may see and fetches a file', async () => {
    const o = await owner()
    const session = await o.visit(o.b)
    const page = await session.rpc.call('listItems', { limit: 10 })
    expect(page.items.map((i) => i.id).sort()).toEqual([o.familyFile.id, o.publicNote.id].sort())
    expect(page.done).toBe(true)
    for (const item of page.items) {
      expect(isSharedItem(item)).toBe(true)
      expect(item).not.toHaveProperty('audience')
    }
    // Paging with the cursor strings the node hands out.
    const first = await session.rpc.call('listItems', { limit: 1 })
    const second = await session.rpc.call('listItems', { limit: 1, after: first.cursor! })
    expect([first.done, second.done]).toEqual([false, true])
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(page.items.map((i) => i.id))
    const { bytes, size } = await session.rpc.call('fetchFile', { id: o.familyFile.id, offset: 0, length: MAX_FILE_RANGE_BYTES })
    expect(size).toBe(o.bytes.length)
    expect(bytes).toEqual(o.bytes)
    expect(await wasDelivered(o.db, o.familyFile.id, o.b.key)).toBe(true)
  })

  it('cannot tell an item outside their audience from one that does not exist', async () => {
    const o = await owner()
    const session = await o.visit(o.c) // not in family
    const page = await session.rpc.call('listItems', {})
    expect(page.items.map((i) => i.id)).toEqual([o.publicNote.id])
    const hidden = await failure(session.rpc.call('fetchFile', { id: o.familyFile.id, offset: 0, length: 10 }))
    const missing = await failure(session.rpc.call('fetchFile', { id: 'NoSuchItemAtAll1', offset: 0, length: 10 }))
    const mine = await failure(session.rpc.call('fetchFile', { id: o.privateNote.id, offset: 0, length: 10 }))
    expect(hidden).toEqual({ code: 'NOT_FOUND', message: 'No such item.' })
    expect(missing).toEqual(hidden)
    expect(mine).toEqual(hidden)
  })
})

describe('a stranger who knows the address but holds no invite', () => {
  it('gets no item at all', async () => {
    const o = await owner()
    const d = person('D')
    const session = await o.visit(d)
    expect(await failure(session.rpc.call('listItems', { limit: 50 }))).toEqual({ code: 'UNAUTHORIZED', message: 'You are not a friend of this person.' })
    for (const id of [o.familyFile.id, o.publicNote.id, 'NoSuchItemAtAll1']) {
      const err = await failure(session.rpc.call('fetchFile', { id, offset: 0, length: 10 }))
      expect(['UNAUTHORIZED', 'NOT_FOUND']).toContain(err.code)
      expect(err.message).not.toContain('photo')
    }
    expect(await deliveriesToFriends(o.db, [d.key])).toEqual([])
    // The public profile is still there for anyone.
    expect(await session.rpc.call('profile', {})).toEqual(o.profile)
  })
})

describe('malformed requests', () => {
  it('get BAD_REQUEST and the node keeps serving', async () => {
    const o = await owner()
    const session = await o.visit(o.b)
    const call = session.rpc.call.bind(session.rpc) as (method: string, params: unknown) => Promise<unknown>
    const bad: Array<[string, unknown]> = [
      ['listItems', { limit: 'ten' }],
      ['listItems', { limit: 1_000_000 }],
      ['listItems', { limit: 0 }],
      ['listItems', { after: 'not a cursor' }],
      ['listItems', { after: 12 }],
      ['listItems', { types: Array.from({ length: 10_000 }, () => 'note') }],
      ['listItems', { types: ['note', 'poem'] }],
      ['listItems', { types: 'note' }],
      ['listItems', { createdFrom: -1 }],
      ['listItems', [1, 2, 3]],
      ['listItems', 'everything'],
      ['fetchFile', {}],
      ['fetchFile', { id: 42 }],
      ['fetchFile', { id: 'x'.repeat(65) }],
      ['fetchFile', { id: '../../etc' }],
      ['fetchFile', null],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA' }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: -1, length: 10 }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: 0.5, length: 10 }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: 0, length: 0 }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: 0, length: MAX_FILE_RANGE_BYTES + 1 }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: MAX_FILE_BYTES + 1, length: 10 }],
      ['fetchFile', { id: 'AAAAAAAAAAAAAAAA', offset: '0', length: 10 }],
      ['redeemInvite', { token: 'short', profile: o.profile }],
      ['redeemInvite', { token: 'AAAAAAAAAAAAAAAAAAAA', profile: { displayName: 5 } }]
    ]
    for (const [method, params] of bad) {
      const err = await failure(call(method, params))
      expect(err.code, `${method} ${JSON.stringify(params)?.slice(0, 60)}`).toBe('BAD_REQUEST')
    }
    const page = await session.rpc.call('listItems', { limit: 1 })
    expect(page.items).toHaveLength(1)
    expect(page.done).toBe(false)
  })
})

describe('redeemInvite', () => {
  it('makes the stranger a friend; the same invite cannot be used again', async () => {
    const o = await owner()
    const invite = await o.invites.create({ label: 'for D', expiresInMs: null })
    const [d, e] = [person('Dora'), person('Eve')]
    const dora = await o.visit(d)
    expect((await failure(dora.rpc.call('listItems', {}))).code).toBe('UNAUTHORIZED')
    const answer = await dora.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: d.displayName, address: d.address } })
    expect(answer).toEqual({ owner: o.profile })
    expect(await o.friends.get(d.key)).toMatchObject({ displayName: 'Dora' })
    expect((await dora.rpc.call('listItems', {})).items.map((i) => i.id)).toEqual([o.publicNote.id])

    const eve = await o.visit(e)
    expect(await failure(eve.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: e.displayName, address: e.address } })))
      .toEqual({ code: 'UNAUTHORIZED', message: 'This invite has already been used.' })
    expect(await o.friends.isFriend(e.key)).toBe(false)
  })

  it('refuses a profile that claims someone else’s address', async () => {
    const o = await owner()
    const invite = await o.invites.create({ label: '', expiresInMs: null })
    const mallory = await o.visit(person('Mallory'))
    const err = await failure(mallory.rpc.call('redeemInvite', { token: invite.token, profile: { displayName: 'B', address: o.b.address } }))
    expect(err.code).toBe('BAD_REQUEST')
    expect((await o.invites.list())[0]!.status).toBe('pending')
  })
})
