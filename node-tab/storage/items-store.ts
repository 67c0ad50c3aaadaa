// The owner's items: writing them, changing who sees them, deleting them for
// real, and answering a friend's requests (their pages: friend-pages.ts). Every change that takes an
// item away from someone who received it goes through revokeInvisible in the
// same transaction, so no delete notice can be lost between the two.
import { KithError } from '../../shared/wire/errors'
import {
  isAudience, isItemType, MAX_FILE_BYTES, MAX_TEXT_CHARS,
  type Audience, type NewItem
} from '../../shared/protocol/items'
import type { FileRangeParams, ListItemsParams, ListItemsResult } from '../../shared/protocol/protocol'
import { canSee, type Viewer } from './access-policy'
import type { ItemRow, NodeDatabase } from './db'
import { deliveryTables, recordDeliveries, wasDelivered } from './deliveries'
import { newItemId } from './ids'
import { withoutIndexEntries } from './visibility-index'
import type { FriendPages } from './friend-pages'
import { NOT_A_FRIEND, NO_SUCH_ITEM } from './friend-refusals'
import { deleteChunks, fileBlob, hasAllChunks, NO_SPACE, NO_SPACE_FOR_ITEM, rangeOfFile, removeOrphans, streamRange, writeChunks } from './file-chunks'
import { isQuotaError } from '../../shared/util/quota'
import type { ByteStream } from '../../shared/wire/byte-stream'
import { clockTables, nextStamp } from './clock'
import { loadViewers, revokeInvisible, revokeTables, unionTables } from './revoke'

export { NOT_A_FRIEND, NO_SUCH_ITEM } from './friend-refusals'
const MAX_NAME_CHARS = 255
const DEFAULT_MINE = 200

export class ItemsStore {
  /** Items whose file pieces are being written now: not orphans. */
  private readonly writing = new Set<string>()

  constructor (private readonly db: NodeDatabase, private readonly now: () => number = Date.now) {}

  /** A file's pieces are written first, the item row last: the item appears
   *  whole or not at all. onProgress reports the fraction of the file saved. */
  async create (item: NewItem, onProgress?: (fraction: number) => void): Promise<ItemRow> {
    const { file, ...checked } = checkNewItem(item)
    const db = this.db
    const id = newItemId()
    if (file) {
      // Fail before writing a large file, not after.
      await this.checkAudience(item.audience)
      this.writing.add(id)
    }
    try {
      if (file) await writeChunks(db, id, file.content, onProgress)
      return await db.transaction('rw', unionTables(clockTables(db), [db.fileChunks, db.groups]), async () => {
        const audience = await this.checkAudience(item.audience)
        const stamp = await this.nextStamp()
        const row: ItemRow = { id, ...checked, audience, createdAt: this.now(), updatedAt: stamp, listedAt: stamp }
        if (file) {
          if (!await hasAllChunks(db, id, file.content.size)) throw new KithError('INTERNAL', 'The file could not be saved completely.')
          row.file = { name: file.name, mime: file.mime, size: file.content.size }
        }
        await db.items.add(row)
        return row
      })
    } catch (err) {
      if (file) await deleteChunks(db, id).catch(() => { /* removeOrphans gets them later */ })
      // Out of room while writing the item itself (its pieces fit): the same
      // plain words, and nothing of it kept.
      throw isQuotaError(err) ? new KithError('TOO_LARGE', file ? NO_SPACE : NO_SPACE_FOR_ITEM) : err
    } finally {
      this.writing.delete(id)
    }
  }

  /** Removes file pieces without an item (a save interrupted by a crash or
   *  a closed tab). Run when the node opens. Returns how many files went. */
  removeOrphanChunks (): Promise<number> {
    return removeOrphans(this.db, this.writing)
  }

  /** My items, newest first. */
  async listMine (opts: { limit?: number } = {}): Promise<ItemRow[]> {
    const limit = Math.max(1, Math.floor(opts.limit ?? DEFAULT_MINE))
    return (await this.db.items.orderBy('createdAt').reverse().limit(limit).toArray()).map(withoutIndexEntries)
  }

