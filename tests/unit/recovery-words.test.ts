// The recovery words (shared/identity/recovery-words.ts): twelve BIP39 words
// make the recovery key R, always the same one, and only words that belong
// together are taken.
import { describe, expect, it } from 'vitest'
import { mnemonicToSeedSync } from '@scure/bip39'
import { signingKeyPairFromSeed } from '../../shared/crypto/crypto'
import { bytesEqual } from '../../shared/util/bytes'
import { checkRecoveryWords, makeRecoveryWords, pickWordsToCheck, recoveryKeyFromWords, splitRecoveryWords } from '../../shared/identity/recovery-words'

const KNOWN = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

describe('recovery words', () => {
  it('are twelve words of the list, different each time', () => {
    const a = makeRecoveryWords()
    const b = makeRecoveryWords()
    expect(a).toHaveLength(12)
    expect(checkRecoveryWords(a)).toEqual(a)
    expect(a.join(' ')).not.toBe(b.join(' '))
  })

  it('make the same recovery key every time, whatever the spacing, case or numbering', () => {
    const words = makeRecoveryWords()
    const r = recoveryKeyFromWords(words)
    const typed = words.map((w, i) => `${i + 1}. ${w.toUpperCase()}`).join('\n  ')
    expect(bytesEqual(recoveryKeyFromWords(typed).publicKey, r.publicKey)).toBe(true)
    expect(bytesEqual(recoveryKeyFromWords(makeRecoveryWords()).publicKey, r.publicKey)).toBe(false)
  })

  it('derive R under Kith’s own context, not as the bare BIP39 seed', () => {
    const bare = signingKeyPairFromSeed(mnemonicToSeedSync(KNOWN).slice(0, 32))
    const r = recoveryKeyFromWords(KNOWN)
    expect(bytesEqual(r.publicKey, bare.publicKey)).toBe(false)
  })

  it('refuse the wrong count, an unknown word and words that do not belong together, in plain words', () => {
    expect(() => checkRecoveryWords(KNOWN.split(' ').slice(0, 11))).toThrow(/12 words; this is 11/)
    expect(() => checkRecoveryWords(KNOWN.replace('about', 'aboot'))).toThrow(/Word 12 .*aboot.* spelling/)
    // Every word of the list, but the checksum in the last word fails.
    expect(() => checkRecoveryWords(KNOWN.replace('about', 'abandon'))).toThrow(/do not belong together/)
    expect(() => checkRecoveryWords('abandon '.repeat(200))).toThrow(/longer than twelve words/)
  })

  it('split what a person typed back', () => {
    expect(splitRecoveryWords(' 1. Abandon,  (2) about\n3)zoo ')).toEqual(['abandon', 'about', 'zoo'])
  })

  it('ask back three distinct positions in order', () => {
    const asked = pickWordsToCheck(3, (() => { const seq = [5, 5, 1, 11]; let i = 0; return () => seq[i++]! })())
    expect(asked).toEqual([1, 5, 11])
  })
})
