// The browser's own account of Kith's storage: persistent or not, bytes used
// and the quota (navigator.storage; absent in some contexts, then unknown).
import type { StorageInfo } from '../api/backup-api'

export function storageManager (): StorageManager | null {
  return typeof navigator !== 'undefined' && navigator.storage && typeof navigator.storage.estimate === 'function' ? navigator.storage : null
}

export async function storageInfo (): Promise<StorageInfo> {
  const storage = storageManager()
  if (!storage) return { persisted: null, usage: null, quota: null }
  const [persisted, estimate] = await Promise.all([
    typeof storage.persisted === 'function' ? storage.persisted().catch(() => null) : Promise.resolve(null),
    storage.estimate().catch(() => null)
  ])
  return { persisted, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null }
}
