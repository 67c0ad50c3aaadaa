// Whether this browser's node may be replaced by a restored one. At boot a
// node is always made (see client/main.ts, loadOrCreateIdentity), so a fresh
// browser already holds an identity — one nobody knows yet. An identity with
// no friends, groups, items, invites, pending deliveries or deletions, and no
// other linked device, has told no one anything and holds nothing: it is
// replaced by the backup's. Anything more is someone's real Kith, and a
// restore over it would lose it; that is refused in words instead.
import { toHex } from '../../shared/util/bytes'
import type { NodeDatabase, OwnDeviceRow } from '../storage/db'

const MUST_BE_EMPTY = ['friends', 'groups', 'memberships', 'items', 'invites', 'deletions', 'notices', 'deliveryPages', 'peerRevocations'] as const

export const NOT_FRESH = 'This browser already holds a Kith with friends, items or devices. A backup can only be restored in a browser that has not been used for Kith yet (a new browser profile, or after clearing this site\'s data). Nothing was changed.'

export async function isFreshNode (db: NodeDatabase): Promise<boolean> {
  return db.transaction('r', [...MUST_BE_EMPTY.map((t) => db.table(t)), db.devices, db.identity], async () => {
    for (const name of MUST_BE_EMPTY) if (await db.table(name).count() > 0) return false
    const own = await db.identity.get('device') as OwnDeviceRow | undefined
    const ownKey = own ? toHex(own.publicKey) : null
    const devices = await db.devices.toCollection().primaryKeys()
    return devices.every((key) => key === ownKey)
  })
}
