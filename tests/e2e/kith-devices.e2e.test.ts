// The Devices tab (client/elements/kith-devices.ts) in real Chromium over the
// scripted DevicesApi (tests/unit/devices-fake.ts), driven by clicks and
// typing; unit tests run in Node without a DOM, so element tests live here.
// The real app's link flow is in linking.e2e.test.ts.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { desktopAndPhone, worldPerFile } from './support/world'
import { onHarness, openDevicesHarness, unnamedButtons, type DevicesHarness, type HarnessPerson } from './support/devices'
import { sampleDevices } from '../unit/devices-fake'

const world = worldPerFile()
let owner: HarnessPerson
let page: Page
const PHONE = sampleDevices()[1]!.key

beforeAll(async () => {
  owner = await openDevicesHarness(world, 'owner')
  page = owner.page
})

beforeEach(async () => {
  await page.evaluate(() => window.devicesHarness.showDevices())
  await page.getByTestId('device').first().waitFor()
})

const fake = <T>(fn: (h: DevicesHarness) => T) => onHarness(page, fn)
const device = (name: string) => page.getByTestId('device').filter({ has: page.getByText(name, { exact: true }) })

describe('the list of my devices', () => {
  it('shows each device with its role, dates and state; this device first, revoked ones last and marked', async () => {
    const items = page.getByRole('list', { name: 'My devices' }).getByRole('listitem')
    await expect.poll(() => items.count()).toBe(4)
    expect(await page.getByTestId('device').locator('.name').allTextContents()).toEqual(['Laptop', 'Phone', 'Kitchen Pi', 'Old phone'])
    const laptop = await device('Laptop').textContent()
    expect(laptop).toContain('This device')
    expect(laptop).toContain('Full device')
    expect(await device('Phone').textContent()).toContain('online now')
    expect(await device('Phone').textContent()).not.toContain('This device')
    const pi = await device('Kitchen Pi').textContent()
    expect(pi).toContain('Server')
    expect(pi).toContain('last seen an hour ago')
    const old = device('Old phone')
    expect(await old.textContent()).toMatch(/Revoked \w/)
    expect(await old.getAttribute('class')).toContain('revoked')
    expect(await old.textContent()).not.toContain('last seen')
  })

  it('says "never" for a device not seen since it was linked', async () => {
    await fake((h) => {
      h.api.devices = [...h.api.devices, { ...h.api.devices[1]!, key: 'e5'.repeat(32), name: 'Tablet', online: false, lastSeenAt: null }]
      h.api.changed()
    })
    await expect.poll(() => device('Tablet').textContent()).toContain('last seen never')
  })

  it('follows the api: a change event shows the new list', async () => {
    await fake((h) => { h.api.devices = h.api.devices.filter((d) => d.name !== 'Phone'); h.api.changed() })
    await expect.poll(() => page.getByTestId('device').count()).toBe(3)
  })
})

