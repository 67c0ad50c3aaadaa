// Backups to a folder the person picked once (a synced one, say), written
// on a schedule and after important changes, in the real app. Playwright's
// Chromium opens showDirectoryPicker only for a real gesture and a real dialog, so
// an init script stands in for the picker: it hands Kith a real
// FileSystemDirectoryHandle, a folder "Kith backups" in the origin's private
// file system, so the app's own code writes, rotates and keeps the handle in
// IndexedDB for real. The same script lets a test take the write permission
// away (queryPermission answers what localStorage "kith-test-permission"
// says), as a browser does after a restart.
import { Buffer } from 'node:buffer'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { befriend, openAs } from './support/people'
import { desktopAndPhone, SCREENSHOT_DIR, worldPerFile, type Person } from './support/world'

const world = worldPerFile({ trackerCount: 1 })
const PASSPHRASE = 'seven blue herons at dawn'

const FAKE_PICKER = `
  window.showDirectoryPicker = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('Kith backups', { create: true })
  FileSystemHandle.prototype.queryPermission = async function () { return localStorage.getItem('kith-test-permission') ?? 'granted' }
  FileSystemHandle.prototype.requestPermission = async function () { localStorage.removeItem('kith-test-permission'); return 'granted' }
`

/** Names of the files in the stand-in folder. */
function folderFiles (page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('Kith backups', { create: true })
    const names: string[] = []
    for await (const name of (dir as unknown as { keys: () => AsyncIterable<string> }).keys()) names.push(name)
    return names.sort()
  })
}

let alice: Person, bob: Person
const section = (page: Page) => page.locator('kith-backup-folder')

/** The whole page at 1280 and 390 px, and the section alone at each (to judge it up close). */
async function shots (person: Person, name: string): Promise<void> {
  await desktopAndPhone(person, name)
  for (const width of [1280, 390]) {
    await person.page.setViewportSize({ width, height: 900 })
    await section(person.page).screenshot({ path: `${SCREENSHOT_DIR}/${name}-section-${width}.png` })
  }
  await person.page.setViewportSize({ width: 900, height: 900 })
}

beforeAll(async () => {
  alice = await world.person('alice')
  await alice.context.addInitScript(FAKE_PICKER)
  bob = await world.person('bob')
  await openAs(alice, world.appUrl, 'Alice')
  await openAs(bob, world.appUrl, 'Bob')
})

describe('backups to a folder', () => {
  it('Alice picks a folder once: the first backup is written there, and it restores with her passphrase', async () => {
    const page = alice.page
    await section(page).getByRole('heading', { name: 'Backups to a folder' }).waitFor()
    await shots(alice, 'backup-folder-setup')
    await section(page).getByLabel('Passphrase for these backups').fill(PASSPHRASE)
    await section(page).getByLabel('The same passphrase again').fill(PASSPHRASE)
    await section(page).getByRole('button', { name: 'Choose a folder and start' }).click()
    await expect.poll(() => section(page).getByTestId('folder-status').textContent(), { timeout: 60_000 }).toBe('Saved the first backup to Kith backups.')
    const files = await folderFiles(page)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^kith-backup-\d{4}-\d{2}-\d{2}-\d{4}\.kithbackup$/)
    await section(page).getByTestId('folder-ready').filter({ hasText: 'Kith backups' }).waitFor()
    await shots(alice, 'backup-folder-ready')

    // The file opens with the passphrase in a fresh browser: the kept key made a real backup.
    const bytes = await page.evaluate(async (name) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('Kith backups')
      const buf = new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer())
      let s = ''
      for (const b of buf) s += String.fromCharCode(b)
      return btoa(s)
    }, files[0]!)
    const fresh = await world.person('alice-restored')
    await fresh.page.goto(world.appUrl)
    await fresh.page.getByRole('button', { name: 'I already use Kith' }).click()
    await fresh.page.getByLabel('Backup file').setInputFiles({ name: files[0]!, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes, 'base64') })
    await fresh.page.getByLabel('Its passphrase').fill(PASSPHRASE)
    await fresh.page.getByRole('button', { name: 'Restore this backup' }).click()
    await fresh.page.getByTestId('restore-status').filter({ hasText: 'Restored' }).waitFor({ timeout: 120_000 })
    // The page reloads into the restored Kith (no friend yet: the guide, whose Settings show the address).
    await fresh.page.waitForEvent('framenavigated')
    await fresh.page.getByRole('link', { name: /^Settings/ }).click()
    await expect.poll(async () => (await fresh.page.getByTestId('my-address').textContent().catch(() => ''))?.trim(), { timeout: 60_000 }).toBe(alice.address)
    // Two browsers as one device would confuse Alice's friends: this one goes.
    await fresh.context.close()
  })

  it('keeps the newest five of Kith’s files and leaves the rest of the folder alone', async () => {
    const page = alice.page
    await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('Kith backups')
      for (const name of ['kith-backup-2020-01-01-0900.kithbackup', 'kith-backup-2020-01-02-0900.kithbackup', 'kith-backup-2020-01-03-0900.kithbackup', 'kith-backup-2020-01-04-0900.kithbackup', 'kith-backup-2020-01-05-0900.kithbackup', 'notes.txt']) {
        const w = await (await dir.getFileHandle(name, { create: true })).createWritable()
        await w.write('old')
        await w.close()
      }
    })
    // What was there before the old ones: the backup written at setup (and notes.txt).
    const before = (await folderFiles(page)).filter((n) => !n.startsWith('kith-backup-2020'))
    await section(page).getByRole('button', { name: 'Save a backup there now' }).click()
    await expect.poll(() => section(page).getByTestId('folder-status').textContent(), { timeout: 60_000 }).toMatch(/^Saved kith-backup-/)
    const written = (await section(page).getByTestId('folder-status').textContent())!.replace(/^Saved (.+)\.$/, '$1')
    const after = await folderFiles(page)
    expect(after.filter((n) => n.endsWith('.kithbackup'))).toHaveLength(5)
    expect(after).toContain('notes.txt')
    expect(after).not.toContain('kith-backup-2020-01-01-0900.kithbackup')
    expect(after).toContain(written)
    for (const n of before) expect(after).toContain(n)
  })

  it('after a new friend, a backup is written by itself', async () => {
    const page = alice.page
    const lastFriends = (): Promise<number | null> => page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('kith-backup-folder')
      open.onsuccess = () => {
        const get = open.result.transaction('folder').objectStore('folder').get('current')
        get.onsuccess = () => { resolve(get.result?.last?.counts?.friends ?? null); open.result.close() }
      }
    }))
    expect(await lastFriends()).toBe(0)
    await befriend(alice, bob)
    await expect.poll(lastFriends, { timeout: 60_000 }).toBe(1)
  })

  it('when the browser no longer lets it write, it says so and Allow brings it back', async () => {
    const page = alice.page
    await page.evaluate(() => localStorage.setItem('kith-test-permission', 'prompt'))
    await page.goto(`${world.appUrl}#/me`)
    await page.reload() // as after a restart of the browser
    const alert = section(page).getByTestId('folder-permission')
    await expect.poll(() => alert.textContent()).toMatch(/Kith needs permission to write to Kith backups\./)
    await shots(alice, 'backup-folder-permission')
    await section(page).getByRole('button', { name: 'Allow' }).click()
    await section(page).getByTestId('folder-ready').waitFor()
  })
})
