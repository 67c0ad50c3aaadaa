// The offers already answered and still fresh (see replay-guard.ts) outlive
// a reload: saved as soon as an offer is let through, read back at open, so
// a captured offer is not answerable again while it is fresh.
import type { ReplayGuard } from '../discovery/replay-guard'
import type { NodeDatabase } from '../storage/db'

const SEEN_OFFERS_KEY = 'rendezvous.seenOffers'

export async function restoreReplays (db: NodeDatabase, replays: ReplayGuard): Promise<void> {
  replays.restore(await db.getSetting(SEEN_OFFERS_KEY, (v): v is unknown => v !== undefined), Date.now())
}

/** Saves on every offer let through, until the node closes. */
export function saveReplays (db: NodeDatabase, replays: ReplayGuard, isClosed: () => boolean): void {
  replays.onRemember = () => {
    if (isClosed()) return
    db.putSetting(SEEN_OFFERS_KEY, replays.entries(Date.now())).catch(() => { /* kept in memory; saved with the next */ })
  }
}
