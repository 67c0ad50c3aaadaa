// When a backup to the folder is due: once a day, and sooner after changes
// worth not losing (a new friend, a new device, many new items).

export const BACKUP_EVERY_MS = 24 * 60 * 60 * 1000
/** New items since the last backup that make one due before the day is out. */
export const MANY_NEW_ITEMS = 20

export interface Counts { friends: number, devices: number, items: number }
export interface LastWrite { at: number, counts: Counts }
export type DueReason = 'first' | 'daily' | 'new friend' | 'new device' | 'new items'

export function dueReason (last: LastWrite | null, now: number, counts: Counts): DueReason | null {
  if (!last) return 'first'
  if (counts.friends > last.counts.friends) return 'new friend'
  if (counts.devices > last.counts.devices) return 'new device'
  if (counts.items - last.counts.items >= MANY_NEW_ITEMS) return 'new items'
  if (now - last.at >= BACKUP_EVERY_MS) return 'daily'
  return null
}
