// What the mailbox sent that no relay took yet, kept on this device (a
// device setting: not synced, see sync/tables.ts) until a later start sends
// it again: changed items, "forget it" letters, and acknowledgements.
import type { NodeDatabase } from '../storage/db'

/** Where this device keeps the changes whose letters no relay took yet. */
const PENDING_SETTING = 'mailboxPending'
/** Changes kept for a retry, at most (the oldest go first). */
export const MAX_PENDING = 500

export interface Pending { items: string[], gone: string[] }

/** Acknowledgements no relay took yet (a device setting too). */
const PENDING_ACKS_SETTING = 'mailboxPendingAcks'
export const MAX_PENDING_ACKS = 200

export interface PendingAck { friend: string, ids: string[], asOf: number }

function isPendingAcks (v: unknown): v is PendingAck[] {
  return Array.isArray(v) && v.every((a: Partial<PendingAck>) => typeof a?.friend === 'string' && Number.isSafeInteger(a.asOf) &&
    Array.isArray(a.ids) && a.ids.every((id) => typeof id === 'string'))
}

function isPending (v: unknown): v is Pending {
  const ids = (x: unknown): boolean => Array.isArray(x) && x.every((id) => typeof id === 'string')
  return typeof v === 'object' && v !== null && ids((v as Pending).items) && ids((v as Pending).gone)
}

export async function pendingChanges (db: NodeDatabase): Promise<Pending> {
  return await db.getSetting(PENDING_SETTING, isPending) ?? { items: [], gone: [] }
}

export async function updatePendingChanges (db: NodeDatabase, change: (p: Pending) => void): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const p = await pendingChanges(db)
    change(p)
    await db.putSetting(PENDING_SETTING, p)
  })
}

export async function pendingAcks (db: NodeDatabase): Promise<PendingAck[]> {
  return await db.getSetting(PENDING_ACKS_SETTING, isPendingAcks) ?? []
}

export async function updatePendingAcks (db: NodeDatabase, change: (p: PendingAck[]) => PendingAck[]): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    await db.putSetting(PENDING_ACKS_SETTING, change(await pendingAcks(db)))
  })
}
