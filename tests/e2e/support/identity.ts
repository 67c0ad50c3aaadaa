// Steps of the stolen-laptop story (tests/e2e/stolen-laptop.e2e.test.ts):
// a browser profile that can be copied (a thief's copy of a laptop), linking
// a browser as a full device through both screens, setting up recovery words
// and rotating with them through the Devices tab, and reading what a node
// keeps (its IndexedDB) where the UI shows nothing.
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs'
import { tab } from './app'
import type { Person } from './world'

/** A browser of its own on a profile folder, so the folder can be copied
 *  while it is closed (everything a tab keeps, IndexedDB too, is in it). */
export interface ProfilePerson extends Person { dir: string }

export function newProfileDir (): string {
  return mkdtempSync(join(tmpdir(), 'kith-profile-'))
}

export async function openProfile (name: string, dir: string): Promise<ProfilePerson> {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, viewport: { width: 900, height: 900 }
  })
  const page = context.pages()[0] ?? await context.newPage()
  page.on('pageerror', (err) => console.error(`[${name} page error]`, err.message))
  return { name, context, page, address: '', shownName: '', dir }
}

/** The thief copies the closed profile; both copies then run. */
export function copyProfile (from: string): string {
  const dir = newProfileDir()
  cpSync(from, dir, { recursive: true })
  return dir
}

export function removeProfile (dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** `approver` (a full device, its Devices tab open) links the browser `device`
 *  as `name`, a full device unless said: the code shown there, the same
 *  verification code on both, Approve, then Link this browser there. */
export async function linkBrowser (approver: Person, device: Person, appUrl: string, name: string, opts: { approverName?: string } = {}): Promise<void> {
  await device.page.goto(`${appUrl}#/link?name=${encodeURIComponent(name)}`)
  const codeText = device.page.getByTestId('link-code-text')
  await codeText.waitFor()
  await approver.page.goto(`${appUrl}#/devices`)
  await approver.page.getByLabel('Link code').fill((await codeText.textContent())!.trim())
  await approver.page.getByRole('button', { name: 'Submit' }).click()
  await approver.page.getByTestId('verification-code').waitFor({ timeout: 45_000 })
  if (opts.approverName) await approver.page.getByLabel('Name of this device, the one you are using now').fill(opts.approverName)
  await approver.page.getByRole('button', { name: 'Approve' }).click()
  await device.page.getByRole('button', { name: 'Link this browser' }).click({ timeout: 15_000 })
  await expect.poll(() => approver.page.getByTestId('link-result').textContent(), { timeout: 15_000 }).toMatch(/Linked/)
  // The linked browser reopens on Home (the person already uses Kith); its
  // address shows under Me & server. A reload, which on a loaded machine
  // takes longer than a click.
  await expect.poll(() => device.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected').catch(() => null), { timeout: 30_000 }).toBe('true')
  await device.page.goto(`${appUrl}#/me`)
  await expect.poll(() => device.page.getByTestId('my-address').textContent().catch(() => ''), { timeout: 15_000 }).toContain(approver.address)
  device.address = approver.address
}

/** Sets up recovery words in the Devices tab (writes them down, checks
 *  three); returns the twelve words. */
export async function setUpRecoveryWords (person: Person): Promise<string[]> {
  await tab(person.page, 'Devices')
  const recovery = person.page.getByTestId('recovery')
  await recovery.getByRole('button', { name: 'Set up recovery words' }).click()
  // The words are made when asked for: wait until all twelve are on screen.
  await expect.poll(() => person.page.getByTestId('recovery-words').locator('li').count()).toBe(12)
  const words = await person.page.getByTestId('recovery-words').locator('li').allTextContents()
  expect(words).toHaveLength(12)
  await recovery.getByRole('button', { name: 'I wrote them down' }).click()
  const inputs = recovery.getByRole('textbox')
  await inputs.first().waitFor()
  const positions = (await recovery.locator('label').allTextContents()).map((l) => Number(l.replace('Word ', '')) - 1)
  for (const [n, i] of positions.entries()) await inputs.nth(n).fill(words[i]!)
  await recovery.getByRole('button', { name: 'Check and finish' }).click()
  await person.page.getByTestId('recovery-done').waitFor()
  return words
}

/** A setting as a node keeps it in its IndexedDB (undefined when absent). */
export function storedSetting (page: Page, key: string): Promise<unknown> {
  return page.evaluate((k) => new Promise<unknown>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('settings').objectStore('settings').get(k)
      get.onsuccess = () => { open.result.close(); resolve((get.result as { value?: unknown } | undefined)?.value) }
      get.onerror = () => reject(get.error)
    }
  }), key)
}

/** How many of the person's rotations this node follows (0: none). */
export async function rotationsFollowed (page: Page, personHex: string): Promise<number> {
  const chain = await storedSetting(page, `rotation.of.${personHex}`) as { records?: unknown[] } | undefined
  return chain?.records?.length ?? 0
}

/** Whether this node keeps a recovery record for the person. */
export async function keepsRecoveryRecord (page: Page, personHex: string): Promise<boolean> {
  return await storedSetting(page, `recovery.of.${personHex}`) !== undefined
}

/** A friend's row as this node keeps it: the meeting secret, hex. */
export function pairSecretOf (page: Page, friendHex: string): Promise<string> {
  return page.evaluate((k) => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('friends').objectStore('friends').get(k)
      get.onsuccess = () => {
        open.result.close()
        const secret = (get.result as { pairSecret?: Uint8Array } | undefined)?.pairSecret
        resolve(secret ? Array.from(secret, (b) => b.toString(16).padStart(2, '0')).join('') : '')
      }
      get.onerror = () => reject(get.error)
    }
  }), friendHex)
}

/** A setting as text (bytes as hex), to compare two nodes' copies. */
export async function storedSettingText (page: Page, key: string): Promise<string> {
  return await page.evaluate((k) => new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const get = open.result.transaction('settings').objectStore('settings').get(k)
      get.onsuccess = () => {
        open.result.close()
        resolve(JSON.stringify((get.result as { value?: unknown } | undefined)?.value ?? null,
          (_key, v: unknown) => v instanceof Uint8Array ? Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('') : v))
      }
      get.onerror = () => reject(get.error)
    }
  }), key)
}

/** How many of the person's devices this node keeps a revocation for. */
export function revokedPeerDevices (page: Page, personHex: string): Promise<number> {
  return page.evaluate((hex) => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const count = open.result.transaction('peerRevocations').objectStore('peerRevocations').index('identityKey').count(hex)
      count.onsuccess = () => { open.result.close(); resolve(count.result) }
      count.onerror = () => reject(count.error)
    }
  }), personHex)
}
