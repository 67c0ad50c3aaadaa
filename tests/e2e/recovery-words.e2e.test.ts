// Setting up recovery words (client/elements/kith-recovery-words.ts) in the
// Devices tab, over the scripted DevicesApi (tests/harness/devices.html):
// the words shown once with their QR code, the check that asks three of them
// back, and the public key handed to the api being the one the words make.
// Screenshots of the words and the check step at desktop and phone width.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCrypto } from '../../shared/crypto/crypto'
import { toHex } from '../../shared/util/bytes'
import { recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { worldPerFile } from './support/world'
import { checkScreen, onHarness, openDevicesHarness, type HarnessPerson } from './support/devices'

const world = worldPerFile()

describe.each([1280, 390])('recovery words at %i px wide', (width) => {
  let p: HarnessPerson
  beforeAll(async () => {
    await loadCrypto()
    p = await openDevicesHarness(world, `recovery-${width}`, width)
  })

  it('are shown once, checked by asking three back, and only the key they make reaches the api', async () => {
    await onHarness(p.page, (h) => h.showDevices())
    const recovery = p.page.getByTestId('recovery')
    await recovery.getByRole('button', { name: 'Set up recovery words' }).click()
    const list = p.page.getByTestId('recovery-words')
    await list.waitFor()
    await recovery.getByRole('img', { name: 'QR code of your recovery words' }).waitFor()
    const words = await list.locator('li').allTextContents()
    expect(words).toHaveLength(12)
    expect(new Set(words).size).toBeGreaterThan(1)
    await checkScreen(p, width, 'recovery-1-words')

    await recovery.getByRole('button', { name: 'I wrote them down' }).click()
    const inputs = recovery.getByRole('textbox')
    await inputs.first().waitFor()
    expect(await inputs.count()).toBe(3)
    // The words have left the screen while they are asked for.
    expect(await list.count()).toBe(0)
    const labels = await recovery.locator('label').allTextContents()
    const positions = labels.map((l) => Number(l.replace('Word ', '')) - 1)
    expect(positions.every((i) => i >= 0 && i < 12)).toBe(true)
    await checkScreen(p, width, 'recovery-2-check')

    // A wrong word is refused in plain words, and nothing is set up.
    for (const [n, i] of positions.entries()) await inputs.nth(n).fill(n === 1 ? 'zzz' : words[i]!)
    await recovery.getByRole('button', { name: 'Check and finish' }).click()
    await expect.poll(() => p.page.getByTestId('recovery-error').textContent()).toMatch(new RegExp(`Word ${positions[1]! + 1} does not match`))
    expect(await onHarness(p.page, (h) => h.api.recoveryKeys.length)).toBe(0)
    await checkScreen(p, width, 'recovery-3-check-wrong')

    // Typed as a person might: capitals and spaces around.
    await inputs.nth(1).fill(`  ${words[positions[1]!]!.toUpperCase()} `)
    await recovery.getByRole('button', { name: 'Check and finish' }).click()
    await p.page.getByTestId('recovery-done').waitFor()
    const given = await onHarness(p.page, (h) => h.api.recoveryKeys.map((k) => Array.from(k)))
    expect(given).toHaveLength(1)
    expect(toHex(Uint8Array.from(given[0]!))).toBe(toHex(recoveryKeyFromWords(words).publicKey))
    // Neither the screen nor the element holds the words any more.
    expect(await list.count()).toBe(0)
    expect(await p.page.evaluate(() => document.querySelector('kith-devices')!.shadowRoot!.querySelector('kith-recovery-words')!.words.length)).toBe(0)
  })

  it('once set up, the Devices tab says so calmly and offers nothing more', async () => {
    await onHarness(p.page, (h) => { h.showDevices(); h.api.recoveryAt = Date.UTC(2026, 11, 6); h.api.changed() })
    await p.page.getByTestId('recovery-set-up').waitFor()
    expect(await p.page.getByRole('button', { name: 'Set up recovery words' }).count()).toBe(0)
  })
})
