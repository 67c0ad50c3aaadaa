// When to suggest saving a backup, calmly: once on first use (with the offer
// to restore one instead), once the node holds something worth keeping (a
// first friend or item), and when changes have gone unsaved for a week.
// Each can be dismissed; a dismissed suggestion stays away for a week, the
// welcome for good.
import { parseStamp } from '../sync/stamps'
import type { NodeDatabase } from '../storage/db'
import { lastBackupAt } from './export'
import { isFreshNode } from './fresh'

export type BackupReminder =
  /** A new, empty Kith: save a backup later, or restore one now. */
  | 'welcome'
  /** Friends or items, and never a backup. */
  | 'first-backup'
  /** Changes since the last backup, which is over a week old. */
  | 'stale'

export const WEEK_MS = 7 * 24 * 60 * 60 * 1000
const DISMISSED_KEY = 'backup.dismissed'

export interface BackupState {
  fresh: boolean
  lastBackupAt: number | null
  /** When the newest change of the person's data was made (its stamp). */
  newestChangeAt: number | null
  reminder: BackupReminder | null
}

interface Dismissal { reminder: BackupReminder, until: number | null }

function isDismissal (v: unknown): v is Dismissal {
  const d = v as Partial<Dismissal> | null
  return typeof d === 'object' && d !== null && typeof d.reminder === 'string' && (d.until === null || Number.isSafeInteger(d.until))
}

/** Which suggestion applies, before dismissals. */
export function reminderFor (s: { fresh: boolean, lastBackupAt: number | null, newestChangeAt: number | null, now: number }): BackupReminder | null {
  if (s.lastBackupAt === null) return s.fresh ? 'welcome' : 'first-backup'
  const unsaved = s.newestChangeAt !== null && s.newestChangeAt > s.lastBackupAt
  return unsaved && s.now - s.lastBackupAt > WEEK_MS ? 'stale' : null
}

async function newestChangeAt (db: NodeDatabase): Promise<number | null> {
  const last = await db.syncLog.orderBy('seq').last()
  if (!last) return null
  try {
    return parseStamp(last.stamp).wall
  } catch {
    return null
  }
}

export async function backupState (db: NodeDatabase, now: number): Promise<BackupState> {
  const [fresh, lastAt, newest, dismissed] = await Promise.all([
    isFreshNode(db), lastBackupAt(db), newestChangeAt(db), db.getSetting(DISMISSED_KEY, isDismissal)
  ])
  let reminder = reminderFor({ fresh, lastBackupAt: lastAt, newestChangeAt: newest, now })
  if (reminder && dismissed?.reminder === reminder && (dismissed.until === null || now < dismissed.until)) reminder = null
  return { fresh, lastBackupAt: lastAt, newestChangeAt: newest, reminder }
}

export async function dismissReminder (db: NodeDatabase, reminder: BackupReminder, now: number): Promise<void> {
  const dismissal: Dismissal = { reminder, until: reminder === 'welcome' ? null : now + WEEK_MS }
  await db.putSetting(DISMISSED_KEY, dismissal)
}
