// Running out of storage space, recognised wherever IndexedDB reports it
// (directly, or wrapped by Dexie as `inner`), so it can be said in plain words.
export function isQuotaError (err: unknown): boolean {
  const names = [err, (err as { inner?: unknown } | null)?.inner].map((e) => (e as { name?: unknown } | null)?.name)
  return names.includes('QuotaExceededError')
}