  async get (id: string): Promise<ItemRow | undefined> {
    const row = await this.db.items.get(id)
    return row && withoutIndexEntries(row)
  }

  /** The owner's own access to a file: a Blob made of its stored pieces. */
  async fileBlob (id: string): Promise<Blob | null> {
    const db = this.db
    return db.transaction('r', db.items, db.fileChunks, async () => {
      const row = await db.items.get(id)
      if (!row?.file || !await hasAllChunks(db, id, row.file.size)) return null
      return fileBlob(db, id, row.file.mime)
    })
  }

  /** Changes who may see an item. Friends who received it and may no longer
   *  see it are asked to delete it: for them, narrowing is deleting. */
  async setAudience (id: string, audience: Audience): Promise<void> {
    const db = this.db
    await db.transaction('rw', unionTables(revokeTables(db), clockTables(db), [db.groups]), async () => {
      if (!await db.items.get(id)) throw new KithError('NOT_FOUND', NO_SUCH_ITEM)
      const checked = await this.checkAudience(audience)
      const stamp = await this.nextStamp()
      await db.items.update(id, { audience: checked, updatedAt: stamp, listedAt: stamp })
      await revokeInvisible(db, { itemIds: [id], reason: 'audience-narrowed', at: this.now() })
    })
  }

  /** Replaces the text of a note or post (a file's caption too): a new
   *  updatedAt and a new listing position, so friends' incremental syncs list
   *  it again and their cached copy (older updatedAt) is replaced; my other
   *  devices take it as any change of the items table. Same bounds as at
   *  creation. Returns the updated row. */
  async editText (id: string, text: string): Promise<ItemRow> {
    checkText(text)
    const db = this.db
    return db.transaction('rw', clockTables(db), async () => {
      const stored = await db.items.get(id)
      if (!stored) throw new KithError('NOT_FOUND', NO_SUCH_ITEM)
      const row = withoutIndexEntries(stored)
      if (row.text === text) return row
      const stamp = await this.nextStamp()
      await db.items.update(id, { text, updatedAt: stamp, listedAt: stamp })
      return { ...row, text, updatedAt: stamp, listedAt: stamp }
    })
  }

  /** Deletes an item as if it was never stored: the row and the bytes go;
   *  only the id and type stay, in notices to the friends who received it. */
  async delete (id: string): Promise<void> {
    const db = this.db
    await db.transaction('rw', unionTables(revokeTables(db), [db.fileChunks]), async () => {
      const row = await db.items.get(id)
      if (!row) throw new KithError('NOT_FOUND', NO_SUCH_ITEM)
      await db.items.delete(id)
      await deleteChunks(db, id)
      await revokeInvisible(db, { itemIds: [id], reason: 'deleted', at: this.now(), gone: new Map([[id, row.type]]), goneDetails: new Map([[id, row]]) })
    })
  }

  async viewerFor (friendKey: string): Promise<Viewer> {
    return (await loadViewers(this.db, [friendKey])).get(friendKey)!
  }

  /** A friend's scoped request (friend-pages.ts). Its code, with the
   *  visibility index's reading, comes with the first request, not with the
   *  app's first screen (a friend's page is never asked before networking
   *  starts); a failed load is tried again at the next request. */
  async listVisible (friendKey: string, params: ListItemsParams): Promise<ListItemsResult> {
    this.pages ??= import('./friend-pages').then(
      ({ FriendPages }) => new FriendPages(this.db, this.now, (key) => this.viewerFor(key)),
      (err: unknown) => { this.pages = undefined; throw err })
    return (await this.pages).listVisible(friendKey, params)
  }

  private pages: Promise<FriendPages> | undefined

