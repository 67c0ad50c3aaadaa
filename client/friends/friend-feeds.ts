// One feed per friend, shared by the page that shows them and the
// background drain of their queue, so a download that resumed after a
// reload settles the page's wait for the same file.
import { toHex } from '../../shared/util/bytes'
import { addressFromPublicKey, parseAddress } from '../../shared/identity/identity'
import { loadCrypto } from '../../shared/crypto/crypto'
import type { KithNode } from '../../node-tab/node'
import type { FriendCache } from '../cache/friend-cache'
import type { FriendFeedImpl } from './friend-feed'
import type { Outbox } from './outbox'

/** friend-feed.ts once loaded: get() then builds synchronously, so two
 *  calls in a row share one feed. */
let friendFeedCode: typeof import('./friend-feed') | null = null

export class FriendFeeds {
  private readonly open = new Map<string, FriendFeedImpl>()

  constructor (private readonly node: KithNode, private readonly cache: FriendCache, private readonly outbox: Outbox) {}

  async get (ownerAddress: string): Promise<FriendFeedImpl> {
    // Its code (syncing, fetching files) is not on the first screen.
    // parseAddress checks the check digits with the cryptography code.
    const [{ FriendFeedImpl }] = await Promise.all([friendFeedCode ??= await import('./friend-feed'), loadCrypto()])
    const ownerKey = parseAddress(ownerAddress)
    const ownerKeyHex = toHex(ownerKey)
    const open = this.open.get(ownerKeyHex)
    if (open && !open.isClosed) return open
    const feed = new FriendFeedImpl({
      ownerAddress: addressFromPublicKey(ownerKey),
      ownerKeyHex,
      cache: this.cache,
      outbox: this.outbox,
      currentSession: () => this.node.sessions.get(ownerKeyHex),
      getSession: (signal) => this.node.getSession(ownerKey, { signal }),
      // Answered by letters, into the cache as the mailbox's letters go (the cursor stays: a live sync still follows).
      askWhileAway: () => {
        this.cache.cursor(ownerKeyHex).then((after) => this.node.mailbox.ask(ownerKeyHex, after)).catch(() => { /* the relays are unreachable */ })
      }
    })
    this.open.set(ownerKeyHex, feed)
    return feed
  }
}
