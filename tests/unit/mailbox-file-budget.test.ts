// Files that come on their own with the mailbox's letters are kept within
// a budget per friend (client/cache/friend-limits.ts MAILBOX_FILE_BYTES): a
// friend posting photo after photo while I am away cannot fill my disk. Past
// it the files of that friend's oldest items go first; the items stay, and
// their files come again live when opened.
import { describe, expect, it } from 'vitest'
import { FriendCache } from '../../client/cache/friend-cache'
import { clientDatabase as database, cleanupsAfterEach } from './cleanups'
import { fileItem, person, storeWholeFile } from './friend-fixtures'

const cleanups = cleanupsAfterEach()
const alice = person()
const carol = person()
const KiB = 1024
const FILE = 100 * KiB

const bytesOf = (seed: number, size = FILE): Uint8Array => new Uint8Array(size).fill(seed)

async function cachedFiles (cache: FriendCache, owner: string): Promise<string[]> {
  return (await cache.items(owner)).filter((item) => item.fileCached).map((item) => item.id).sort()
}

describe('files from the mailbox, per friend', () => {
  it('a friend flooding photos keeps at most the budget in files: the oldest items lose theirs, every item stays', async () => {
    const cache = new FriendCache(database(cleanups), {}, { mailboxFileBytes: 3 * FILE })
    for (let i = 1; i <= 8; i++) {
      const id = `p${i}`
      await cache.storePage(alice.keyHex, [fileItem(id, i * 1000, FILE)], null, undefined, new Map([[id, bytesOf(i)]]))
    }
    expect((await cache.items(alice.keyHex)).map((item) => item.id)).toHaveLength(8)
    expect(await cachedFiles(cache, alice.keyHex)).toEqual(['p6', 'p7', 'p8'])
  })

  it('one page bringing more than the budget keeps what fits; a file larger than the budget is not kept', async () => {
    const cache = new FriendCache(database(cleanups), {}, { mailboxFileBytes: 3 * FILE })
    const items = [1, 2, 3, 4, 5].map((i) => fileItem(`q${i}`, i * 1000, FILE))
    await cache.storePage(alice.keyHex, items, null, undefined, new Map(items.map((item, i) => [item.id, bytesOf(i + 1)])))
    expect((await cachedFiles(cache, alice.keyHex)).length).toBe(3)
    const big = fileItem('big', 9000, 4 * FILE)
    await cache.storePage(alice.keyHex, [big], null, undefined, new Map([['big', bytesOf(9, 4 * FILE)]]))
    expect(await cachedFiles(cache, alice.keyHex)).not.toContain('big')
    expect((await cache.items(alice.keyHex)).some((item) => item.id === 'big')).toBe(true)
  })

  it("one friend's files never push out another's, and a file I downloaded counts within its friend's budget", async () => {
    const cache = new FriendCache(database(cleanups), {}, { mailboxFileBytes: 2 * FILE })
    await cache.storePage(carol.keyHex, [fileItem('c1', 500, FILE)], null, undefined, new Map([['c1', bytesOf(1)]]))
    await cache.storePage(alice.keyHex, [fileItem('mine', 500, FILE)], null)
    expect(await storeWholeFile(cache, alice.keyHex, 'mine', bytesOf(7))).toBe(true)
    for (let i = 1; i <= 3; i++) {
      await cache.storePage(alice.keyHex, [fileItem(`a${i}`, 1000 * i, FILE)], null, undefined, new Map([[`a${i}`, bytesOf(i)]]))
    }
    expect(await cachedFiles(cache, alice.keyHex)).toEqual(['a2', 'a3'])
    expect(await cachedFiles(cache, carol.keyHex)).toEqual(['c1'])
  })
})
