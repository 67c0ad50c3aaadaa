// The wraps this device took (their items handed to the friend cache), by
// wrap id: a wrap event stays on a relay until it expires (a reader cannot
// delete it: other friends' wraps are in it), so without this every read
// would ask for every bundle of the last two weeks again. A device setting
// (not synced); the friend cache remembers letters taken as well.
import type { NodeDatabase } from '../storage/db'

const TAKEN_SETTING = 'mailboxWrapsTaken'
const MAX_TAKEN = 2_000

const isIdList = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string')

export async function takenWraps (db: NodeDatabase): Promise<Set<string>> {
  return new Set(await db.getSetting(TAKEN_SETTING, isIdList) ?? [])
}

export async function recordTakenWraps (db: NodeDatabase, wrapIds: readonly string[]): Promise<void> {
  if (wrapIds.length === 0) return
  await db.transaction('rw', db.settings, async () => {
    const had = [...await takenWraps(db)].filter((id) => !wrapIds.includes(id))
    await db.putSetting(TAKEN_SETTING, [...had, ...wrapIds].slice(-MAX_TAKEN))
  })
}