  /** One range of a file for a friend who may see it; every other case gets
   *  the same NOT_FOUND. Reads only the pieces under the range, so an answer
   *  costs at most MAX_FILE_RANGE_BYTES of memory whatever the file's size.
   *  The audience is checked, and the delivery recorded, on every range: a
   *  friend who skips the first range is still told when the item goes.
   *  Only the first range of a fetch writes (the delivery); the others are
   *  read-only transactions, which IndexedDB runs side by side. */
  async fileRangeForFriend (friendKey: string, range: FileRangeParams): Promise<{ bytes: ByteStream, size: number }> {
    const db = this.db
    const readTables = [db.items, db.fileChunks, db.friends, db.memberships, db.deliveryPages]
    const locate = async () => {
      const viewer = await this.viewerFor(friendKey)
      if (!viewer.isFriend) throw new KithError('UNAUTHORIZED', NOT_A_FRIEND)
      const row = await db.items.get(range.id)
      if (row?.type !== 'file' || !row.file || !canSee(row.audience, viewer)) throw new KithError('NOT_FOUND', NO_SUCH_ITEM)
      const size = row.file.size
      return { ...await rangeOfFile(db, range.id, size, range.offset, range.length), size }
    }
    let found = await db.transaction('r', readTables, async () => {
      return await wasDelivered(db, range.id, friendKey) ? await locate() : null
    })
    // Not yet recorded as theirs: check again and record it in one transaction.
    found ??= await db.transaction('rw', unionTables(readTables, deliveryTables(db)), async () => {
      const located = await locate()
      await recordDeliveries(db, friendKey, [range.id], this.now())
      return located
    })
    // Streamed from the pieces as the channel drains: concurrent requests
    // hold a chunk each, not a range each.
    return { bytes: streamRange(found.rows, range.offset, found.end), size: found.size }
  }

  /** A strictly later updatedAt (see clock.ts). */
  private async nextStamp (): Promise<number> {
    return nextStamp(this.db, this.now)
  }

  /** A clean copy of an audience whose groups all exist. */
  private async checkAudience (audience: unknown): Promise<Audience> {
    if (!isAudience(audience)) throw new KithError('BAD_REQUEST', 'Choose who can see this: all friends, some groups, or only me.')
    if (audience.kind !== 'groups') return { kind: audience.kind }
    const groupIds = [...new Set(audience.groupIds)]
    const found = await this.db.groups.bulkGet(groupIds)
    if (found.some((g) => g === undefined)) throw new KithError('BAD_REQUEST', 'One of the chosen groups no longer exists.')
    return { kind: 'groups', groupIds }
  }
}

function checkNewItem (item: NewItem): Pick<ItemRow, 'type' | 'text'> & { file?: NewItem['file'] } {
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toLocaleString('en', { maximumFractionDigits: 1 })
  const bad = (message: string): never => { throw new KithError('BAD_REQUEST', message) }
  if (!isItemType(item.type)) bad('An item is a note, a post or a file.')
  checkText(item.text)
  if (item.type !== 'file') {
    if (item.file !== undefined) bad('Only a file item can carry a file.')
    return { type: item.type, text: item.text }
  }
  const file = item.file
  if (!file || !(file.content instanceof Blob)) return bad('Choose a file to share.')
  if (file.content.size > MAX_FILE_BYTES) bad(`A file can be at most ${mb(MAX_FILE_BYTES)} MB; this one is ${mb(file.content.size)} MB.`)
  const name = typeof file.name === 'string' ? file.name.trim() : ''
  if (name === '') bad('The file needs a name.')
  if (name.length > MAX_NAME_CHARS) bad(`A file name can be at most ${MAX_NAME_CHARS} characters.`)
  const mime = typeof file.mime === 'string' && file.mime.length > 0 && file.mime.length <= MAX_NAME_CHARS ? file.mime : 'application/octet-stream'
  return { type: 'file', text: item.text, file: { name, mime, content: file.content } }
}

function checkText (text: unknown): void {
  if (typeof text !== 'string') throw new KithError('BAD_REQUEST', 'The text is missing.')
  if (text.length > MAX_TEXT_CHARS) throw new KithError('BAD_REQUEST', `A text can be at most ${MAX_TEXT_CHARS.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.`)
}
