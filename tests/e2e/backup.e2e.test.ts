// Never lose your identity by accident: Alice saves an encrypted backup
// through the UI, loses her browser, and restores the backup in a fresh one:
// same address, friends and items back, and Bob (a friend from before the
// backup) reaches the restored node. A wrong passphrase and a cut-short
// file are refused and change nothing.
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { feedTexts, refreshFeed, setName, tab } from './support/app'
import { befriend, openAs, share } from './support/people'
import { desktopAndPhone, openApp, screenshot, SCREENSHOT_DIR, worldPerFile, type Person } from './support/world'

const PASSPHRASE = 'blue kettle seven lanterns'
const BEFORE = 'Written before the backup'
const AFTER = 'Shared after the restore'

const world = worldPerFile({ trackerCount: 1 })
let alice: Person, bob: Person, restored: Person
let backupPath = ''

async function restoreWith (page: Page, file: string, passphrase: string): Promise<void> {
  // The reminder's own restore form (Me & server has one too, above it).
  const card = page.getByTestId('backup-reminder')
  await card.getByLabel('Backup file').setInputFiles(file)
  await card.getByLabel('Its passphrase').fill(passphrase)
  await card.getByRole('button', { name: 'Restore this backup' }).click()
}

describe('encrypted backup and restore', () => {
  it('a fresh browser welcomes Alice with the offer to restore a backup', async () => {
    alice = await world.person('alice')
    bob = await world.person('bob')
    await openApp(alice, world.appUrl)
    await alice.page.getByTestId('backup-reminder').getByText('Welcome to Kith').waitFor()
    await desktopAndPhone(alice, '60-backup-welcome')
    await setName(alice, 'Alice')
    await openAs(bob, world.appUrl, 'Bob')
  })

  it('Alice makes a friend and a note, is asked to save a backup, and saves one', async () => {
    await befriend(alice, bob)
    await share(alice, BEFORE)

    // Now there is something to lose: the card asks for a first backup.
    const card = alice.page.getByTestId('backup-reminder')
    await card.getByText('Save a backup', { exact: true }).first().waitFor()
    await tab(alice.page, 'Me & server')
    const section = alice.page.locator('#storage-and-backup')
    await expect.poll(() => section.getByTestId('storage-usage').textContent()).toMatch(/Kith uses .+ of the .+ this browser lets it use/)
    await expect.poll(() => section.getByTestId('storage-persisted').textContent()).toMatch(/Persistent|Not persistent/)

    await section.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await section.getByLabel('The same passphrase again').fill(PASSPHRASE.replace('seven', 'eight'))
    await section.getByRole('button', { name: 'Save a backup' }).click()
    await section.getByText('The two passphrases are not the same.').waitFor()
    await section.getByLabel('The same passphrase again').fill(PASSPHRASE)
    const [download] = await Promise.all([
      alice.page.waitForEvent('download', { timeout: 120_000 }),
      section.getByRole('button', { name: 'Save a backup' }).click()
    ])
    expect(download.suggestedFilename()).toMatch(/^kith-backup-\d{4}-\d{2}-\d{2}-\d{4}\.kithbackup$/)
    backupPath = `${SCREENSHOT_DIR}/../alice.kithbackup`
    await download.saveAs(backupPath)
    const bytes = readFileSync(backupPath)
    expect(bytes.subarray(0, 8).toString()).toBe('KITHBAK\n')
    expect(bytes.includes(Buffer.from(BEFORE))).toBe(false) // encrypted
    await section.getByTestId('backup-saved').waitFor()
    await expect.poll(() => section.getByTestId('last-backup').textContent()).toMatch(/Last backup saved/)
    // Saved: the card has nothing more to ask.
    await expect.poll(() => alice.page.getByTestId('backup-reminder').count()).toBe(0)
    await section.scrollIntoViewIfNeeded()
    await desktopAndPhone(alice, '61-backup-saved')
  })

  it('Alice loses that browser; a wrong passphrase and a cut-short file are refused and change nothing', async () => {
    await alice.context.close() // the old browser is gone
    restored = await world.person('alice-restored')
    const freshAddress = await openApp(restored, world.appUrl)
    expect(freshAddress).not.toBe(alice.address)
    const page = restored.page
    const card = page.getByTestId('backup-reminder')
    await card.getByRole('button', { name: 'Restore from a backup' }).click()

    await restoreWith(page, backupPath, 'not my passphrase')
    await expect.poll(() => card.getByTestId('restore-error').textContent(), { timeout: 60_000 }).toMatch(/passphrase is wrong/)
    await desktopAndPhone(restored, '62-restore-wrong-passphrase')

    const cut = `${SCREENSHOT_DIR}/../alice-cut.kithbackup`
    const bytes = readFileSync(backupPath)
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    await restoreWith(page, cut, PASSPHRASE)
    await expect.poll(() => card.getByTestId('restore-error').textContent(), { timeout: 60_000 }).toMatch(/incomplete/)

    // Nothing changed: after a reload this is still the fresh browser's own Kith.
    await page.reload()
    await page.getByTestId('my-address').waitFor()
    expect((await page.getByTestId('my-address').textContent())!.trim()).toBe(freshAddress)
    await tab(page, 'My items')
    await expect.poll(() => page.getByTestId('my-item').count()).toBe(0)
  })

  it('the right backup brings back the same address, friend and items', async () => {
    const page = restored.page
    await tab(page, 'Me & server')
    const card = page.getByTestId('backup-reminder')
    await card.getByRole('button', { name: 'Restore from a backup' }).click()
    await restoreWith(page, backupPath, PASSPHRASE)
    // The page reloads into the restored Kith (its "Restored" line may be
    // gone before anyone sees it), or the restore is refused in words (said,
    // rather than waited out).
    const refused = card.getByTestId('restore-error').filter({ hasText: /\S/ })
    await expect.poll(async () => await refused.count() > 0
      ? `refused: ${await refused.first().textContent()}`
      : (await page.getByTestId('my-address').textContent().catch(() => ''))?.trim(), { timeout: 100_000 }).toBe(alice.address)
    await tab(page, 'My items')
    await page.getByTestId('my-item').filter({ hasText: BEFORE }).waitFor()
    await tab(page, 'Friends')
    await page.getByTestId('friend-entry').filter({ hasText: 'Bob' }).waitFor()
    await tab(page, 'Me & server')
    expect(await page.getByLabel('Name shown to friends').inputValue()).toBe('Alice')
    await expect.poll(() => page.locator('#storage-and-backup').getByText(/already holds your Kith/).count()).toBe(1)
    await desktopAndPhone(restored, '63-restored')
  })

  it('Bob, a friend from before the backup, reaches the restored node and gets what it shares now', async () => {
    await share(restored, AFTER)
    await bob.page.goto(`${world.appUrl}#/friend/${alice.address}`)
    await expect.poll(async () => {
      await refreshFeed(bob.page)
      return (await feedTexts(bob.page)).join('\n')
    }, { timeout: 90_000 }).toContain(AFTER)
    expect((await feedTexts(bob.page)).join('\n')).toContain(BEFORE)
    await screenshot(bob, '64-bob-sees-restored-alice')
  })
})
