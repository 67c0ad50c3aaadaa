// The data model friends see. An item's audience is the owner's business:
// it never crosses the wire, and neither do group names or members.
import { KithError } from '../wire/errors'

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
  /** When the content last changed: the same whichever of the owner's
   *  devices answers. Listing order is the device's own (see ItemCursor). */
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

/** Where a friend's listing stands on one of the owner's devices: each
 *  device lists items in its own (listedAt, id) order, a position of its own
 *  clock, so a change that reaches a device late still lists after the
 *  friend's position there. */
export interface CursorPosition { device: string, listedAt: number, id: string }

/**
 * A friend's listing cursor, opaque to the friend: one position per owner
 * device it was listed from, and the friend's resync epoch. A device reads
 * its own position (none: from the start), carries the others through, and
 * trusts none of them unless the epoch is current. Written
 * `k1.<epoch>.<device>-<listedAt>-<id>…`, at most MAX_CURSOR_DEVICES
 * positions in MAX_CURSOR_CHARS characters. Before owner devices, a cursor
 * was `<updatedAt>:<id>`; such a cursor reads as "from the start".
 */
export interface ItemCursor { epoch: number | null, positions: CursorPosition[] }

export const MAX_CURSOR_DEVICES = 8
export const MAX_CURSOR_CHARS = 512
const POSITION = /^([0-9a-f]{8,32})-(\d{1,16})-([A-Za-z0-9]{1,64})$/
const LEGACY_CURSOR = /^\d{1,16}:[A-Za-z0-9]{1,64}$/

/** The cursor as text; positions past the bounds (the oldest, last) are dropped. */
export function encodeCursor (c: ItemCursor): string {
  const parts = ['k1', c.epoch === null ? '' : String(c.epoch)]
  let length = parts.join('.').length
  for (const p of c.positions.slice(0, MAX_CURSOR_DEVICES)) {
    const part = `${p.device}-${p.listedAt}-${p.id}`
    if (length + 1 + part.length > MAX_CURSOR_CHARS) break
    parts.push(part)
    length += 1 + part.length
  }
  return parts.join('.')
}

/** Reads a cursor from a friend: hostile input, checked whole. A forged one
 *  can only make its sender miss items or get them again. */
export function decodeCursor (text: string): ItemCursor {
  const bad = (): never => { throw new KithError('BAD_REQUEST', 'malformed cursor') }
  if (typeof text !== 'string' || text.length > MAX_CURSOR_CHARS) bad()
  if (LEGACY_CURSOR.test(text)) return { epoch: null, positions: [] }
  const [version, epoch, ...rest] = text.split('.')
  if (version !== 'k1' || epoch === undefined || !/^(\d{1,16})?$/.test(epoch) || rest.length > MAX_CURSOR_DEVICES) bad()
  const positions = rest.map((part): CursorPosition => {
    const m = POSITION.exec(part) ?? bad()
    return { device: m[1]!, listedAt: Number(m[2]), id: m[3]! }
  })
  if (new Set(positions.map((p) => p.device)).size !== positions.length) bad()
  return { epoch: epoch === '' ? null : Number(epoch), positions }
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
