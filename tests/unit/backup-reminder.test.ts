// When Kith suggests a backup (calmly, dismissibly), and how it says that the
// browser has no room left.
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { backupState, dismissReminder, reminderFor, WEEK_MS } from '../../node-tab/backup/reminder'
import { noteBackupSaved } from '../../node-tab/backup/export'
import { loadOrCreateIdentity } from '../../node-tab/storage/identity-store'
import { inWordsIfNoRoom } from '../../client/browser/no-room'
import { KithError } from '../../shared/wire/errors'
import { NO_SPACE } from '../../node-tab/storage/file-chunks'
import { befriend, person, TestClock } from './store-fixtures'
import { NodeDatabase } from '../../node-tab/storage/db'
import { FriendsStore } from '../../node-tab/storage/friends-store'

const DAY = 24 * 60 * 60 * 1000

describe('backup reminder', () => {
  it('welcomes a fresh browser, asks for a first backup once there is something, and reminds after a week of unsaved changes', () => {
    const now = 100 * DAY
    expect(reminderFor({ fresh: true, lastBackupAt: null, newestChangeAt: null, now })).toBe('welcome')
    expect(reminderFor({ fresh: false, lastBackupAt: null, newestChangeAt: now, now })).toBe('first-backup')
    expect(reminderFor({ fresh: false, lastBackupAt: now - DAY, newestChangeAt: now, now })).toBeNull()
    expect(reminderFor({ fresh: false, lastBackupAt: now - 8 * DAY, newestChangeAt: now - 8 * DAY - 1, now })).toBeNull() // nothing new since
    expect(reminderFor({ fresh: false, lastBackupAt: now - 8 * DAY, newestChangeAt: now - DAY, now })).toBe('stale')
  })

  it('follows the node: a first friend brings the first-backup card back after the welcome was dismissed', async () => {
    const clock = new TestClock()
    // Change stamps on the test's clock too.
    const db = new NodeDatabase(`t-${Math.random().toString(36).slice(2)}`, clock.now)
    onTestFinished(() => db.delete())
    const friends = new FriendsStore(db, clock.now)
    await loadOrCreateIdentity(db, clock.now)
    expect((await backupState(db, clock.now())).reminder).toBe('welcome')
    await dismissReminder(db, 'welcome', clock.now())
    expect((await backupState(db, clock.advance(30 * DAY))).reminder).toBeNull() // dismissed for good
    await befriend(friends, person('Bob'))
    expect((await backupState(db, clock.now())).reminder).toBe('first-backup')
    await dismissReminder(db, 'first-backup', clock.now())
    expect((await backupState(db, clock.advance(DAY))).reminder).toBeNull()
    expect((await backupState(db, clock.advance(WEEK_MS))).reminder).toBe('first-backup') // a week later, once more
    await noteBackupSaved(db, clock.now())
    expect((await backupState(db, clock.advance(10 * DAY))).reminder).toBeNull() // nothing changed since
  })
})

describe('no room left', () => {
  afterEach(() => { vi.unstubAllGlobals() })

  it('says how much is used of how much, for a storage error or the node\'s own words for it', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 2 * 1024 ** 3, quota: 2 * 1024 ** 3 }), persisted: async () => false } })
    const fromNode = await inWordsIfNoRoom(new KithError('TOO_LARGE', NO_SPACE), 'Nothing of it was saved.') as Error
    expect(fromNode.message).toBe('Your browser has no room left for Kith: 2 GB used of 2 GB. Nothing of it was saved.')
    const raw = await inWordsIfNoRoom(Object.assign(new Error('x'), { name: 'QuotaExceededError' }), 'Nothing was saved.') as Error
    expect(raw.message).toMatch(/^Your browser has no room left for Kith: 2 GB used of 2 GB\./)
    const other = new KithError('TOO_LARGE', 'A file can be at most 1 GB.')
    expect(await inWordsIfNoRoom(other, '')).toBe(other)
  })
})
