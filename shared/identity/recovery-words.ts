// The recovery key's words (DESIGN §6a): twelve BIP39 words (English list,
// @scure/bip39) the person writes down, from which the recovery key R is
// derived whenever it is needed. Kith never stores the words nor R's secret
// half: only R's public half, in the recovery record (recovery-record.ts).
//
// R is an Ed25519 key made from the words' BIP39 seed through an HMAC under
// Kith's own context string, so the same words used elsewhere (a wallet
// that reads BIP39 too) never give the same key, and R's key gives away
// nothing about a key anyone else derived from those words.
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { signingKeyPairFromSeed, type SigningKeyPair } from '../crypto/crypto'
import { utf8 } from '../util/bytes'
import { KithError } from '../wire/errors'

export const RECOVERY_WORD_COUNT = 12
/** 12 words carry 128 bits of randomness. */
const ENTROPY_BITS = 128
const DERIVATION_KEY = utf8('kith/recovery-key/v1')
/** Longer than any 12 words of the list, with room for numbering and spaces. */
const MAX_INPUT_CHARS = 400

/** Twelve fresh words, from the browser's random source. */
export function makeRecoveryWords (): string[] {
  return generateMnemonic(wordlist, ENTROPY_BITS).split(' ')
}

/** Words as a person types them back: any case, spaces, commas or new lines
 *  between, numbering such as "1." or "(3)" ignored. */
export function splitRecoveryWords (input: string): string[] {
  return input.slice(0, MAX_INPUT_CHARS).toLowerCase().split(/[\s,;]+/).map((w) => w.replace(/^\(?\d+[.)]?/, '')).filter((w) => w !== '')
}

export function isRecoveryWord (word: string): boolean {
  return wordlist.includes(word.trim().toLowerCase())
}

/** The words, checked; throws a sentence a person can act on. */
export function checkRecoveryWords (input: string | readonly string[]): string[] {
  if (typeof input === 'string' && input.length > MAX_INPUT_CHARS) throw new KithError('BAD_REQUEST', 'That is longer than twelve words.')
  const words = typeof input === 'string' ? splitRecoveryWords(input) : input.map((w) => w.trim().toLowerCase())
  if (words.length !== RECOVERY_WORD_COUNT) throw new KithError('BAD_REQUEST', `Recovery words are ${RECOVERY_WORD_COUNT} words; this is ${words.length}.`)
  const unknown = words.findIndex((w) => !wordlist.includes(w))
  if (unknown >= 0) throw new KithError('BAD_REQUEST', `Word ${unknown + 1} (“${words[unknown]!.slice(0, 20)}”) is not one of the recovery words: check its spelling.`)
  // The last word carries a checksum over the others.
  if (!validateMnemonic(words.join(' '), wordlist)) throw new KithError('BAD_REQUEST', 'These words do not belong together: one of them is wrong or in the wrong place.')
  return words
}

/** The recovery key the words make (always the same one for the same words). */
export function recoveryKeyFromWords (input: string | readonly string[]): SigningKeyPair {
  const words = checkRecoveryWords(input)
  const seed = mnemonicToSeedSync(words.join(' '))
  return signingKeyPairFromSeed(hmac(sha512, DERIVATION_KEY, seed).slice(0, 32))
}

/** Which words to ask back (0-based, in order): `count` of the twelve, at random. */
export function pickWordsToCheck (count = 3, random: (n: number) => number = (n) => Math.floor(Math.random() * n)): number[] {
  const positions = new Set<number>()
  while (positions.size < Math.min(count, RECOVERY_WORD_COUNT)) positions.add(random(RECOVERY_WORD_COUNT))
  return [...positions].sort((a, b) => a - b)
}
