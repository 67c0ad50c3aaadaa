// Device certificates (DESIGN §6a): a device acts for a person only with a
// certificate their identity key signed, and not once revoked. A server
// device holds no identity key, so nothing it signs is accepted.
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../shared/util/bytes'
import { generateSigningKeyPair } from '../../shared/crypto/crypto'
import {
  checkDeviceCertificate, checkDeviceRevocation, DeviceCertificateError, issueDeviceCertificate, revokeDevice,
  type DeviceCertificate
} from '../../shared/identity/device-certificate'
import { createIdentity } from '../../shared/identity/identity'
import { refusalMessage } from './refusal'

const NOW = Date.UTC(2026, 11, 1)
const alice = createIdentity()
const laptop = generateSigningKeyPair()
const pi = generateSigningKeyPair()

const refusal = (fn: () => unknown): string => refusalMessage(fn, DeviceCertificateError, 'UNAUTHORIZED')

const check = (cert: unknown, isRevoked?: (key: Uint8Array) => boolean): DeviceCertificate =>
  checkDeviceCertificate(cert, { identityKey: alice.publicKey, now: NOW, isRevoked })

describe('device certificates', () => {
  it('a certificate signed by the identity chains to the address (control)', () => {
    const cert = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: '  Kitchen   Pi ', role: 'server' }, NOW)
    const checked = check(cert)
    expect(checked).toMatchObject({ name: 'Kitchen Pi', role: 'server', issuedAt: NOW })
    expect(checked.deviceKey).toEqual(pi.publicKey)
    expect(checked.identityKey).toEqual(alice.publicKey)
  })

  it('any changed field breaks it', () => {
    const cert = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: 'Kitchen Pi', role: 'server' }, NOW)
    expect(refusal(() => check({ ...cert, role: 'full' }))).toMatch(/not signed by the person’s identity/)
    refusal(() => check({ ...cert, name: 'Laptop' }))
    refusal(() => check({ ...cert, issuedAt: NOW + 1 }))
    refusal(() => check({ ...cert, deviceKey: laptop.publicKey }))
    const flipped = cert.signature.slice()
    flipped[5] = flipped[5]! ^ 1
    refusal(() => check({ ...cert, signature: flipped }))
  })

  it('a certificate for someone else is refused', () => {
    const bob = createIdentity()
    const cert = issueDeviceCertificate(bob, { publicKey: pi.publicKey, name: 'Bob’s Pi', role: 'server' }, NOW)
    expect(refusal(() => check(cert))).toMatch(/for someone else/)
  })

  it('a server device cannot sign: what it issues with its own key is refused', () => {
    const stolen = generateSigningKeyPair() // what a thief wants linked
    // Signed with the Pi's key, as the Pi's own "identity"…
    const own = issueDeviceCertificate(pi, { publicKey: stolen.publicKey, name: 'Thief', role: 'full' }, NOW)
    refusal(() => check(own))
    // …or claiming Alice's identity key over the Pi's signature.
    refusal(() => check({ ...own, identityKey: alice.publicKey }))
    // And it cannot revoke Alice's other devices either.
    const revocation = revokeDevice(pi, laptop.publicKey, NOW)
    refusal(() => checkDeviceRevocation({ ...revocation, identityKey: alice.publicKey }, alice.publicKey))
  })

  it('issuing needs the identity’s real key pair', () => {
    const mismatched = { publicKey: alice.publicKey, secretKey: pi.secretKey }
    expect(() => issueDeviceCertificate(mismatched, { publicKey: laptop.publicKey, name: 'Laptop', role: 'full' }, NOW)).toThrow(/Only the identity’s own key/)
    expect(() => issueDeviceCertificate(alice, { publicKey: laptop.publicKey, name: '', role: 'full' }, NOW)).toThrow(/Give the device a name/)
    expect(() => issueDeviceCertificate(alice, { publicKey: laptop.publicKey, name: 'x'.repeat(65), role: 'full' }, NOW)).toThrow(/at most 64/)
    expect(() => issueDeviceCertificate(alice, { publicKey: laptop.publicKey, name: 'Laptop', role: 'admin' as 'full' }, NOW)).toThrow(/full device or a server/)
  })

  it('a revoked device is refused, whatever its certificate says', () => {
    const cert = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: 'Kitchen Pi', role: 'server' }, NOW)
    const revoked = new Set([checkDeviceRevocation(revokeDevice(alice, pi.publicKey, NOW + 10), alice.publicKey).deviceKey.toString()])
    expect(refusal(() => check(cert, (key) => revoked.has(key.toString())))).toMatch(/revoked by its owner/)
    expect(check(issueDeviceCertificate(alice, { publicKey: laptop.publicKey, name: 'Laptop', role: 'full' }, NOW), (key) => revoked.has(key.toString())).role).toBe('full')
  })

  it('revocations must be the identity’s and unaltered', () => {
    const revocation = revokeDevice(alice, pi.publicKey, NOW)
    expect(checkDeviceRevocation(revocation, alice.publicKey).revokedAt).toBe(NOW)
    expect(() => checkDeviceRevocation({ ...revocation, revokedAt: NOW + 1 }, alice.publicKey)).toThrow(DeviceCertificateError)
    expect(() => checkDeviceRevocation({ ...revocation, deviceKey: laptop.publicKey }, alice.publicKey)).toThrow(DeviceCertificateError)
    expect(() => checkDeviceRevocation(revocation, createIdentity().publicKey)).toThrow(DeviceCertificateError)
    // A certificate's signature is no revocation (separate contexts).
    const cert = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: 'Kitchen Pi', role: 'server' }, NOW)
    expect(() => checkDeviceRevocation({ identityKey: alice.publicKey, deviceKey: pi.publicKey, revokedAt: NOW, signature: cert.signature }, alice.publicKey)).toThrow(DeviceCertificateError)
  })

  it('hostile shapes are refused whole: future dates, weak keys, odd names, extra fields', () => {
    const cert = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: 'Kitchen Pi', role: 'server' }, NOW)
    const future = issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: 'Kitchen Pi', role: 'server' }, NOW + 60 * 60 * 1000)
    expect(refusal(() => check(future))).toMatch(/in the future/)
    refusal(() => check({ ...cert, deviceKey: fromHex('01' + '00'.repeat(31)) }))
    refusal(() => check({ ...cert, extra: 1 }))
    refusal(() => check({ ...cert, name: 'Kitchen\u202ePi' }))
    refusal(() => check({ ...cert, issuedAt: -1 }))
    for (const junk of [null, 'cert', [], { ...cert, signature: 'sig' }, { ...cert, role: 7 }]) refusal(() => check(junk))
    // A 64-character name of 4-byte characters still signs and checks.
    const emoji = '🦊'.repeat(32)
    expect(check(issueDeviceCertificate(alice, { publicKey: pi.publicKey, name: emoji, role: 'server' }, NOW)).name).toBe(emoji)
  })
})
