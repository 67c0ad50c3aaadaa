// The data model friends see. An item's audience is the owner's business:
// it never crosses the wire, and neither do group names or members.
import { KithError } from './errors'

export const ITEM_TYPES = ['note', 'post', 'file'] as const
export type ItemType = (typeof ITEM_TYPES)[number]

/** Who may see an item: all friends, members of any of these groups, or only me. */
export type Audience =
  | { kind: 'friends' }
  | { kind: 'groups', groupIds: string[] }
  | { kind: 'me' }

export interface FileMeta { name: string, mime: string, size: number }

/** An item as a friend receives it. */
export interface SharedItem {
  id: string
  type: ItemType
  /** Body of a note or post; caption of a file. */
  text: string
  createdAt: number
  /** Moves forward on every change, so friends can sync "since a cursor". */
  updatedAt: number
  file?: FileMeta
}

export const MAX_TEXT_CHARS = 20_000
/** Files are stored and sent in pieces, so this is not bounded by the RPC
 *  message limit: 1 GiB. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024
/** The largest range one fetchFile call answers with. Small, so that one
 *  answer costs the serving node little memory however large the file. */
export const MAX_FILE_RANGE_BYTES = 1024 * 1024
/** The range a client asks for at a time (and keeps as one cached piece).
 *  The node streams each range from storage a chunk at a time, so a large
 *  range costs it no more memory than a small one; large ranges mean fewer
 *  round trips and IndexedDB transactions on both sides. */
export const FILE_RANGE_BYTES = 1024 * 1024
export const MAX_PAGE = 200
export const DEFAULT_PAGE = 50

/** An item the owner is about to create. A file's content is a Blob (a
 *  picked File is one), read and stored piece by piece, never whole. */
export interface NewItem {
  type: ItemType
  text: string
  audience: Audience
  /** Required for type 'file'. */
  file?: { name: string, mime: string, content: Blob }
}

/** Position in the (updatedAt, id) order: everything after it is "new". */
export interface ItemCursor { updatedAt: number, id: string }

export function encodeCursor (c: ItemCursor): string {
  return `${c.updatedAt}:${c.id}`
}

export function decodeCursor (text: string): ItemCursor {
  const m = /^(\d{1,16}):([A-Za-z0-9]{1,64})$/.exec(text)
  if (!m) throw new KithError('BAD_REQUEST', 'malformed cursor')
  return { updatedAt: Number(m[1]), id: m[2]! }
}

export function compareCursor (a: ItemCursor, b: ItemCursor): number {
  return a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function isItemType (v: unknown): v is ItemType {
  return typeof v === 'string' && (ITEM_TYPES as readonly string[]).includes(v)
}

export function isAudience (v: unknown): v is Audience {
  if (typeof v !== 'object' || v === null) return false
  const a = v as { kind?: unknown, groupIds?: unknown }
  if (a.kind === 'friends' || a.kind === 'me') return true
  return a.kind === 'groups' && Array.isArray(a.groupIds) && a.groupIds.length > 0 &&
    a.groupIds.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 64)
}

export function isSharedItem (v: unknown): v is SharedItem {
  if (typeof v !== 'object' || v === null) return false
  const i = v as Record<string, unknown>
  if (typeof i.id !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(i.id) || !isItemType(i.type)) return false
  if (typeof i.text !== 'string' || i.text.length > MAX_TEXT_CHARS) return false
  if (!Number.isSafeInteger(i.createdAt) || !Number.isSafeInteger(i.updatedAt)) return false
  if (i.file === undefined) return i.type !== 'file'
  const f = i.file as Record<string, unknown>
  return typeof f === 'object' && f !== null && typeof f.name === 'string' && f.name.length <= 255 &&
    typeof f.mime === 'string' && f.mime.length <= 255 && Number.isSafeInteger(f.size) && (f.size as number) >= 0
}
