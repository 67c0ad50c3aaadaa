import { describe, expect, it } from 'vitest'
import nacl from 'tweetnacl'
import bs58 from 'bs58'
import {
  AddressError, addressFromPublicKey, createIdentity, isAddress, parseAddress, shortAddress
} from '../../shared/identity/identity'
import { keyPairMatches, sha512 } from '../../shared/crypto/crypto'
import { concatBytes } from '../../shared/util/bytes'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** A fixed identity so the exhaustive typo test is deterministic. */
function fixedKeyPair (seedByte: number): nacl.SignKeyPair {
  return nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(seedByte))
}

function parseError (input: string): AddressError {
  try {
    parseAddress(input)
  } catch (err) {
    expect(err).toBeInstanceOf(AddressError)
    return err as AddressError
  }
  throw new Error(`expected “${input}” to be rejected`)
}

/** Builds an address-shaped string with any version byte and a valid checksum. */
function addressWithVersion (version: number, publicKey: Uint8Array): string {
  const body = concatBytes(Uint8Array.of(version), publicKey)
  return bs58.encode(concatBytes(body, sha512(body).subarray(0, 4)))
}

describe('addresses', () => {
  it('round-trips a public key through its address', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey } = createIdentity()
      const address = addressFromPublicKey(publicKey)
      expect(address).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/)
      expect(parseAddress(address)).toEqual(publicKey)
      expect(isAddress(address)).toBe(true)
    }
  })

  it('different keys give different addresses', () => {
    const a = addressFromPublicKey(fixedKeyPair(1).publicKey)
    const b = addressFromPublicKey(fixedKeyPair(2).publicKey)
    expect(a).not.toBe(b)
  })

  it('refuses to make an address from a key of the wrong length', () => {
    expect(() => addressFromPublicKey(new Uint8Array(31))).toThrow(AddressError)
  })

  it('rejects every single-character change at every position (never another key)', () => {
    for (const kp of [fixedKeyPair(7), fixedKeyPair(42)]) {
      const address = addressFromPublicKey(kp.publicKey)
      let tried = 0
      for (let pos = 0; pos < address.length; pos++) {
        for (const ch of BASE58) {
          if (ch === address[pos]) continue
          const typo = address.slice(0, pos) + ch + address.slice(pos + 1)
          parseError(typo)
          expect(isAddress(typo)).toBe(false)
          tried++
        }
      }
      expect(tried).toBe(address.length * (BASE58.length - 1))
    }
  })

  it('a typo that keeps the length reports the check digits in plain words', () => {
    const address = addressFromPublicKey(fixedKeyPair(3).publicKey)
    const pos = 20
    const typo = address.slice(0, pos) + (address[pos] === 'a' ? 'b' : 'a') + address.slice(pos + 1)
    expect(parseError(typo).message).toMatch(/typo/i)
  })

  it('says when an address is truncated', () => {
    const address = addressFromPublicKey(fixedKeyPair(4).publicKey)
    expect(parseError(address.slice(0, -1)).message).toMatch(/too short/)
    expect(parseError(address.slice(1)).message).toMatch(/too short/)
    expect(parseError(address.slice(0, 25) + address.slice(26)).message).toMatch(/too short/)
    expect(parseError(address.slice(0, 10)).message).toMatch(/too short/)
  })

  it('says when an address is extended or doubled', () => {
    const address = addressFromPublicKey(fixedKeyPair(5).publicKey)
    expect(parseError(address + 'z').message).toMatch(/too long/)
    expect(parseError(address + address).message).toMatch(/too long/)
  })

  it('says when the address is empty', () => {
    expect(parseError('').message).toMatch(/empty/)
    expect(parseError('   \n\t').message).toMatch(/empty/)
  })

  it('names the character that can never appear', () => {
    const address = addressFromPublicKey(fixedKeyPair(6).publicKey)
    for (const bad of ['0', 'O', 'I', 'l', '-', '!']) {
      const typo = address.slice(0, 10) + bad + address.slice(11)
      expect(parseError(typo).message).toContain(`“${bad}”`)
    }
    expect(parseError(address.slice(0, 10) + ' ' + address.slice(10)).message).toContain('“ ”')
  })

  it('says when a well-formed string is not a Kith address (wrong version byte)', () => {
    const { publicKey } = fixedKeyPair(8)
    for (const version of [0x20, 0x4a, 0x4c, 0xff]) {
      const other = addressWithVersion(version, publicKey)
      expect(other).toHaveLength(51) // same shape as a real address
      expect(parseError(other).message).toMatch(/not a Kith address/)
    }
    // Version 0 encodes shorter (a leading “1”); still refused.
    parseError(addressWithVersion(0x00, publicKey))
    // The same key with the right version byte is fine, so only the version was at fault.
    expect(parseAddress(addressWithVersion(0x4b, publicKey))).toEqual(publicKey)
  })

  it('accepts surrounding whitespace and a pasted …#/friend/<address> link', () => {
    const { publicKey } = fixedKeyPair(9)
    const address = addressFromPublicKey(publicKey)
    expect(parseAddress(`  ${address}\n`)).toEqual(publicKey)
    expect(parseAddress(`https://kith.example/#/friend/${address}`)).toEqual(publicKey)
    expect(parseAddress(`  http://localhost:5173/index.html#/friend/${address}?from=chat `)).toEqual(publicKey)
  })

  it('a link with a broken address inside is still an AddressError', () => {
    const address = addressFromPublicKey(fixedKeyPair(10).publicKey)
    parseError(`https://kith.example/#/friend/${address.slice(0, -2)}`)
    // A stray percent sign must not escape as a URIError.
    parseError('https://kith.example/#/friend/%ZZ')
    parseError(`https://kith.example/#/friend/${address}%E0`)
  })

  it('shortens long addresses and leaves short strings alone', () => {
    const address = addressFromPublicKey(fixedKeyPair(11).publicKey)
    const short = shortAddress(address)
    expect(short).toBe(`${address.slice(0, 6)}…${address.slice(-6)}`)
    expect(shortAddress('abc')).toBe('abc')
  })
})

