// How a change from another device meets the row here. Most tables: the
// later stamp wins, whole rows (last writer wins). Two tables must not lose
// anything to that: the deletion log keeps every friend's confirmation from
// any device, and a revocation (of my devices or a friend's), once known, is
// never undone.
import { isSignedSetting, laterSetting, RECOVERY_RECORD_KEY } from '../storage/signed-settings'
import { isRecoveryRecordSignedBy, parseRecoveryRecord } from '../../shared/identity/recovery-record'
import { bytesEqual } from '../../shared/util/bytes'
import type { SyncLogRow } from './change-log'
import { mergeSecrets } from './meeting-secrets'
import type { CheckedRecord } from './records'
import { compareStamps } from './stamps'
import type { SyncedTable } from './tables'

type Row = Record<string, unknown>
/** The row to keep (undefined: deleted), given ours, theirs, and whether theirs is later. */
export type Merge = (ours: Row | undefined, theirs: Row | undefined, theirsWins: boolean) => Row | undefined

const lastWriterWins: Merge = (ours, theirs, theirsWins) => theirsWins ? theirs : ours

/** A friend confirmed on any device: confirmed. Friends either side waits for: waited for. */
function confirmations (a: unknown, b: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = { ...(a as Record<string, boolean>) }
  for (const [key, confirmed] of Object.entries(b as Record<string, boolean>)) out[key] = out[key] === true || confirmed
  return out
}

const MERGES: Partial<Record<SyncedTable, Merge>> = {
  deletions: (ours, theirs, theirsWins) => {
    const winner = lastWriterWins(ours, theirs, theirsWins)
    if (!winner || !ours || !theirs) return winner
    return { ...winner, friends: confirmations(ours.friends, theirs.friends) }
  },
  // A device is revoked, never forgotten: no store deletes a device row, and
  // a stolen server device that deleted its own row from the full devices'
  // lists could no longer be revoked there. Not even deleting the row takes
  // a revocation back.
  // A holder's word (signing-key-holder.ts) is kept from either side too: a
  // device that wrote the row without it (linking, renaming) must not erase
  // where linking is done now. It decides nothing and is checked on reading.
  devices: (ours, theirs, theirsWins) => {
    const winner = lastWriterWins(ours, theirs, theirsWins) ?? ours ?? theirs
    const revocation = winner?.revocation ?? ours?.revocation ?? theirs?.revocation
    const signingKeyHolder = winner?.signingKeyHolder ?? ours?.signingKeyHolder ?? theirs?.signingKeyHolder
    if (revocation === undefined && signingKeyHolder === undefined) return winner
    return { ...winner, ...revocation !== undefined ? { revocation } : {}, ...signingKeyHolder !== undefined ? { signingKeyHolder } : {} }
  },
  // An invite only moves on: pending, then used, or withdrawn. Its grant
  // covers what it is (id, token, expiry), not its status: a device that set
  // it back to pending reopened a spent link to whoever holds it; one that
  // set a withdrawn invite to used, or a used one's use later, put it back
  // in its swarm for another day (see USED_INVITE_REACHABLE_MS) as often as
  // it liked, where the link's holder learns that the person is online.
  invites: (ours, theirs, theirsWins) => {
    const winner = lastWriterWins(ours, theirs, theirsWins)
    if (!winner || !ours || !theirs) return winner
    const use = furtherOn(ours, theirs)
    const out: Row = { ...winner, status: use.status }
    for (const field of ['usedBy', 'usedAt'] as const) {
      if (use[field] === undefined) delete out[field]
      else out[field] = use[field]
    }
    return out
  },
  // A friend's meeting secrets: the newer of each side's, not the later row's
  // (see meeting-secrets.ts).
  friends: (ours, theirs, theirsWins) => {
    const winner = lastWriterWins(ours, theirs, theirsWins)
    return winner && ours && theirs ? mergeSecrets(winner, ours, theirs) : winner
  },
  // A friend's revoked device stays refused, whatever a merge says.
  peerRevocations: (ours, theirs, theirsWins) => lastWriterWins(ours, theirs, theirsWins) ?? ours ?? theirs,
  // The signed settings: the value set later, whatever the sync stamps say.
  settings: (ours, theirs, theirsWins) => (ours ?? theirs)?.key === RECOVERY_RECORD_KEY
    ? firstRecoveryRecord(ours, theirs, theirsWins)
    : isSignedSetting((ours ?? theirs)?.key)
      ? laterSetting(ours, theirs, theirsWins)
      : lastWriterWins(ours, theirs, theirsWins)
}

const INVITE_STAGE: Record<string, number> = { pending: 0, used: 1, revoked: 2 }

/** Of two rows of one invite, the one further on: withdrawn beats used beats
 *  pending; of two uses, the earlier (then the smaller key), so every device
 *  keeps the same. */
function furtherOn (a: Row, b: Row): Row {
  const stage = (row: Row): number => INVITE_STAGE[row.status as string] ?? 0
  if (stage(a) !== stage(b)) return stage(a) > stage(b) ? a : b
  if (a.status !== 'used') return a
  const at = (row: Row): number => typeof row.usedAt === 'number' ? row.usedAt : Infinity
  if (at(a) !== at(b)) return at(a) < at(b) ? a : b
  return String(a.usedBy) <= String(b.usedBy) ? a : b
}

/** Tables whose ids are never used again: a deletion there is final, and
 *  beats an edit made elsewhere at the same time (it would bring the
 *  deleted content back). Friends, memberships and the like can be added
 *  again after a removal, so for them the later change wins. Invites are
 *  never deleted by the stores: a tombstone followed by the row again as
 *  pending is a device trying to reopen a spent invite. */
const DELETION_IS_FINAL = new Set<SyncedTable>(['items', 'groups', 'invites'])

/** Whether the record beats what this device has (`local`: our log entry). */
export function theirsWins (record: CheckedRecord, local: SyncLogRow | undefined): boolean {
  if (!local) return true
  if (DELETION_IS_FINAL.has(record.table) && (local.deleted === true) !== (record.row === undefined)) return record.row === undefined
  return compareStamps(record.stamp, local.stamp) > 0
}

export function mergeFor (table: SyncedTable): Merge {
  return MERGES[table] ?? lastWriterWins
}

/** Deep equality of stored values (plain objects, arrays, bytes, primitives). */
export function sameValue (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a).filter((k) => (a as Row)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Row)[k] !== undefined)
  return ka.length === kb.length && ka.every((k) => sameValue((a as Row)[k], (b as Row)[k]))
}

/** My recovery record as my devices keep it: like friends do, the first
 *  one, and one for another recovery key only if the kept one signed it and
 *  it is newer. A later record that the identity key signed (a stolen full
 *  device, naming a recovery key of its own) does not replace it here
 *  either, so my other devices go on presenting mine to new friends. Both
 *  rows passed the identity's grant (grants-filter.ts), or are our own. */
function firstRecoveryRecord (ours: Row | undefined, theirs: Row | undefined, theirsWins: boolean): Row | undefined {
  if (!theirs) return ours
  let kept, offered
  try {
    offered = parseRecoveryRecord(theirs.value)
    // The first one: only as the identity key signed it (the filter checked whose it is).
    if (!ours) return isRecoveryRecordSignedBy(offered, offered.identityKey) ? theirs : undefined
    kept = parseRecoveryRecord(ours.value)
  } catch {
    return ours
  }
  if (bytesEqual(kept.recoveryKey, offered.recoveryKey)) return laterSetting(ours, theirs, theirsWins)
  return offered.at > kept.at && isRecoveryRecordSignedBy(offered, kept.recoveryKey) ? theirs : ours
}
