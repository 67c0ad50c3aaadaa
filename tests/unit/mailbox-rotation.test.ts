// After a rotation the mailbox speaks with Sₙ (DESIGN §6a, docs/security.md
// "Recovery key and rotation"): letters, bundles and wraps are signed with
// the signing key of the newest rotation on a device that holds it, a
// device that may not sign for the person writes nothing, and a friend who
// follows the rotation refuses what the old key signs: a thief holding the
// address key (and, worst case, the pair's meeting secret) can neither
// bring Bob a post nor make him forget one.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Mailbox } from '../../node-tab/mailbox/mailbox'
import type { NodeDatabase } from '../../node-tab/storage/db'
import type { FriendCache } from '../../client/cache/friend-cache'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import type { SigningKeyPair } from '../../shared/crypto/key-types'
import type { RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import type { Person } from './friend-fixtures'
import { aliceBobCarol, mailboxOf, nodeWithFriends, readerOf, strictRelay, type OwnersNode, type Reader } from './mailbox-fixtures'

const cleanups = cleanupsAfterEach()

let relay: RunningRelay
let alice: Person, bob: Person, secretAB: Uint8Array
/** Alice's S₁, made when she rotated on her phone. */
let s1: SigningKeyPair

beforeEach(async () => {
  relay = await strictRelay(cleanups)
  ;({ alice, bob, secretAB } = aliceBobCarol())
  s1 = generateSigningKeyPair()
})

/** One of Alice's nodes signing with `signer`: the phone, or over a copy of
 *  the same profile (`db`: its items and what Bob was sent), the thief's. */
async function aliceNode (signer: SigningKeyPair | null, db?: NodeDatabase): Promise<OwnersNode & { mailbox: Mailbox }> {
  const node = await nodeWithFriends(cleanups, alice, [bob], db)
  return { ...node, mailbox: mailboxOf(cleanups, relay, alice, node.db, node.secrets, { signer: () => signer }) }
}

/** Bob's node and cache; `aliceSpeaksWith` is the key he checks Alice's letters against. */
const bobReading = (aliceSpeaksWith: Uint8Array): Reader =>
  readerOf(cleanups, relay, bob, alice, secretAB, { signingKeyOf: (friend) => friend === alice.keyHex ? aliceSpeaksWith : new Uint8Array(32) })

const texts = async (cache: FriendCache): Promise<string[]> => (await cache.items(alice.keyHex)).map((i) => i.text)

describe('the mailbox after a rotation', () => {
  it('the phone signs with S₁ and Bob, who follows the rotation, takes its post', async () => {
    const phone = await aliceNode(s1)
    const post = await phone.items.create({ type: 'post', text: 'New phone, same me', audience: { kind: 'friends' } })
    expect(await phone.mailbox.itemsChanged([post.id])).toBe(2)
    const b = bobReading(s1.publicKey)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['New phone, same me'])
    // A friend who never saw the rotation checks against the address key, and refuses it.
    const stale = bobReading(alice.identity.publicKey)
    await stale.mailbox.read()
    expect(await texts(stale.cache)).toEqual([])
    expect(stale.mailbox.dropped.forged).toBeGreaterThan(0)
  })

  it("the thief's copy, signing with the address key, brings Bob nothing and makes him forget nothing", async () => {
    const phone = await aliceNode(s1)
    const real = await phone.items.create({ type: 'post', text: 'Dinner at ours', audience: { kind: 'friends' } })
    await phone.mailbox.itemsChanged([real.id])
    const b = bobReading(s1.publicKey)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Dinner at ours'])

    // The thief holds the address key, a copy of the profile and (worst case) the pair's secret.
    const thief = await aliceNode(alice.identity, phone.db)
    const forged = await thief.items.create({ type: 'post', text: 'Send money to this account', audience: { kind: 'friends' } })
    expect(await thief.mailbox.itemsChanged([forged.id])).toBeGreaterThan(0)
    await thief.items.delete(real.id)
    expect(await thief.mailbox.noticesChanged([real.id])).toBeGreaterThan(0)
    await b.mailbox.read()
    expect(await texts(b.cache)).toEqual(['Dinner at ours'])
    expect(b.mailbox.dropped.forged).toBeGreaterThanOrEqual(2) // the wrap and the "forget it" letter
  })

  it('a device that may not sign for Alice (a kept full device without S₁, a server device) writes nothing', async () => {
    const tablet = await aliceNode(null)
    const post = await tablet.items.create({ type: 'post', text: 'From the tablet', audience: { kind: 'friends' } })
    expect(await tablet.mailbox.itemsChanged([post.id])).toBe(0)
    expect(relay.stored()).toEqual([])
  })
})