describe('key pairs', () => {
  it('createIdentity makes a fresh Ed25519 key pair that signs', () => {
    const a = createIdentity()
    const b = createIdentity()
    expect(a.publicKey).toHaveLength(32)
    expect(a.secretKey).toHaveLength(64)
    expect(a.publicKey).not.toEqual(b.publicKey)
    const msg = new TextEncoder().encode('hello')
    expect(nacl.sign.detached.verify(msg, nacl.sign.detached(msg, a.secretKey), a.publicKey)).toBe(true)
  })

  it('keyPairMatches accepts a real pair', () => {
    expect(keyPairMatches(createIdentity())).toBe(true)
  })

  it('keyPairMatches rejects a public key from another pair', () => {
    const a = createIdentity()
    const b = createIdentity()
    expect(keyPairMatches({ publicKey: b.publicKey, secretKey: a.secretKey })).toBe(false)
  })

  it('keyPairMatches rejects a secret whose seed belongs to someone else', () => {
    // An Ed25519 secret key is seed ‖ public key; a corrupted or forged backup
    // could carry the right public half with the wrong seed.
    const a = createIdentity()
    const b = createIdentity()
    const spliced = concatBytes(a.secretKey.subarray(0, 32), b.publicKey)
    expect(keyPairMatches({ publicKey: b.publicKey, secretKey: spliced })).toBe(false)
  })

  it('keyPairMatches rejects wrong lengths', () => {
    const a = createIdentity()
    expect(keyPairMatches({ publicKey: a.publicKey.subarray(0, 31), secretKey: a.secretKey })).toBe(false)
    expect(keyPairMatches({ publicKey: a.publicKey, secretKey: a.secretKey.subarray(0, 32) })).toBe(false)
  })
})
