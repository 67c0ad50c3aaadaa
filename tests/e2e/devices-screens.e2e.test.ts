// Screenshots of the Devices tab and the link page, desktop and phone width,
// over the scripted DevicesApi (tests/harness/devices.html), to look at. Also
// checks what is cheap to check on every screen: nothing wider than a phone,
// every button named, nothing refused by the Content-Security-Policy.
import { beforeAll, describe, expect, it } from 'vitest'
import { worldPerFile } from './support/world'
import { checkScreen, onHarness, openDevicesHarness, type HarnessPerson } from './support/devices'

const world = worldPerFile()
const OWNER = '3mJr7AoUXx2WqdRvjVbHyFkQK8o1QnPMZ'

describe.each([1280, 390])('at %i px wide', (width) => {
  let p: HarnessPerson
  beforeAll(async () => { p = await openDevicesHarness(world, `screens-${width}`, width) })

  it('the list: three devices, one revoked', async () => {
    await onHarness(p.page, (h) => h.showDevices({ devices: h.api.devices.filter((d) => d.name !== 'Phone') }))
    await p.page.getByText('Old phone').waitFor()
    await checkScreen(p, width, 'devices-1-list')
  })

  it('revoking a full device: the confirmation', async () => {
    await onHarness(p.page, (h) => h.showDevices())
    await p.page.getByRole('button', { name: 'Revoke Phone' }).click()
    await p.page.getByTestId('full-device-warning').waitFor()
    await checkScreen(p, width, 'devices-2-revoke-confirm')
  })

  it('linking: the approval step', async () => {
    await onHarness(p.page, (h) => { h.showDevices(); h.nextApproval('Sam’s work laptop', '482913', false) })
    await p.page.getByLabel('Link code').fill('kith-link:3mJr7AoUXx2Wqd-9f1c2b7e4d5a6c3b')
    await p.page.getByRole('button', { name: 'Submit' }).click()
    await p.page.getByTestId('verification-code').waitFor()
    await checkScreen(p, width, 'devices-3-approve')
  })

  it('a fresh browser: "Add this browser to your Kith" first, then this device alone', async () => {
    await onHarness(p.page, (h) => h.showDevices({ canLink: true, devices: h.api.devices.filter((d) => d.thisDevice).map((d) => ({ ...d, name: 'This browser' })) }))
    await p.page.getByLabel('Name for this browser').waitFor()
    await checkScreen(p, width, 'devices-4-fresh-browser')
  })

  it('the new device: waiting, with the code and its QR code', async () => {
    await onHarness(p.page, (h) => h.showLinkThisDevice())
    await p.page.getByRole('img', { name: /QR code/ }).waitFor()
    await checkScreen(p, width, 'devices-5-link-waiting')
  })

  it('the new device: comparing the codes', async () => {
    await p.page.evaluate((ownerAddress) => window.devicesHarness.session.set({ step: 'confirming', codeText: 'x', verificationCode: '482913', ownerAddress }), OWNER)
    await p.page.getByTestId('link-verification').waitFor()
    await checkScreen(p, width, 'devices-6-link-confirming')
  })
})
