// Taking bundles back off relays. A wrap event carries up to
// MAX_WRAPS_PER_EVENT friends' wraps and only its throwaway key can have it
// deleted (NIP-09), so when an item is deleted or its audience narrowed:
//   - every wrap event holding a wrap for a friend who is no longer meant
//     to have any item of the bundle is asked deleted, and the friends in it
//     who still are get their wraps again in a new event (the same wrap ids:
//     a friend who took theirs does not take them twice);
//   - a bundle no friend is meant to have any more is asked deleted with all
//     its wrap events and the chunks of the files it names.
// The bundle's key K is only in wraps, so a friend whose wrap is gone cannot
// open the bundle. The reader never deletes a bundle or wrap event (others'
// wraps are in it, and the bundle is theirs too): they go by expiry. Relays
// that ignore deletions keep the sealed bytes until then, as for letters:
// the friend was also told to forget the items (a "forget it" letter), and
// an item they were told to forget is not brought back.
import type { NodeDatabase } from '../storage/db'
import { fromHex, toHex } from '../../shared/util/bytes'
import type { SentBundle } from './mailbox-bundle-events'
import { chunkEventKey, MAX_CHUNKS_PER_FILE, MAX_FILES_PER_BUNDLE } from './mailbox-files'

const SENT_BUNDLES_SETTING = 'mailboxSentBundles'
/** Bundles kept for withdrawal, at most (the oldest go first; expired ones
 *  go): one for 250 friends holds their keys, about 17 KB. */
const MAX_SENT_BUNDLES = 200

function isSentBundles (v: unknown): v is SentBundle[] {
  const hex = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string')
  return Array.isArray(v) && v.every((b: Partial<SentBundle>) => typeof b === 'object' && b !== null &&
    hex(b.event) && hex(b.key) && hex(b.k) && hex(b.hash) && hex(b.tag) && Number.isSafeInteger(b.exp) && strings(b.items) &&
    Array.isArray(b.wraps) && b.wraps.every((w) => hex(w?.event) && hex(w.key) && strings(w.friends)) &&
    (b.chunks === undefined || (hex(b.chunks?.seed) && Array.isArray(b.chunks.events) &&
      b.chunks.events.length <= MAX_FILES_PER_BUNDLE * MAX_CHUNKS_PER_FILE && b.chunks.events.every(hex))))
}

export async function sentBundles (db: NodeDatabase, now: number): Promise<SentBundle[]> {
  return (await db.getSetting(SENT_BUNDLES_SETTING, isSentBundles) ?? []).filter((b) => b.exp > now)
}

/** Adds bundles just published. */
export async function recordSentBundles (db: NodeDatabase, bundles: readonly SentBundle[], now: number): Promise<void> {
  if (bundles.length === 0) return
  await updateSentBundles(db, now, (had) => [...had, ...bundles])
}

/** Replaces what is kept of these bundles (by bundle event id): `null` forgets one. */
export async function replaceSentBundles (db: NodeDatabase, changed: ReadonlyMap<string, SentBundle | null>, now: number): Promise<void> {
  if (changed.size === 0) return
  await updateSentBundles(db, now, (had) => had.flatMap((b) => {
    if (!changed.has(b.event)) return [b]
    const next = changed.get(b.event)
    return next ? [next] : []
  }))
}

async function updateSentBundles (db: NodeDatabase, now: number, change: (had: SentBundle[]) => SentBundle[]): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    await db.putSetting(SENT_BUNDLES_SETTING, change(await sentBundles(db, now)).slice(-MAX_SENT_BUNDLES))
  })
}

/** What withdrawing one bundle takes, given who is still meant to have it. */
export interface BundlePlan {
  /** Wrap events (and the bundle's own and its file chunks, when nobody is left) to delete: [event id, key]. */
  deletions: Array<[string, string]>
  /** Friends still meant to have it whose wraps are in a deleted wrap event: wrapped again. */
  rewrap: string[]
  /** The wrap events kept as they are. */
  kept: SentBundle['wraps']
  /** Nobody is left: the bundle goes too. */
  gone: boolean
}

/** Null when every wrap of the bundle is still for its friend. */
export function planWithdrawal (bundle: SentBundle, stillFor: (friend: string) => boolean): BundlePlan | null {
  const plan: BundlePlan = { deletions: [], rewrap: [], kept: [], gone: false }
  for (const wraps of bundle.wraps) {
    if (wraps.friends.every(stillFor)) { plan.kept.push(wraps); continue }
    plan.deletions.push([wraps.event, wraps.key])
    plan.rewrap.push(...wraps.friends.filter(stillFor))
  }
  if (plan.deletions.length === 0) return null
  if (plan.kept.length === 0 && plan.rewrap.length === 0) {
    plan.gone = true
    plan.deletions.push([bundle.event, bundle.key])
    // A file's chunks go with the bundle that names them.
    bundle.chunks?.events.forEach((event, i) => plan.deletions.push([event, toHex(chunkEventKey(fromHex(bundle.chunks!.seed), i))]))
  }
  return plan
}
