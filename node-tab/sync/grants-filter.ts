// Which synced rows a device takes only with the identity's grant (see
// shared/grants.ts): a friendship or an invite that a server device wrote
// (it has no identity key, so it cannot sign one) stays on that device.
// Removals need no grant: ending access is never a risk to the person.
import { isFriendGranted, isInviteGranted, type GrantedInvite } from '../../shared/grants'
import type { CheckedRecord } from './records'

export function grantedRecords (identityKey: Uint8Array): (record: CheckedRecord) => boolean {
  return (record) => {
    if (!record.row) return true
    if (record.table === 'friends') return isFriendGranted(identityKey, record.row.key as string, record.row.addedAt, record.row.grant)
    if (record.table === 'invites') return isInviteGranted(identityKey, record.row as unknown as GrantedInvite, record.row.grant)
    return true
  }
}
