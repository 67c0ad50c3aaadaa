// Identity and address. The address is the Ed25519 public key with a version
// byte and a 4-byte checksum, in base58: safe in URLs, easy to select, and a
// typo is caught by the checksum instead of naming a different person.
import bs58 from 'bs58'
import { concatBytes, bytesEqual } from '../util/bytes'
import { generateSigningKeyPair, isValidSigningPublicKey, sha512, type SigningKeyPair } from '../crypto/crypto'

const ADDRESS_VERSION = 0x4b // 'K'
const CHECKSUM_BYTES = 4
const ADDRESS_BYTES = 1 + 32 + CHECKSUM_BYTES
/** Every address is this long in base58 (version 0x4b fixes the magnitude). */
const ADDRESS_CHARS = 51

export type Identity = SigningKeyPair

export function createIdentity (): Identity {
  return generateSigningKeyPair()
}

export class AddressError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'AddressError'
  }
}

function checksum (versionAndKey: Uint8Array): Uint8Array {
  return sha512(versionAndKey).subarray(0, CHECKSUM_BYTES)
}

export function addressFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new AddressError('A public key is 32 bytes.')
  const body = concatBytes(Uint8Array.of(ADDRESS_VERSION), publicKey)
  return bs58.encode(concatBytes(body, checksum(body)))
}

/** Parses an address typed or pasted by a person. Throws AddressError with a
 *  sentence that can be shown as is. Surrounding spaces and a pasted link
 *  (…#/friend/<address>) are accepted. */
export function parseAddress (input: string): Uint8Array {
  const text = extractAddress(input)
  if (text === '') throw new AddressError('The address is empty.')
  const bad = text.match(/[^1-9A-HJ-NP-Za-km-z]/)
  if (bad) {
    throw new AddressError(`The address contains “${bad[0]}”, which never appears in an address (no 0, O, I, l, spaces or punctuation). Check for a typo.`)
  }
  // Judged by characters, not decoded bytes: one character dropped from the
  // end still decodes to 37 bytes (just a different version byte).
  if (text.length !== ADDRESS_CHARS) {
    throw new AddressError(`The address is ${text.length < ADDRESS_CHARS ? 'too short' : 'too long'}: part of it may be missing or doubled.`)
  }
  const bytes = bs58.decode(text)
  if (bytes.length !== ADDRESS_BYTES || bytes[0] !== ADDRESS_VERSION) throw new AddressError('This is not a Kith address.')
  const body = bytes.subarray(0, 33)
  if (!bytesEqual(checksum(body), bytes.subarray(33))) {
    throw new AddressError('The address has a typo: its check digits do not match. Copy it again from your friend.')
  }
  const publicKey = bytes.slice(1, 33)
  if (!isValidSigningPublicKey(publicKey)) throw new AddressError('This address does not hold a valid key.')
  return publicKey
}

export function isAddress (input: string): boolean {
  try {
    parseAddress(input)
    return true
  } catch {
    return false
  }
}

function extractAddress (input: string): string {
  const trimmed = input.trim()
  const fromLink = trimmed.match(/#\/friend\/([^/?#\s]+)/)
  if (!fromLink) return trimmed
  try {
    return decodeURIComponent(fromLink[1]!)
  } catch {
    return fromLink[1]! // a stray “%”: reported below as a character that never appears
  }
}

/** A short form for places with little room: first and last characters. */
export function shortAddress (address: string): string {
  return address.length <= 14 ? address : `${address.slice(0, 6)}…${address.slice(-6)}`
}
