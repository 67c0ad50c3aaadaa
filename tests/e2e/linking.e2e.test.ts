// Linking a device in the real app, end to end between two browsers over the
// test network (DESIGN §6a): the new browser shows a link code, the full
// device pastes it, both show the same verification code, the owner
// approves, and the new browser reopens as the same person. Then the owner
// revokes it, and it is marked revoked.
import { describe, expect, it } from 'vitest'
import { desktopAndPhone, openApp, screenshot, worldPerFile } from './support/world'

const world = worldPerFile()

describe('linking a device in the app', () => {
  it('links a new browser as a server device of the same person, then revokes it', async () => {
    const laptop = await world.person('laptop')
    const address = await openApp(laptop, world.appUrl)
    const phone = await world.person('phone')
    await phone.page.goto(`${world.appUrl}#/link?name=Hall%20desktop`)
    const codeText = phone.page.getByTestId('link-code-text')
    await codeText.waitFor()
    const code = (await codeText.textContent())!.trim()
    expect(code).toMatch(/^kith-link-/)
    await screenshot(phone, 'linking-1-new-device-code')

    await laptop.page.goto(`${world.appUrl}#/devices`)
    await laptop.page.getByLabel('Link code').fill(`  ${code}  `)
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    const shownOnLaptop = laptop.page.getByTestId('verification-code')
    await shownOnLaptop.waitFor({ timeout: 45_000 })
    const shownOnPhone = phone.page.getByTestId('link-verification')
    await shownOnPhone.waitFor()
    expect((await shownOnLaptop.textContent())!.replace(/\s/g, '')).toBe((await shownOnPhone.textContent())!.replace(/\s/g, ''))
    expect(await laptop.page.getByLabel('Name of the new device').inputValue()).toBe('Hall desktop')
    await screenshot(laptop, 'linking-2-laptop-verify')
    // The laptop, linking its first other device, is asked its own name
    // instead of being listed as "First device".
    await laptop.page.getByLabel('Name of this device, the one you are using now').fill('Laptop')
    await laptop.page.getByRole('radio', { name: 'Server' }).check()
    await laptop.page.getByRole('button', { name: 'Approve' }).click()
    // Nothing is linked until the person confirms on the new browser, which
    // shows whose device it becomes.
    await laptop.page.getByTestId('confirm-there').filter({ hasText: 'confirm on the new device' }).waitFor()
    await phone.page.getByRole('heading', { name: 'Link this browser?' }).waitFor({ timeout: 15_000 })
    expect((await phone.page.getByTestId('link-owner-address').textContent())!.trim()).toBe(address)
    expect(await phone.page.getByTestId('link-device-name').textContent()).toBe('Hall desktop')
    expect((await phone.page.getByTestId('link-verification').textContent())!.replace(/\s/g, '')).toBe((await shownOnLaptop.textContent())!.replace(/\s/g, ''))
    await screenshot(phone, 'linking-2b-new-device-confirms')
    expect(await laptop.page.getByTestId('link-result').count()).toBe(0)
    await phone.page.getByRole('button', { name: 'Link this browser' }).click()
    await expect.poll(() => laptop.page.getByTestId('link-result').textContent(), { timeout: 15_000 }).toMatch(/Linked/)

    // The new browser reopens on Home (not the guided start: the person already uses Kith), as the same person, a server device.
    await expect.poll(() => phone.page.getByRole('tab', { name: /^Home/ }).getAttribute('aria-selected').catch(() => null), { timeout: 15_000 }).toBe('true')
    await phone.page.goto(`${world.appUrl}#/me`)
    await expect.poll(() => phone.page.getByTestId('my-address').textContent().catch(() => ''), { timeout: 15_000 }).toContain(address)
    await phone.page.goto(`${world.appUrl}#/devices`)
    await expect.poll(() => phone.page.getByTestId('server-note').count()).toBe(1)
    // The device rows are read once the node's checks have run, which waits
    // for the first screen (and on a busy machine a quiet second): start-node.ts.
    await expect.poll(() => phone.page.getByTestId('device').count(), { timeout: 30_000 }).toBe(2)
    // Through sync the new device knows the laptop by the name it was given.
    await expect.poll(() => phone.page.getByTestId('device').locator('.name').allTextContents(), { timeout: 30_000 }).toContain('Laptop')
    expect(await phone.page.getByTestId('device').locator('.name').allTextContents()).not.toContain('First device')

    // The laptop lists it; revoking it from there marks it revoked.
    await laptop.page.reload()
    const hall = laptop.page.getByTestId('device').filter({ hasText: 'Hall desktop' })
    await hall.waitFor()
    expect(await laptop.page.getByTestId('device').filter({ hasText: 'This device' }).locator('.name').textContent()).toBe('Laptop')
    expect(await hall.textContent()).toContain('Server')
    // Connected to it, the laptop tells it when it revokes it.
    await expect.poll(() => hall.textContent(), { timeout: 60_000 }).toContain('online now')
    await laptop.page.getByRole('button', { name: 'Revoke Hall desktop' }).click()
    await laptop.page.getByRole('button', { name: /^Revoke/ }).last().click()
    await expect.poll(() => hall.getByTestId('revoked').count()).toBe(1)
    await screenshot(laptop, 'linking-3-laptop-revoked')
    // The revoked browser stops serving and says by whom and when.
    const told = phone.page.getByRole('alert').filter({ hasText: 'This device was revoked by Laptop on' })
    await told.waitFor({ timeout: 30_000 })
    expect(await told.textContent()).toMatch(/revoked by Laptop on \d{4}-\d{2}-\d{2}; it no longer serves your friends or syncs\. To use it again, clear this browser’s data for Kith and link it anew\./)
    await desktopAndPhone(phone, 'linking-4-revoked-device-told')
    // A reload does not bring it back.
    await phone.page.reload()
    await told.waitFor({ timeout: 30_000 })
    await laptop.context.close()
    await phone.context.close()
  })

  it('refuses a mistyped code in plain words, before looking for any device', async () => {
    const laptop = await world.person('laptop2')
    await openApp(laptop, world.appUrl)
    await laptop.page.goto(`${world.appUrl}#/devices`)
    await laptop.page.getByLabel('Link code').fill('kith-link-3mJr0')
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    await expect.poll(() => laptop.page.getByTestId('link-error').textContent()).toMatch(/typo|incomplete/)
    await laptop.context.close()
  })
})
