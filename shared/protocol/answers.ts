// Answers from a peer are as hostile as its requests (DESIGN §6b): each is
// checked against the protocol's shapes and bounds and against what we asked,
// and rejected whole otherwise, in words a person can read. Checking the
// whole answer (not item by item) means a node cannot push more than was
// asked, nor smuggle odd values into UI state by mixing them with good ones.
import { KithError } from '../wire/errors'
import { cleanDisplayName } from './display-name'
import { decodeCursor, isItemType, MAX_FILE_BYTES, MAX_TEXT_CHARS, type ItemType, type SharedItem } from './items'
import { MAX_DISPLAY_NAME, MAX_NOTICE_BATCH, type ListItemsResult, type Profile } from './protocol'

/** What we sent in a listItems request (the parts an answer must honour). */
export interface ListItemsRequest {
  limit: number
  types?: ItemType[]
  createdFrom?: number
  createdTo?: number
}

const ITEM_ID = /^[A-Za-z0-9]{1,64}$/
const MAX_FILE_NAME = 255

function refuse (what: string): never {
  throw new KithError('BAD_REQUEST', `Your friend’s node sent ${what}; it was not used.`)
}

function hasOnlyKeys (value: object, allowed: readonly string[]): boolean {
  return Object.keys(value).every((k) => allowed.includes(k))
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

/** One item, exactly as the protocol describes it: no extra fields, every bound. */
export function isStrictSharedItem (value: unknown): value is SharedItem {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['id', 'type', 'text', 'createdAt', 'updatedAt', 'file'])) return false
  const { id, type, text, createdAt, updatedAt, file } = value
  if (typeof id !== 'string' || !ITEM_ID.test(id) || !isItemType(type)) return false
  if (typeof text !== 'string' || text.length > MAX_TEXT_CHARS) return false
  if (!Number.isSafeInteger(createdAt) || (createdAt as number) < 0) return false
  if (!Number.isSafeInteger(updatedAt) || (updatedAt as number) < 0) return false
  if (type !== 'file') return file === undefined
  if (!isPlainObject(file) || !hasOnlyKeys(file, ['name', 'mime', 'size'])) return false
  return typeof file.name === 'string' && file.name.length > 0 && file.name.length <= MAX_FILE_NAME &&
    typeof file.mime === 'string' && file.mime.length <= MAX_FILE_NAME &&
    Number.isSafeInteger(file.size) && (file.size as number) >= 0 && (file.size as number) <= MAX_FILE_BYTES
}

/** A listItems answer that honours the request, or BAD_REQUEST. */
export function parseListItemsAnswer (value: unknown, request: ListItemsRequest): ListItemsResult {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['items', 'cursor', 'done'])) refuse('a list of items in the wrong shape')
  const { items, cursor, done } = value
  if (!Array.isArray(items) || typeof done !== 'boolean' || (cursor !== null && typeof cursor !== 'string')) {
    refuse('a list of items in the wrong shape')
  }
  const previous = checkSharedItems(items, request).at(-1) ?? null
  if (previous === null) {
    if (cursor !== null) refuse('a position after an empty page')
    // "Not done" with nothing in it would keep us asking forever.
    if (!done) refuse('an empty page that claims more follows')
  } else {
    if (cursor === null) refuse('a page without its position')
    // Opaque to us (positions on the owner's devices), but well formed and bounded.
    try {
      decodeCursor(cursor as string)
    } catch {
      return refuse('a page with a malformed position')
    }
  }
  return { items: items as SharedItem[], cursor: cursor as string | null, done }
}

/** A profile, and it must be the profile of the person we authenticated. */
export function parseProfileAnswer (value: unknown, expectedAddress: string): Profile {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['displayName', 'address'])) refuse('a profile in the wrong shape')
  const { displayName, address } = value
  if (typeof displayName !== 'string' || displayName.length > MAX_DISPLAY_NAME) refuse(`a name that is not text of at most ${MAX_DISPLAY_NAME} characters`)
  if (address !== expectedAddress) refuse('a profile for a different address')
  return { displayName: cleanDisplayName(displayName), address }
}

/** A redeemInvite answer: the inviter's own profile. */
export function parseRedeemAnswer (value: unknown, expectedAddress: string): { owner: Profile } {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['owner'])) refuse('an invite answer in the wrong shape')
  return { owner: parseProfileAnswer(value.owner, expectedAddress) }
}

/** The ids a friend acknowledged: only ones we sent count, each once. */
export function parseAcknowledgedAnswer (value: unknown, sent: readonly string[]): string[] {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['acknowledged'])) refuse('an acknowledgement in the wrong shape')
  const { acknowledged } = value
  if (!Array.isArray(acknowledged) || acknowledged.length > Math.min(sent.length, MAX_NOTICE_BATCH)) refuse('an acknowledgement in the wrong shape')
  const asked = new Set(sent)
  const out = new Set<string>()
  for (const id of acknowledged) {
    if (typeof id !== 'string' || !asked.has(id)) refuse('an acknowledgement for something that was not sent')
    out.add(id)
  }
  return [...out]
}

/** An echo must be the bytes we sent. */
export function parsePingAnswer (value: unknown, sent: Uint8Array): void {
  if (!isPlainObject(value) || !hasOnlyKeys(value, ['data']) || !(value.data instanceof Uint8Array)) refuse('an echo in the wrong shape')
  const data = value.data as Uint8Array
  if (data.length !== sent.length || data.some((b, i) => b !== sent[i])) refuse('an echo that differs from what was sent')
}

export { cleanDisplayName }

/** The items of a page as a live answer must have them: each a valid note,
 *  post or file, none twice, at most as many as asked for, of the kinds and
 *  time range asked for. Also the check of items from a mailbox letter
 *  (client/cache/mailbox-intake.ts), so both ways in are judged alike. */
export function checkSharedItems (items: unknown[], request: ListItemsRequest): SharedItem[] {
  if (items.length > request.limit) refuse(`${items.length} items where at most ${request.limit} were asked for`)
  const types = request.types ? new Set<string>(request.types) : null
  const seen = new Set<string>()
  for (const item of items) {
    if (!isStrictSharedItem(item)) refuse('an item that is not a valid note, post or file')
    if (seen.has(item.id)) refuse('the same item twice in one page')
    seen.add(item.id)
    if (types && !types.has(item.type)) refuse('an item of a kind that was not asked for')
    if ((request.createdFrom !== undefined && item.createdAt < request.createdFrom) ||
      (request.createdTo !== undefined && item.createdAt > request.createdTo)) refuse('an item outside the time range asked for')
    // No order to check: each owner device lists in its own order (see
    // CursorPosition), which the friend cannot see and need not.
  }
  return items as SharedItem[]
}
