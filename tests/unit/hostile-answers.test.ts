// A friend's node can answer anything. Every answer is checked against what
// was asked and the protocol's shapes and bounds, and rejected whole
// otherwise (DESIGN §6b): nothing of a bad answer reaches the cache or the UI.
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import type { FriendFeedImpl } from '../../client/friends/friend-feed'
import { parseAcknowledgedAnswer, parseListItemsAnswer, parsePingAnswer, parseProfileAnswer, parseRedeemAnswer } from '../../shared/protocol/answers'
import { KithError } from '../../shared/wire/errors'
import { addressFromPublicKey } from '../../shared/identity/identity'
import type { SharedItem } from '../../shared/protocol/items'
import { clientDatabase, cleanupsAfterEach } from './cleanups'
import { connect, cursorOf, feedOver, note, person, type Handlers } from './friend-fixtures'
import { refusalMessage } from './refusal'

const cleanups = cleanupsAfterEach()

/** Refused as a bad answer, in words that say it was not used. */
function refused (fn: () => unknown): string {
  const message = refusalMessage(fn, KithError, 'BAD_REQUEST')
  expect(message).toMatch(/^Your friend’s node sent .+; it was not used\.$/)
  return message
}

const page = (items: SharedItem[], done = true): unknown => ({ items, cursor: items.length ? cursorOf(items.at(-1)!) : null, done })
const notes = (n: number, from = 1): SharedItem[] => Array.from({ length: n }, (_, i) => note(`n${String(from + i).padStart(6, '0')}`, from + i))

describe('listItems answers', () => {
  it('an honest page passes (control)', () => {
    expect(parseListItemsAnswer(page(notes(100)), { limit: 100 }).items).toHaveLength(100)
    expect(parseListItemsAnswer(page([]), { limit: 100 })).toEqual({ items: [], cursor: null, done: true })
    // The cursor is opaque: positions on several owner devices and an epoch.
    const items = notes(2)
    const cursor = 'k1.17.0123abcd-5-n1.fedcba98-9-' + items[1]!.id
    expect(parseListItemsAnswer({ items, cursor, done: false }, { limit: 5 }).cursor).toBe(cursor)
    // Each device lists in its own order, which the friend cannot check.
    expect(parseListItemsAnswer(page([items[1]!, items[0]!]), { limit: 5 }).items).toHaveLength(2)
  })

  it('more items than the limit are refused whole', () => {
    expect(refused(() => parseListItemsAnswer(page(notes(101)), { limit: 100 }))).toMatch(/101 items where at most 100/)
  })

  it('one bad item spoils the page', () => {
    const items: unknown[] = notes(3)
    items[1] = { ...(items[1] as object), evil: '<script>' }
    refused(() => parseListItemsAnswer(page(items as SharedItem[]), { limit: 10 }))
    refused(() => parseListItemsAnswer(page([{ ...note('x1', 1), text: 5 } as unknown as SharedItem]), { limit: 10 }))
    refused(() => parseListItemsAnswer(page([{ id: 'f1', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: 'a', mime: 'x', size: -1 } }]), { limit: 10 }))
    refused(() => parseListItemsAnswer(page([{ id: 'f1', type: 'file', text: '', createdAt: 1, updatedAt: 1, file: { name: { toString: 'x' }, mime: 'x', size: 1 } } as unknown as SharedItem]), { limit: 10 }))
  })

  it('duplicates, kinds and times that were not asked for are refused', () => {
    const [a] = notes(2)
    refused(() => parseListItemsAnswer(page([a!, a!]), { limit: 10 }))
    refused(() => parseListItemsAnswer(page([a!]), { limit: 10, types: ['post'] }))
    refused(() => parseListItemsAnswer(page([a!]), { limit: 10, createdFrom: 5 }))
  })

  it('a malformed or oversized cursor, or an endless empty page, is refused', () => {
    const items = notes(2)
    refused(() => parseListItemsAnswer({ items, cursor: 'k1..zz-1-a', done: true }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items, cursor: 'k1.' + '.0123abcd-1-a'.repeat(40), done: true }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items, cursor: null, done: true }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items: [], cursor: '1:a', done: true }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items: [], cursor: null, done: false }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items, cursor: cursorOf(items[1]!), done: 'yes' }, { limit: 10 }))
    refused(() => parseListItemsAnswer({ items, cursor: cursorOf(items[1]!), done: true, extra: 1 }, { limit: 10 }))
    refused(() => parseListItemsAnswer([items], { limit: 10 }))
  })
})

