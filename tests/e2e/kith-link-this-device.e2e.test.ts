// The new device's side of linking (client/elements/kith-link-this-device.ts)
// in real Chromium over a scripted LinkingSession (tests/unit/devices-fake.ts).
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { SCREENSHOT_DIR, worldPerFile } from './support/world'
import { onHarness, openDevicesHarness, unnamedButtons, type HarnessPerson } from './support/devices'

const world = worldPerFile()
let newDevice: HarnessPerson
let page: Page
const CODE = 'kith-link:3mJr7AoUXx2Wqd-9f1c2b7e4d5a6c3b'
const OWNER = '3mJr7AoUXx2WqdRvjVbHyFkQK8o1QnPMZ'

beforeAll(async () => {
  newDevice = await openDevicesHarness(world, 'new-device')
  page = newDevice.page
})

beforeEach(async () => {
  await page.evaluate((codeText) => window.devicesHarness.showLinkThisDevice({ step: 'waiting', codeText, expiresAt: Date.now() + 9.5 * 60_000 }), CODE)
  await page.getByRole('heading', { name: 'Link this browser to your Kith' }).waitFor()
})

const restarts = () => onHarness(page, (h) => h.session.restarts)
const cancels = () => onHarness(page, (h) => h.session.cancels)
/** Moves the session on; returns the step the element shows once it has rendered. */
const setState = (state: unknown): Promise<string | undefined> => page.evaluate(async (s) => {
  window.devicesHarness.session.set(s as never)
  const el = document.querySelector('kith-link-this-device')!
  await el.updateComplete
  return el.shadowRoot!.querySelector('section')?.dataset.step
}, state)
const focusedText = (): Promise<string | null | undefined> => page.evaluate(() => document.querySelector('kith-link-this-device')!.shadowRoot!.activeElement?.textContent)

describe('waiting for the other device', () => {
  it('shows the code as text and as a QR code of that text, with the time left', async () => {
    expect(await page.getByTestId('link-code-text').textContent()).toBe(CODE)
    const qr = page.getByRole('img', { name: /QR code of the link code/ })
    await qr.waitFor()
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(await page.getByTestId('link-expiry').textContent()).toContain('expires in 9 min')
    expect(newDevice.cspViolations).toEqual([])
    expect(await unnamedButtons(page)).toEqual([])
  })

  it('copies the code', async () => {
    await page.getByRole('button', { name: 'Copy code' }).click()
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'copied' }).count()).toBe(1)
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(CODE)
  })

  it('"New code" asks the session for a fresh one, and a new code gets its own QR code', async () => {
    const before = await page.getByRole('img').getAttribute('src')
    await page.getByRole('button', { name: 'New code' }).click()
    expect(await restarts()).toBe(1)
    await setState({ step: 'waiting', codeText: 'kith-link:fresh', expiresAt: Date.now() + 600_000 })
    await expect.poll(() => page.getByTestId('link-code-text').textContent()).toBe('kith-link:fresh')
    await expect.poll(() => page.getByRole('img').getAttribute('src')).not.toBe(before)
  })

  it('says when the code has expired, hides its QR code and offers a new one', async () => {
    await setState({ step: 'waiting', codeText: CODE, expiresAt: Date.now() - 1000 })
    await expect.poll(() => page.getByTestId('link-expiry').textContent()).toContain('expired')
    expect(await page.getByRole('img').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Copy code' }).count()).toBe(0)
    await page.getByRole('button', { name: 'New code' }).click()
    expect(await restarts()).toBe(1)
  })

  it('shows each step as soon as the session announces it', async () => {
    expect(await setState({ step: 'confirming', codeText: CODE, verificationCode: '482913', ownerAddress: OWNER })).toBe('confirming')
    expect(await setState({ step: 'linked', ownerAddress: OWNER })).toBe('linked')
  })

  it('Cancel cancels the session', async () => {
    await page.getByRole('button', { name: 'Cancel' }).click()
    expect(await cancels()).toBe(1)
  })
})

describe('the following steps', () => {
  it('confirming: who opened it and the verification code, large; focus moves to the new step', async () => {
    await setState({ step: 'confirming', codeText: CODE, verificationCode: '482913', ownerAddress: OWNER })
    await page.getByRole('heading', { name: 'Compare the codes' }).waitFor()
    const text = await page.locator('kith-link-this-device').textContent()
    expect(await page.getByText(/opened this code/).textContent()).toBe('A device of 3mJr7A…nPMZ opened this code. Check that it shows:'.replace('…nPMZ', `…${OWNER.slice(-6)}`))
    expect(await page.getByTestId('link-verification').textContent()).toBe('482 913')
    expect(await page.getByText('Approve on that device.').count()).toBe(1)
    expect(text).not.toContain(CODE)
    expect(await focusedText()).toBe('Compare the codes')
    expect(await page.getByRole('status').filter({ hasText: 'Check that it shows 482 913' }).count()).toBe(1)
  })

  it('accepting: whose device it becomes and as what, with the code; "Link this browser" confirms, Cancel declines', async () => {
    await setState({ step: 'accepting', verificationCode: '482913', ownerAddress: OWNER, ownerName: 'Sam', deviceName: 'Sam’s phone', role: 'full' })
    await page.getByRole('heading', { name: 'Link this browser?' }).waitFor()
    expect(await page.getByTestId('link-owner-name').textContent()).toBe('Sam')
    expect(await page.getByTestId('link-owner-address').textContent()).toBe(OWNER)
    expect(await page.getByTestId('link-device-name').textContent()).toBe('Sam’s phone')
    expect(await page.getByTestId('link-verification').textContent()).toBe('482 913')
    expect(await page.getByText(/a full device of/).count()).toBe(1)
    expect(await focusedText()).toBe('Link this browser?')
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 })
      await page.screenshot({ path: `${SCREENSHOT_DIR}/link-accepting-${width}.png`, fullPage: true })
    }
    await page.setViewportSize({ width: 900, height: 900 })
    await page.getByRole('button', { name: 'Link this browser' }).click()
    expect(await onHarness(page, (h) => h.session.confirms)).toBe(1)
    await page.getByRole('button', { name: 'Cancel' }).click()
    expect(await cancels()).toBe(1)
    await setState({ step: 'accepting', verificationCode: '482913', ownerAddress: OWNER, ownerName: 'Sam', deviceName: 'Pi', role: 'server', confirmed: true })
    await page.getByRole('status').filter({ hasText: 'Linking…' }).waitFor()
    expect(await page.getByRole('button', { name: 'Link this browser' }).count()).toBe(0)
  })

  it('linked: says so, with the address it opens as', async () => {
    await setState({ step: 'linked', ownerAddress: OWNER })
    await expect.poll(() => page.getByTestId('link-linked').textContent()).toBe(`Linked. Opening Kith as ${OWNER.slice(0, 6)}…${OWNER.slice(-6)}…`)
  })

  it('failed: the message as an alert, and "Try again" restarts', async () => {
    await setState({ step: 'failed', message: 'The other device refused this code.' })
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The other device refused this code.')
    await page.getByRole('button', { name: 'Try again' }).click()
    expect(await restarts()).toBe(1)
  })
})
