// What of a friend's page may be stored: a cursor that is one, one version
// per id, and each item copied down to the fields Kith knows.
import { decodeCursor, type SharedItem } from '../../shared/protocol/items'

export function isCursor (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    decodeCursor(value)
    return true
  } catch {
    return false
  }
}

/** One version per id (the newest), so each row is counted once. */
export function newestById (items: SharedItem[]): SharedItem[] {
  const byId = new Map<string, SharedItem>()
  for (const item of items) {
    const had = byId.get(item.id)
    if (!had || item.updatedAt >= had.updatedAt) byId.set(item.id, item)
  }
  return [...byId.values()]
}

export function sameFile (a: SharedItem, b: SharedItem): boolean {
  return a.file?.size === b.file?.size && a.file?.name === b.file?.name && a.file?.mime === b.file?.mime
}

/** Keeps only the known fields: a hostile node's extra properties are not stored. */
export function copyItem (item: SharedItem): SharedItem {
  const out: SharedItem = { id: item.id, type: item.type, text: item.text, createdAt: item.createdAt, updatedAt: item.updatedAt }
  if (item.file) out.file = { name: item.file.name, mime: item.file.mime, size: item.file.size }
  return out
}