describe('other answers', () => {
  const alice = person()
  const aliceAddress = addressFromPublicKey(alice.identity.publicKey)

  it('a profile must be a short name for the very address we authenticated', () => {
    expect(parseProfileAnswer({ displayName: 'Alice', address: aliceAddress }, aliceAddress)).toEqual({ displayName: 'Alice', address: aliceAddress })
    // Control and bidi-override characters never reach the screen.
    expect(parseProfileAnswer({ displayName: 'Al\u202eice\n', address: aliceAddress }, aliceAddress).displayName).toBe('Al ice')
    refused(() => parseProfileAnswer({ displayName: { first: 'Alice' }, address: aliceAddress }, aliceAddress))
    refused(() => parseProfileAnswer({ displayName: 'x'.repeat(81), address: aliceAddress }, aliceAddress))
    refused(() => parseProfileAnswer({ displayName: 'Bob', address: addressFromPublicKey(person().identity.publicKey) }, aliceAddress))
    refused(() => parseRedeemAnswer({ owner: { displayName: ['Alice'], address: aliceAddress } }, aliceAddress))
    expect(parseRedeemAnswer({ owner: { displayName: 'Alice', address: aliceAddress } }, aliceAddress).owner.displayName).toBe('Alice')
  })

  it('acknowledgements count only what was sent', () => {
    expect(parseAcknowledgedAnswer({ acknowledged: ['a', 'b', 'a'] }, ['a', 'b', 'c'])).toEqual(['a', 'b'])
    refused(() => parseAcknowledgedAnswer({ acknowledged: ['a', 'zzz'] }, ['a']))
    refused(() => parseAcknowledgedAnswer({ acknowledged: 'a' }, ['a']))
    refused(() => parseAcknowledgedAnswer({ acknowledged: Array(600).fill('a') }, ['a']))
  })

  it('an echo must be what was sent', () => {
    const sent = Uint8Array.of(1, 2, 3)
    parsePingAnswer({ data: Uint8Array.of(1, 2, 3) }, sent)
    refused(() => parsePingAnswer({ data: new Uint8Array(16 * 1024 * 1024) }, sent))
    refused(() => parsePingAnswer({ data: 'abc' }, sent))
  })
})

describe('a hostile friend’s node pushing more than was asked', () => {
  async function feedAgainst (handlers: Handlers): Promise<{ feed: FriendFeedImpl, cache: FriendCache }> {
    const owner = person()
    const me = person()
    const db = clientDatabase(cleanups)
    const cache = new FriendCache(db)
    const { b: session } = await connect(owner, me, () => handlers, () => ({}))
    cleanups.push(() => session.rpc.close())
    const feed = feedOver(owner, db, session, { cache })
    cleanups.push(() => feed.close())
    return { feed, cache }
  }

  it('2,000 items in answer to a limit of 100 store nothing, and the user is told in plain words', async () => {
    let calls = 0
    const { feed } = await feedAgainst({
      listItems: () => {
        calls++
        return page(notes(2_000, calls * 10_000), false) as never
      }
    })
    await feed.sync()
    expect(await feed.items()).toEqual([])
    expect(calls).toBe(1) // refused at once, not asked again and again
    expect(feed.state).toBe('idle')
    expect(feed.lastError).toMatch(/could not be used/)
  })
})
