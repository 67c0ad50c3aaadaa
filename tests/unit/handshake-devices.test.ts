// The handshake with owner devices (DESIGN §6a): a friend accepts any device
// of the person whose certificate chains to the address they know and is not
// revoked; every other device is refused before anything is signed for it.
import { afterEach, describe, expect, it } from 'vitest'
import { bytesEqual } from '../../shared/util/bytes'
import { decodeFrame, FrameType, type Frame } from '../../shared/wire/codec'
import { generateSigningKeyPair, type SigningKeyPair } from '../../shared/crypto/crypto'
import { issueDeviceCertificate, type DeviceRole } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import { HandshakeError, runHandshake, type HandshakeOptions } from '../../shared/session/handshake'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { establishSession } from '../../shared/session/session'
import type { Transport } from '../../shared/wire/transport'
import { refusedWith } from './refusal'

const cleanups: Transport[] = []
afterEach(() => { for (const t of cleanups.splice(0)) t.close() })

function pair (): [Transport, Transport] {
  const transports = createMemoryTransportPair()
  cleanups.push(...transports)
  return transports
}

function deviceOf (identity: Identity, role: DeviceRole = 'server', device: SigningKeyPair = generateSigningKeyPair()): DeviceCredentials {
  return { identityKey: identity.publicKey, device, certificate: issueDeviceCertificate(identity, { publicKey: device.publicKey, name: 'Kitchen Pi', role }, Date.now()) }
}

const refusal = (promise: Promise<unknown>): Promise<string> => refusedWith(promise, HandshakeError)

/** Bob dials Alice's device; resolves with what each side proved, or fails. */
function meet (aliceSide: HandshakeOptions, bobSide: HandshakeOptions) {
  const [a, b] = pair()
  const sides = [runHandshake(b, { timeoutMs: 1000, ...bobSide }), runHandshake(a, { timeoutMs: 1000, ...aliceSide })] as const
  // A test awaits the side it is about; the other side's failure is expected.
  for (const side of sides) side.catch(() => {})
  return sides
}

describe('a friend meeting one of the owner’s devices', () => {
  it('accepts a certified server device as the owner: the session is keyed by the person', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const pi = deviceOf(alice)
    const [a, b] = pair()
    const [bobSession, piSession] = await Promise.all([
      establishSession(b, { identity: bob, expectedRemoteKey: alice.publicKey, handlers: () => ({}) }),
      establishSession(a, { credentials: pi, handlers: () => ({}) })
    ])
    expect(bobSession.remotePublicKey).toEqual(alice.publicKey)
    expect(bobSession.remoteDevice.deviceKey).toEqual(pi.device.publicKey)
    expect(bobSession.remoteDevice.certificate?.role).toBe('server')
    expect(piSession.remotePublicKey).toEqual(bob.publicKey)
  })

  it('refuses a device whose certificate was signed by someone else', async () => {
    const alice = createIdentity()
    const mallory = createIdentity()
    const device = generateSigningKeyPair()
    // Mallory certifies her device but claims Alice's identity.
    const forged: DeviceCredentials = { ...deviceOf(mallory, 'full', device), identityKey: alice.publicKey }
    const [bob, fake] = meet({ credentials: forged }, { identity: createIdentity(), expectedRemoteKey: alice.publicKey })
    expect(await refusal(bob)).toMatch(/cannot act for the person/)
    await refusal(fake)
  })

  it('refuses a revoked device, in words that say so, and signs nothing for it', async () => {
    const alice = createIdentity()
    const pi = deviceOf(alice)
    const isRevoked = (identityKey: Uint8Array, deviceKey: Uint8Array): boolean =>
      bytesEqual(identityKey, alice.publicKey) && bytesEqual(deviceKey, pi.device.publicKey)
    const [a, b] = pair()
    const sent: Frame[] = []
    b.onMessage((bytes) => sent.push(decodeFrame(bytes)))
    const bobSide = runHandshake(a, { identity: createIdentity(), expectedRemoteKey: alice.publicKey, isRevoked, timeoutMs: 1000 })
    const piSide = runHandshake(b, { credentials: pi, timeoutMs: 1000 })
    expect(await refusal(bobSide)).toMatch(/revoked/)
    expect(await refusal(piSide)).toMatch(/revoked/)
    // Bob sent his hello, then a goodbye, and never a proof.
    expect(sent.map((f) => f.type)).toEqual([FrameType.Hello, FrameType.Goodbye])
  })

  it('accepts the owner’s other devices while one is revoked', async () => {
    const alice = createIdentity()
    const revoked = deviceOf(alice)
    const laptop = deviceOf(alice, 'full')
    const isRevoked = (_: Uint8Array, deviceKey: Uint8Array): boolean => bytesEqual(deviceKey, revoked.device.publicKey)
    const [bob] = meet({ credentials: laptop }, { identity: createIdentity(), expectedRemoteKey: alice.publicKey, isRevoked })
    expect((await bob).deviceKey).toEqual(laptop.device.publicKey)
  })

  it('refuses a stolen certificate presented with another device key', async () => {
    const alice = createIdentity()
    const pi = deviceOf(alice)
    const thief: DeviceCredentials = { ...pi, device: generateSigningKeyPair() }
    const [bob] = meet({ credentials: thief }, { identity: createIdentity(), expectedRemoteKey: alice.publicKey })
    expect(await refusal(bob)).toMatch(/another device/)
  })

  it('refuses a certificate whose role was changed after signing', async () => {
    const alice = createIdentity()
    const pi = deviceOf(alice, 'server')
    const promoted: DeviceCredentials = { ...pi, certificate: { ...pi.certificate!, role: 'full' } }
    const [bob] = meet({ credentials: promoted }, { identity: createIdentity(), expectedRemoteKey: alice.publicKey })
    expect(await refusal(bob)).toMatch(/not signed by the person/)
  })
})

describe('a device waiting to be linked (no certificate)', () => {
  it('is refused by anyone not expecting exactly its key', async () => {
    const waiting: DeviceCredentials = { identityKey: new Uint8Array(32), device: generateSigningKeyPair(), certificate: null }
    const other = generateSigningKeyPair().publicKey
    const [bob] = meet({ credentials: waiting }, { identity: createIdentity(), acceptUncertified: (key) => bytesEqual(key, other) })
    expect(await refusal(bob)).toMatch(/no certificate/)
  })

  it('meets the full device that holds its link code, and speaks only for itself', async () => {
    const alice = createIdentity()
    const device = generateSigningKeyPair()
    const waiting: DeviceCredentials = { identityKey: alice.publicKey, device, certificate: null }
    const [laptop, newDevice] = meet(
      { credentials: waiting },
      { credentials: deviceOf(alice, 'full'), acceptUncertified: (key) => bytesEqual(key, device.publicKey) })
    const seen = await laptop
    expect(seen.certificate).toBeNull()
    // It claimed no identity but its own key, whatever identityKey it was given.
    expect(seen.identityKey).toEqual(device.publicKey)
    expect((await newDevice).identityKey).toEqual(alice.publicKey)
  })
})
