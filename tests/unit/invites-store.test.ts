import { describe, expect, it } from 'vitest'
import { befriend, expectSentence, kithError, person, setup, TestClock } from './store-fixtures'

const profileOf = (p: { displayName: string, address: string }) => ({ displayName: p.displayName, address: p.address })

describe('creating and listing invites', () => {
  it('makes a pending invite with an unguessable token, a trimmed label and an expiry', async () => {
    const { invites, clock } = setup()
    const a = await invites.create({ label: '  for Bea ', expiresInMs: 3_600_000 })
    expect(a).toMatchObject({ label: 'for Bea', createdAt: clock.t, expiresAt: clock.t + 3_600_000, status: 'pending' })
    expect(a.token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{20,22}$/)
    expect(a.id).not.toBe(a.token)
    clock.advance()
    const b = await invites.create({ label: '', expiresInMs: null })
    expect(b.expiresAt).toBeNull()
    expect(b.token).not.toBe(a.token)
    expect((await invites.list()).map((i) => i.id)).toEqual([b.id, a.id])
  })

  it('refuses a long label and a nonsense expiry', async () => {
    const { invites } = setup()
    expectSentence((await kithError(invites.create({ label: 'x'.repeat(81), expiresInMs: null }), 'BAD_REQUEST')).message)
    for (const expiresInMs of [0, -5, 1.5, Number.NaN]) await kithError(invites.create({ label: '', expiresInMs }), 'BAD_REQUEST')
    await invites.create({ label: 'x'.repeat(80), expiresInMs: 1 })
    expect(await invites.list()).toHaveLength(1)
  })
})

describe('redeeming', () => {
  it('makes the holder a friend under the name they gave, and uses the invite up', async () => {
    const { invites, friends, clock } = setup()
    const invite = await invites.create({ label: 'Bea', expiresInMs: null })
    const b = person('Bea B.')
    await invites.redeem(invite.token, profileOf(b), b.identity.publicKey)
    expect(await friends.get(b.key)).toMatchObject({ key: b.key, address: b.address, displayName: 'Bea B.' })
    expect((await invites.list())[0]).toMatchObject({ status: 'used', usedBy: b.key, usedAt: clock.t })
  })

  it('is single use: someone else gets a clear refusal; the same friend retrying is fine', async () => {
    const { invites, friends } = setup()
    const invite = await invites.create({ label: '', expiresInMs: null })
    const [b, d] = [person('B'), person('D')]
    await invites.redeem(invite.token, profileOf(b), b.identity.publicKey)
    await kithError(invites.redeem(invite.token, profileOf(d), d.identity.publicKey), 'UNAUTHORIZED', 'This invite has already been used.')
    expect(await friends.isFriend(d.key)).toBe(false)
    await invites.redeem(invite.token, profileOf(b), b.identity.publicKey) // their first answer was lost
    expect((await invites.list())[0]).toMatchObject({ status: 'used', usedBy: b.key })
  })

  it('a withdrawn invite no longer works; only pending invites can be withdrawn', async () => {
    const { invites, friends } = setup()
    const invite = await invites.create({ label: '', expiresInMs: null })
    await invites.revoke(invite.id)
    const d = person('D')
    await kithError(invites.redeem(invite.token, profileOf(d), d.identity.publicKey), 'UNAUTHORIZED', 'This invite was withdrawn.')
    expect(await friends.isFriend(d.key)).toBe(false)
    await kithError(invites.revoke(invite.id), 'BAD_REQUEST')
    await kithError(invites.revoke('nosuch'), 'NOT_FOUND')
    const used = await invites.create({ label: '', expiresInMs: null })
    await invites.redeem(used.token, profileOf(d), d.identity.publicKey)
    await kithError(invites.revoke(used.id), 'BAD_REQUEST', 'This invite has already been used.')
  })

  it('expires at its time, not before', async () => {
    const clock = new TestClock()
    const { invites, friends } = setup(clock)
    const invite = await invites.create({ label: '', expiresInMs: 60_000 })
    const early = await invites.create({ label: '', expiresInMs: 60_000 })
    clock.advance(59_999)
    const b = person('B')
    await invites.redeem(early.token, profileOf(b), b.identity.publicKey)
    clock.advance(1)
    const d = person('D')
    await kithError(invites.redeem(invite.token, profileOf(d), d.identity.publicKey), 'UNAUTHORIZED', 'This invite has expired.')
    expect(await friends.isFriend(d.key)).toBe(false)
    expect((await invites.list()).find((i) => i.id === invite.id)!.status).toBe('pending')
  })

  it('a forged or altered token is not valid', async () => {
    const { invites, friends } = setup()
    const invite = await invites.create({ label: '', expiresInMs: null })
    const d = person('D')
    const altered = (invite.token[0] === 'a' ? 'b' : 'a') + invite.token.slice(1)
    for (const token of [altered, 'NotARealToken123', invite.token + '1', invite.id]) {
      const err = await kithError(invites.redeem(token, profileOf(d), d.identity.publicKey), 'UNAUTHORIZED', 'This invite is not valid.')
      expectSentence(err.message)
    }
    expect(await friends.isFriend(d.key)).toBe(false)
    expect((await invites.list())[0]!.status).toBe('pending')
  })

  it('the profile’s address must be the key that connected', async () => {
    const { invites, friends } = setup()
    const invite = await invites.create({ label: '', expiresInMs: null })
    const [b, mallory] = [person('B'), person('Mallory')]
    // Mallory presents Bea's address to become a friend under her name.
    await kithError(invites.redeem(invite.token, profileOf(b), mallory.identity.publicKey), 'BAD_REQUEST')
    await kithError(invites.redeem(invite.token, profileOf(b), new Uint8Array(5)), 'BAD_REQUEST')
    expect(await friends.list()).toEqual([])
    expect((await invites.list())[0]!.status).toBe('pending')
  })

  it('someone already a friend succeeds without using up a new invite', async () => {
    const { invites, friends } = setup()
    const b = person('B')
    await befriend(friends, b)
    const invite = await invites.create({ label: '', expiresInMs: null })
    await invites.redeem(invite.token, profileOf(b), b.identity.publicKey)
    expect((await invites.list())[0]!.status).toBe('pending')
  })
})
