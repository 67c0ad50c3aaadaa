// Link codes (DESIGN §6a): single-use, short-lived, and a wrong, reused or
// expired one fails in plain words; both screens show the same verification
// code only for the same secret and keys.
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import { createIdentity } from '../../shared/identity/identity'
import { createLinkCode, formatLinkCode, LINK_CODE_LIFETIME_MS, LinkCodeError, parseLinkCode, SpentLinkCodes, verificationCode } from '../../shared/linking/link-code'
import { refusalMessage } from './refusal'

const NOW = Date.UTC(2026, 11, 1, 9, 0, 0)
const pi = generateSigningKeyPair()
const alice = createIdentity()

/** Refused in a sentence. */
function refused (fn: () => unknown): string {
  const message = refusalMessage(fn, LinkCodeError)
  expect(message).toMatch(/^[A-Z].+\.$/)
  return message
}

describe('link codes', () => {
  it('round-trips: the approving device reads the key and secret the new device shows', () => {
    const { code, text } = createLinkCode(pi.publicKey, NOW)
    expect(text).toMatch(/^kith-link-[1-9A-HJ-NP-Za-km-z]+$/)
    const read = parseLinkCode(`  ${text.slice(0, 20)}\n${text.slice(20)} `, NOW + 1_000)
    expect(read.deviceKey).toEqual(pi.publicKey)
    expect(read.secret).toEqual(code.secret)
    expect(read.expiresAt * 1000).toBeLessThanOrEqual(NOW + LINK_CODE_LIFETIME_MS)
    // Each code is new: two codes for the same device share no secret.
    expect(createLinkCode(pi.publicKey, NOW).code.secret).not.toEqual(code.secret)
  })

  it('a typo, a truncated code or a foreign string fails in plain words', () => {
    const { text } = createLinkCode(pi.publicKey, NOW)
    const last = text.at(-1) === 'a' ? 'b' : 'a'
    expect(refused(() => parseLinkCode(text.slice(0, -1) + last, NOW))).toMatch(/typo/)
    expect(refused(() => parseLinkCode(text.slice(0, -3), NOW))).toMatch(/incomplete/)
    expect(refused(() => parseLinkCode(text + '0', NOW))).toMatch(/typo/)
    expect(refused(() => parseLinkCode('https://example.org/#/invite/abc', NOW))).toMatch(/not a Kith link code/)
  })

  it('an expired code fails in plain words, and so does one dated far ahead', () => {
    const { text } = createLinkCode(pi.publicKey, NOW)
    expect(refused(() => parseLinkCode(text, NOW + LINK_CODE_LIFETIME_MS + 1_000))).toMatch(/expired/)
    const ahead = createLinkCode(pi.publicKey, NOW + 60 * 60 * 1000).text
    expect(refused(() => parseLinkCode(ahead, NOW))).toMatch(/too far ahead/)
  })

  it('a code carrying a key that needs no secret is refused', () => {
    const { code } = createLinkCode(pi.publicKey, NOW)
    const weak = formatLinkCode({ ...code, deviceKey: fromHex('01' + '00'.repeat(31)) })
    expect(refused(() => parseLinkCode(weak, NOW))).toMatch(/valid device key/)
  })

  it('works once: a reused code is refused in plain words; spent codes are forgotten once expired', async () => {
    const spent = new SpentLinkCodes()
    const { text } = createLinkCode(pi.publicKey, NOW)
    await spent.spend(parseLinkCode(text, NOW), NOW)
    await expect(spent.spend(parseLinkCode(text, NOW + 5_000), NOW + 5_000)).rejects.toThrow(/already used/)
    await spent.spend(parseLinkCode(createLinkCode(pi.publicKey, NOW).text, NOW), NOW)
    expect(spent.size).toBe(2)
    await spent.spend(createLinkCode(pi.publicKey, NOW + 2 * LINK_CODE_LIFETIME_MS).code, NOW + 2 * LINK_CODE_LIFETIME_MS)
    expect(spent.size).toBe(1)
  })

  it('both screens show the same verification code only for the same secret and keys', () => {
    const { code, text } = createLinkCode(pi.publicKey, NOW)
    const onPi = verificationCode(code, alice.publicKey)
    const onLaptop = verificationCode(parseLinkCode(text, NOW), alice.publicKey)
    expect(onPi).toMatch(/^\d{3} \d{3}$/)
    expect(onLaptop).toBe(onPi)
    // Someone who swapped the code for their own device, or an approver of
    // another identity, sees different digits.
    const mallory = generateSigningKeyPair()
    expect(verificationCode({ ...code, deviceKey: mallory.publicKey }, alice.publicKey)).not.toBe(onPi)
    expect(verificationCode(code, createIdentity().publicKey)).not.toBe(onPi)
    expect(verificationCode({ ...code, secret: new Uint8Array(16) }, alice.publicKey)).not.toBe(onPi)
  })
})