describe('revoking', () => {
  it('asks first, in the page, and explains a full device held the identity key; then revokes that key', async () => {
    await page.getByRole('button', { name: 'Revoke Phone' }).click()
    const confirm = page.getByRole('group', { name: 'Revoke “Phone”?' })
    await confirm.waitFor()
    expect(await fake((h) => h.api.revoked)).toEqual([])
    const text = await confirm.textContent()
    expect(text).toContain('stops syncing at once')
    expect(text).toContain('friends refuse it once they are told')
    expect(text).toContain('held your identity key')
    expect(await page.evaluate(() => {
      const el = document.querySelector('kith-devices')!.shadowRoot!.activeElement
      return el?.textContent
    })).toContain('Revoke “Phone”?')
    await confirm.getByRole('button', { name: 'Revoke Phone' }).click()
    await expect.poll(() => fake((h) => h.api.revoked)).toEqual([PHONE])
    await expect.poll(() => device('Phone').textContent()).toContain('Revoked')
    expect(await page.getByRole('button', { name: 'Revoke Phone' }).count()).toBe(0)
  })

  it('does not warn about the identity key for a server, and "Keep it" revokes nothing', async () => {
    await page.getByRole('button', { name: 'Revoke Kitchen Pi' }).click()
    const confirm = page.getByRole('group', { name: 'Revoke “Kitchen Pi”?' })
    expect(await confirm.textContent()).not.toContain('identity key')
    await confirm.getByRole('button', { name: 'Keep it' }).click()
    await confirm.waitFor({ state: 'detached' })
    expect(await fake((h) => h.api.revoked)).toEqual([])
    // Focus goes back to the button that asked.
    expect(await page.evaluate(() => document.querySelector('kith-devices')!.shadowRoot!.activeElement?.getAttribute('aria-label'))).toBe('Revoke Kitchen Pi')
  })

  it('is offered only for other devices that are not revoked yet', async () => {
    const revokeButtons = page.getByRole('button', { name: /^Revoke/ })
    expect(await revokeButtons.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(['Revoke Phone', 'Revoke Kitchen Pi'])
    expect(await device('Laptop').getByRole('button').count()).toBe(0)
    expect(await device('Old phone').getByRole('button').count()).toBe(0)
  })

  it('is not offered on a server device, which only lists and says where devices are managed', async () => {
    await page.evaluate(() => window.devicesHarness.showDevices({ canManage: false }))
    await page.getByTestId('device').first().waitFor()
    expect(await page.getByTestId('server-note').textContent()).toContain('linked and revoked from a full device')
    expect(await page.getByRole('button', { name: /Revoke/ }).count()).toBe(0)
    expect(await page.getByRole('heading', { name: 'Link a device' }).count()).toBe(0)
    expect(await page.getByTestId('device').count()).toBe(4)
  })
})

describe('linking a new device', () => {
  const submit = async (code: string): Promise<void> => {
    await page.getByLabel('Link code').fill(code)
    await page.getByRole('button', { name: 'Submit' }).click()
  }

  it('shows the rejection sentence as is, as an alert, and keeps the code to fix', async () => {
    await fake((h) => h.nextError('This link code has expired. Ask the new device for a new one.'))
    await submit('  kith-link:oldcode  ')
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'expired' }).textContent())
      .toBe('This link code has expired. Ask the new device for a new one.')
    expect(await fake((h) => h.api.opened)).toEqual(['kith-link:oldcode'])
    expect(await page.getByLabel('Link code').inputValue()).toBe('  kith-link:oldcode  ')
  })

  it('approves with the edited name and the chosen role, after showing the verification code', async () => {
    await fake((h) => h.nextApproval('Browser', '482913', false))
    await submit('https://kith.example/#/link-code/abc')
    const heading = page.getByRole('heading', { name: 'Check that the other screen shows the same code' })
    await heading.waitFor()
    expect(await heading.evaluate((h) => h.getRootNode() instanceof ShadowRoot && (h.getRootNode() as ShadowRoot).activeElement === h)).toBe(true)
    expect(await page.getByTestId('verification-code').textContent()).toBe('482 913')
    const name = page.getByLabel('Name of the new device')
    expect(await name.inputValue()).toBe('Browser')
    await name.fill('Sam’s work laptop')
    await page.getByRole('radio', { name: 'Server' }).check()
    await page.getByRole('button', { name: 'Approve' }).click()
    const result = page.getByTestId('link-result')
    await expect.poll(() => result.textContent()).toBe('Linked Sam’s work laptop.')
    expect(await fake((h) => h.approval!.approved)).toEqual([{ name: 'Sam’s work laptop', role: 'server' }])
    expect(await result.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true)
    // Ready for the next one.
    expect(await page.getByLabel('Link code').inputValue()).toBe('')
  })

  it('offers a browser as a full device: Approve without choosing makes one that can make friends and link', async () => {
    await fake((h) => h.nextApproval('Phone', '482913', false))
    await submit('kith-link:abc')
    const full = page.getByRole('radio', { name: 'Full device' })
    await full.waitFor()
    expect(await full.isChecked()).toBe(true)
    expect(await page.getByRole('radio', { name: 'Server' }).isChecked()).toBe(false)
    await desktopAndPhone(owner, 'devices-approve-browser-full')
    await page.getByRole('button', { name: 'Approve' }).click()
    await page.getByTestId('link-result').waitFor()
    expect(await fake((h) => h.approval!.approved)).toEqual([{ name: 'Phone', role: 'full' }])
  })

  it('a device still called "First device" is asked its own name when it links another, and renamed before the approval', async () => {
    await page.evaluate(() => window.devicesHarness.showDevices({ devices: window.devicesHarness.api.devices.filter((d) => d.thisDevice).map((d) => ({ ...d, name: 'First device' })) }))
    await page.getByTestId('device').first().waitFor()
    await fake((h) => h.nextApproval('Phone', '482913', false))
    await submit('kith-link:abc')
    const own = page.getByLabel('Name of this device, the one you are using now')
    await own.waitFor()
    await desktopAndPhone(owner, 'devices-approve-names-this-device')
    // Not made up: an empty name is asked for again, and nothing is approved.
    await page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Give this device a name too' }).count()).toBe(1)
    expect(await fake((h) => [h.api.renamed, h.approval!.approved])).toEqual([[], []])
    await own.fill('  Sam’s laptop ')
    await page.getByRole('button', { name: 'Approve' }).click()
    await page.getByTestId('link-result').waitFor()
    expect(await fake((h) => [h.api.renamed, h.approval!.approved])).toEqual([['Sam’s laptop'], [{ name: 'Phone', role: 'full' }]])
    await expect.poll(() => page.getByTestId('device').first().locator('.name').textContent()).toBe('Sam’s laptop')
    // Named now: the next link does not ask again.
    await fake((h) => h.nextApproval('Tablet', '111222', false))
    await submit('kith-link:def')
    await page.getByTestId('verification-code').waitFor()
    expect(await own.count()).toBe(0)
  })

  it('refuses an empty device name with a sentence, approving nothing', async () => {
    await fake((h) => h.nextApproval('Browser', '482913', false))
    await submit('kith-link:abc')
    await page.getByLabel('Name of the new device').fill('   ')
    await page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'name' }).count()).toBe(1)
    expect(await fake((h) => h.approval!.approved)).toEqual([])
  })

  it('forces Server when the new device asked to be a server', async () => {
    await fake((h) => h.nextApproval('Headless runner', '000111', true))
    await submit('kith-link:abc')
    const full = page.getByRole('radio', { name: 'Full device' })
    await full.waitFor()
    expect(await full.isDisabled()).toBe(true)
    expect(await page.getByRole('radio', { name: 'Server' }).isChecked()).toBe(true)
    await page.getByRole('button', { name: 'Approve' }).click()
    await page.getByTestId('link-result').waitFor()
    expect(await fake((h) => h.approval!.approved)).toEqual([{ name: 'Headless runner', role: 'server' }])
  })

  it('shows progress while looking for the new device, and Cancel aborts it', async () => {
    await fake((h) => h.nextHang())
    await submit('kith-link:abc')
    await expect.poll(() => page.getByTestId('link-progress').textContent()).toContain('Looking for the new device…')
    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(() => fake((h) => h.api.aborted)).toBe(1)
    await expect.poll(() => page.getByTestId('link-error').textContent()).toContain('Cancelled')
    expect(await page.getByTestId('link-progress').count()).toBe(0)
  })

  it('Cancel on the approval step cancels the approval', async () => {
    await fake((h) => h.nextApproval('Browser', '482913', false))
    await submit('kith-link:abc')
    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(() => fake((h) => h.approval!.cancelled)).toBe(1)
    expect(await fake((h) => h.approval!.approved)).toEqual([])
    await page.getByLabel('Link code').waitFor()
  })

  it('on a fresh browser leads with "Add this browser to your Kith" (only then), asks its name, and opens the link page with it', async () => {
    expect(await page.getByRole('heading', { name: 'Add this browser to your Kith' }).count()).toBe(0)
    await page.evaluate(() => window.devicesHarness.showDevices({ canLink: true }))
    const headings = page.getByRole('heading', { level: 2 })
    await expect.poll(() => headings.first().textContent()).toBe('Add this browser to your Kith')
    // No name made up for it: an empty one is asked for again.
    await page.getByRole('button', { name: 'Show a link code' }).click()
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Give this browser a name' }).count()).toBe(1)
    expect(await page.evaluate(() => location.hash)).not.toContain('#/link')
    expect(await page.evaluate(() => document.querySelector('kith-devices')!.shadowRoot!.activeElement?.id)).toBe('this-device-name')
    await page.getByLabel('Name for this browser').fill('Work laptop')
    await page.getByRole('button', { name: 'Show a link code' }).click()
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/link?name=Work%20laptop')
  })

  it('gives every button a name', async () => {
    await fake((h) => h.nextApproval('Browser', '482913', false))
    await submit('kith-link:abc')
    await page.getByRole('button', { name: 'Revoke Phone' }).click()
    expect(await unnamedButtons(page)).toEqual([])
    expect(owner.cspViolations).toEqual([])
  })
})
