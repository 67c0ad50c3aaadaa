// "Someone else has one of my devices" (client/elements/kith-rotate.ts) in
// the Devices tab, over the scripted DevicesApi (tests/harness/devices.html):
// the words, which devices are still yours, the summary, and what reaches the
// api. Screenshots of each step at desktop and phone width.
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRecoveryWords } from '../../shared/identity/recovery-words'
import { worldPerFile } from './support/world'
import { checkScreen, onHarness, openDevicesHarness, type HarnessPerson } from './support/devices'

const world = worldPerFile()

describe.each([1280, 390])('rotating at %i px wide', (width) => {
  let p: HarnessPerson
  const words = makeRecoveryWords().join(' ')
  beforeAll(async () => {
    p = await openDevicesHarness(world, `rotate-${width}`, width)
  })

  it('is offered only once recovery words are set up', async () => {
    await onHarness(p.page, (h) => h.showDevices())
    await p.page.getByTestId('recovery').waitFor()
    expect(await p.page.getByRole('button', { name: 'Take my identity back' }).count()).toBe(0)
  })

  it('before a rotation, revoking and linking are offered as usual', async () => {
    expect(await p.page.locator('kith-devices').locator('[data-revoke]').count()).toBeGreaterThan(0)
    expect(await p.page.getByRole('heading', { name: 'Link a device' }).count()).toBe(1)
  })

  it('walks through the words, the devices kept, and a summary; the api gets exactly the choice', async () => {
    await onHarness(p.page, (h) => { h.api.recoveryAt = Date.UTC(2026, 11, 6); h.api.changed() })
    await p.page.evaluate((w) => { window.devicesHarness.api.rotationWords = w }, words)
    const card = p.page.getByTestId('rotate')
    await card.getByRole('button', { name: 'Take my identity back' }).waitFor()
    await checkScreen(p, width, 'rotate-0-offer')
    await card.getByRole('button', { name: 'Take my identity back' }).click()
    const input = card.getByRole('textbox', { name: 'Your twelve recovery words, in order' })
    await input.waitFor()
    // A typo is refused in plain words before going on.
    await input.fill(words.replace(/^\S+/, 'zzzz'))
    await card.getByRole('button', { name: 'Next' }).click()
    await expect.poll(() => p.page.getByTestId('rotate-error').textContent()).toMatch(/zzzz/)
    await input.fill(words)
    // Typing again clears the complaint.
    expect(await p.page.getByTestId('rotate-error').textContent()).toBe('')
    await checkScreen(p, width, 'rotate-1-words')
    await card.getByRole('button', { name: 'Next' }).click()

    const devices = card.getByRole('group', { name: 'Which devices are still yours?' })
    await devices.waitFor()
    // This device cannot be let go; the others are kept until unticked.
    expect(await devices.getByRole('checkbox', { name: /Laptop/ }).isDisabled()).toBe(true)
    expect(await devices.getByRole('checkbox', { name: /Phone/ }).isChecked()).toBe(true)
    await devices.getByRole('checkbox', { name: /Phone/ }).uncheck()
    await checkScreen(p, width, 'rotate-2-devices')
    await card.getByRole('button', { name: 'Next' }).click()

    await card.getByTestId('rotate-revoke').waitFor()
    expect(await card.getByTestId('rotate-keep').locator('li').allTextContents()).toEqual(['Laptop', 'Kitchen Pi'])
    expect(await card.getByTestId('rotate-revoke').locator('li').allTextContents()).toEqual(['Phone'])
    await checkScreen(p, width, 'rotate-3-confirm')
    await card.getByRole('button', { name: 'Replace my key and revoke 1 device' }).click()
    await card.getByTestId('rotate-done').waitFor()
    const given = await onHarness(p.page, (h) => h.api.rotations)
    expect(given).toEqual([{ keep: ['a1'.repeat(32), 'c3'.repeat(32)], revoke: ['b2'.repeat(32)] }])
    await checkScreen(p, width, 'rotate-4-done')
    // This device holds the new key: linking and revoking are still offered here.
    expect(await p.page.getByTestId('rotated-note').count()).toBe(0)
    expect(await p.page.locator('kith-devices').locator('[data-revoke]').count()).toBeGreaterThan(0)
    expect(await p.page.getByRole('heading', { name: 'Link a device' }).count()).toBe(1)
    // The words are gone from the element.
    expect(await p.page.evaluate(() => document.querySelector('kith-devices')!.shadowRoot!.querySelector('kith-rotate')!.words)).toBe('')
  })

  it('on a kept device without the new key, linking and revoking are not offered; the tab says where they are done', async () => {
    // As the node words it when no other device's row proves it holds the key (signing-key-words.ts).
    const elsewhere = 'Since you replaced your key with your recovery words, only the device you rotated on holds your new signing key. Link and revoke devices from that device, or rotate again with your recovery words (“Someone else has one of my devices”).'
    await p.page.evaluate((text) => { window.devicesHarness.api.signingElsewhere = text; window.devicesHarness.api.changed() }, elsewhere)
    await expect.poll(() => p.page.getByTestId('rotated-note').textContent()).toBe(elsewhere)
    expect(await p.page.locator('kith-devices').locator('[data-revoke]').count()).toBe(0)
    expect(await p.page.getByRole('heading', { name: 'Link a device' }).count()).toBe(0)
    await checkScreen(p, width, 'rotate-5-elsewhere')
    await onHarness(p.page, (h) => { h.api.signingElsewhere = null; h.api.changed() })
  })

  it('words that are not the person’s are refused at the end, in plain words, and nothing changes', async () => {
    await p.page.reload()
    await p.page.waitForFunction(() => 'devicesHarness' in window)
    await onHarness(p.page, (h) => { h.showDevices(); h.api.recoveryAt = Date.UTC(2026, 11, 6); h.api.rotationWords = 'not these'; h.api.changed() })
    const card = p.page.getByTestId('rotate')
    await card.getByRole('button', { name: 'Take my identity back' }).click()
    await card.getByRole('textbox').fill(words)
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('group').waitFor()
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('button', { name: 'Replace my key' }).click()
    await expect.poll(() => p.page.getByTestId('rotate-error').textContent()).toMatch(/not your recovery words/)
    expect(await onHarness(p.page, (h) => h.api.rotations.length)).toBe(0)
  })
})
