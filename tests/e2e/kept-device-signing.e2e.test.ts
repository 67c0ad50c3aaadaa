// After a rotation made on the phone, Alice's tablet (a kept full device)
// does not hold the new signing key, which alone signs her invites and her
// signed settings now (docs/security.md, "What Sₙ signs"). In real pages:
// the tablet refuses to change whether she can be found by address and to
// make an invite, and says where it is done, naming the phone; the phone
// does both. The node-level attacks are in
// tests/unit/attack-rotation-signatures.test.ts.
import { parseAddress } from '../../shared/identity/identity'
import { toHex } from '../../shared/util/bytes'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCrypto } from '../../shared/crypto/crypto'
import { tab } from './support/app'
import { linkBrowser, rotationsFollowed, setUpRecoveryWords, storedSettingText } from './support/identity'
import { openAs } from './support/people'
import { desktopAndPhone, worldPerFile, type Person } from './support/world'

const world = worldPerFile()

beforeAll(() => loadCrypto())

describe('a kept full device without the new signing key', () => {
  let phone: Person, tablet: Person
  let aliceHex = ''

  it('Alice links a tablet from her phone, sets up her words and rotates on the phone, keeping both', async () => {
    phone = await world.person('phone')
    aliceHex = toHex(parseAddress(await openAs(phone, world.appUrl, 'Alice')))
    tablet = await world.person('tablet')
    await linkBrowser(phone, tablet, world.appUrl, 'Tablet', { approverName: 'Phone' })
    const words = await setUpRecoveryWords(phone)
    await expect.poll(() => storedSettingText(tablet.page, 'recovery.record'), { timeout: 30_000 }).not.toBe('null')
    await tab(phone.page, 'Devices')
    const card = phone.page.getByTestId('rotate')
    await card.getByRole('button', { name: 'Take my identity back' }).click()
    await card.getByRole('textbox', { name: 'Your twelve recovery words, in order' }).fill(words.join(' '))
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('group', { name: 'Which devices are still yours?' }).waitFor()
    await card.getByRole('button', { name: 'Next' }).click()
    await card.getByRole('button', { name: 'Replace my key' }).click()
    await card.getByTestId('rotate-done').waitFor({ timeout: 30_000 })
    // The tablet follows from the phone's hello when they meet again, and
    // learns by sync that the phone holds the new key.
    await expect.poll(() => rotationsFollowed(tablet.page, aliceHex), { timeout: 30_000 }).toBe(1)
    await tab(tablet.page, 'Devices')
    await expect.poll(() => tablet.page.getByTestId('rotated-note').textContent(), { timeout: 30_000 }).toMatch(/from “Phone”/)
  })

  it('on the tablet, being found by address cannot be turned on: it says to do it on the phone', async () => {
    await tab(tablet.page, 'Me & server')
    const box = tablet.page.getByRole('checkbox', { name: 'Anyone who has my address can reach me' })
    // (click, not check: the box goes back unticked once the refusal comes)
    await box.click()
    const alert = tablet.page.locator('kith-identity-card').getByRole('alert')
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toMatch(/Change whether you can be found by address from “Phone”, or rotate again with your recovery words/)
    expect(await box.isChecked()).toBe(false)
    await desktopAndPhone(tablet, 'kept-device-discoverable')
  })

  it('on the tablet, an invite cannot be made: it says to do it on the phone', async () => {
    await tab(tablet.page, 'Invites')
    await tablet.page.getByRole('button', { name: 'Create invite' }).click()
    const alert = tablet.page.locator('kith-invites').getByRole('alert').first()
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toMatch(/Make friends \(create and accept invites\) from “Phone”/)
    await desktopAndPhone(tablet, 'kept-device-invite')
  })

  it('on the phone, which holds the new key, both work', async () => {
    await tab(phone.page, 'Me & server')
    const box = phone.page.getByRole('checkbox', { name: 'Anyone who has my address can reach me' })
    await box.check()
    await expect.poll(() => storedSettingText(phone.page, 'rendezvous.discoverable'), { timeout: 15_000 }).toBe('true')
    await tab(phone.page, 'Invites')
    await phone.page.getByRole('button', { name: 'Create invite' }).click()
    await phone.page.getByRole('button', { name: 'Done' }).first().waitFor({ timeout: 15_000 })
  })
})
