// Which synced rows a device takes only with the identity's signature (see
// shared/identity/grants.ts): a friendship or an invite that a server device wrote
// (it has no identity key, so it cannot sign one) stays on that device.
// Removals need no grant: ending access is never a risk to the person.
//
// The same for the devices tables: a row of my devices whose certificate or
// revocation my identity did not sign, or a friend's revocation that friend
// did not sign, is not taken. Stored, a broken certificate hid a real
// revocation beside it (DevicesStore skips the whole row), and a junk
// revocation replaced a real one in the merge: either undid a revocation
// on every device it reached (tests/unit/attack-devices.test.ts).
import { fromHex, toHex } from '../../shared/util/bytes'
import { checkDeviceCertificate, checkDeviceRevocation } from '../../shared/identity/device-certificate'
import { isFriendGranted, isInviteGranted, isSettingGranted, type GrantedInvite } from '../../shared/identity/grants'
import type { DeviceRole } from '../../shared/identity/device-certificate'
import { isSignedSetting, RECOVERY_RECORD_KEY } from '../storage/signed-settings'
import { parseRecoveryRecord } from '../../shared/identity/recovery-record'
import { bytesEqual } from '../../shared/util/bytes'
import { provenSecrets } from './meeting-secrets'
import type { CheckedRecord } from './records'

/** The records to take from one of my devices, `from` its role as its
 *  certificate says (a server device unless known). A friends row taken
 *  keeps only the meeting secrets it may bring (see meeting-secrets.ts). */
export function grantedRecords (identityKey: Uint8Array, from: DeviceRole = 'server', rotated: RotatedSigners = {}): (record: CheckedRecord) => boolean {
  // After my rotations, rows S₁…Sₙ signed are mine too (the devices store
  // and the handshake judge which still count); a friend's revocation the
  // Sₙ I follow for them signed is theirs.
  const mine = [identityKey, ...rotated.mine ?? []]
  // Grants, signed settings and my meeting-secret proofs: only as signed by
  // the signing key I follow for myself now (Sₙ after rotation n; asked
  // for each record, as a rotation may be followed during a session).
  // What an older key signed, which a thief may hold, is refused, however
  // it is dated.
  const current = (): Uint8Array => rotated.current?.() ?? identityKey
  const theirsNow = (friendKey: Uint8Array): Uint8Array => rotated.friend?.(friendKey) ?? friendKey
  return (record) => {
    const row = record.row
    // Whether the person is discoverable, and where their devices meet: only
    // as the identity signed it, and never deleted (storage/signed-settings.ts).
    // My recovery record's grant stays the address key's: R decides which
    // record counts, never a signing key (merge.ts: firstRecoveryRecord).
    if (record.table === 'settings' && isSignedSetting(record.key)) {
      const signer = record.key === RECOVERY_RECORD_KEY ? identityKey : current()
      return row !== undefined && isSettingGranted(signer, record.key as string, row.value, row.at, row.grant) &&
        (record.key !== RECOVERY_RECORD_KEY || isOwnRecoveryRecord(row.value, identityKey))
    }
    if (!row) return true
    if (record.table === 'friends') {
      if (!isFriendGranted(current(), row.key as string, row.addedAt, row.grant)) return false
      record.row = provenSecrets(row, identityKey, from, current(), theirsNow(fromHex(row.key as string)))
      return true
    }
    if (record.table === 'invites') return isInviteGranted(current(), row as unknown as GrantedInvite, row.grant)
    if (record.table === 'devices') {
      return mine.some((key) => signedFor(row.deviceKey as string, () => checkDeviceCertificate(row.certificate, { identityKey, now: Number.MAX_SAFE_INTEGER, signingKey: key }).deviceKey)) &&
        (row.revocation === undefined || mine.some((key) => signedFor(row.deviceKey as string, () => checkDeviceRevocation(row.revocation, identityKey, key).deviceKey)))
    }
    if (record.table === 'peerRevocations') {
      const friendKey = fromHex(row.identityKey as string)
      const theirs = [friendKey, ...[rotated.friend?.(friendKey)].filter((k): k is Uint8Array => k instanceof Uint8Array)]
      return theirs.some((key) => signedFor(row.deviceKey as string, () => checkDeviceRevocation(row.revocation, friendKey, key).deviceKey))
    }
    return true
  }
}

/** The signing keys rotations named: mine (S₁…Sₙ), the one I follow for
 *  myself now (Sₙ, or my identity key), and the Sₙ I follow for a friend
 *  (null when they never rotated). */
export interface RotatedSigners {
  mine?: readonly Uint8Array[]
  current?: () => Uint8Array
  friend?: (friendKey: Uint8Array) => Uint8Array | null
}

/** Whether `check` passes and names the device `deviceHex`. */
function signedFor (deviceHex: string, check: () => Uint8Array): boolean {
  try {
    return toHex(check()) === deviceHex
  } catch {
    return false
  }
}

/** A recovery record for me (a grant over junk bytes, or over another
 *  person's record, would otherwise pass as a setting). Who signed it is
 *  judged against the record kept, in merge.ts (firstRecoveryRecord). */
function isOwnRecoveryRecord (value: unknown, identityKey: Uint8Array): boolean {
  try {
    return bytesEqual(parseRecoveryRecord(value).identityKey, identityKey)
  } catch {
    return false
  }
}
