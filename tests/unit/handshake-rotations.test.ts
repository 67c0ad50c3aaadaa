// Rotation records in the hello (shared/session/handshake.ts): a side that
// keeps the person's recovery key follows the chain a device presents, then
// judges its certificate by the signing key followed; a chain that breaks
// the rules refuses the handshake. Each attack is a hello as a thief or a
// hostile peer would send it.
import { afterEach, describe, expect, it } from 'vitest'
import { bytesEqual } from '../../shared/util/bytes'
import { generateSigningKeyPair, type SigningKeyPair } from '../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { makeRotationRecord, notRotated, type HeldRotations, type RotationRecord } from '../../shared/identity/rotation-record'
import { HandshakeError, runHandshake, type HandshakeOptions } from '../../shared/session/handshake'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import type { Transport } from '../../shared/wire/transport'
import { refusedWith } from './refusal'

const cleanups: Transport[] = []
afterEach(() => { for (const t of cleanups.splice(0)) t.close() })

function deviceOf (identity: Identity, name: string, device: SigningKeyPair = generateSigningKeyPair()): DeviceCredentials {
  return { identityKey: identity.publicKey, device, certificate: issueDeviceCertificate(identity, { publicKey: device.publicKey, name, role: 'full' }, Date.now()) }
}

/** Bob dials a device of Alice's that presents `chain`; resolves with what Bob proved of it. */
function bobMeets (device: DeviceCredentials, chain: unknown[], bobHolds: HeldRotations | null) {
  const [a, b] = createMemoryTransportPair()
  cleanups.push(a, b)
  const bobSide: HandshakeOptions = { identity: createIdentity(), expectedRemoteKey: device.identityKey, rotationsOf: () => bobHolds, timeoutMs: 1000 }
  const aliceSide: HandshakeOptions = { credentials: device, rotationsFor: async () => chain as RotationRecord[], timeoutMs: 1000 }
  const bob = runHandshake(b, bobSide)
  runHandshake(a, aliceSide).catch(() => { /* the side under test is Bob's */ })
  return bob
}

const refusal = (promise: Promise<unknown>): Promise<string> => refusedWith(promise, HandshakeError)

function alice () {
  const identity = createIdentity()
  const r = generateSigningKeyPair()
  const phone = deviceOf(identity, 'Phone')
  const laptop = deviceOf(identity, 'Laptop')
  const held: HeldRotations = { keys: notRotated(identity.publicKey, r.publicKey), records: [] }
  const record = makeRotationRecord(r, held.keys, generateSigningKeyPair(), [{ publicKey: phone.device.publicKey, name: 'Phone', role: 'full' }], [laptop.device.publicKey], Date.now())
  return { identity, r, phone, laptop, held, record }
}

describe('a hello with rotation records', () => {
  it('is followed by a side that keeps R: the kept device is accepted by the certificate in the record', async () => {
    const a = alice()
    const remote = await bobMeets(a.phone, [a.record], a.held)
    expect(remote.rotations?.keys.n).toBe(1)
    expect(bytesEqual(remote.certificate!.signature, a.record.kept[0]!.signature)).toBe(true)
  })

  it('attack: a device the rotation revoked, presenting the chain itself, is refused', async () => {
    const a = alice()
    expect(await refusal(bobMeets(a.laptop, [a.record], a.held))).toMatch(/not signed by the person|revoked/)
  })

  it('attack: a chain longer than any person makes, or a record that is not one, refuses the hello', async () => {
    const a = alice()
    expect(await refusal(bobMeets(a.phone, Array.from({ length: 65 }, () => a.record), a.held))).toMatch(/not a chain of rotation records/)
    expect(await refusal(bobMeets(a.phone, [{ ...a.record, extra: 1 }], a.held))).toMatch(/unknown fields/)
    expect(await refusal(bobMeets(a.phone, [42], a.held))).toMatch(/not a rotation record/)
  })

  it('attack: a rotation signed by a key other than the R kept refuses the hello', async () => {
    const a = alice()
    const forged = makeRotationRecord(generateSigningKeyPair(), a.held.keys, generateSigningKeyPair(), [{ publicKey: a.laptop.device.publicKey, name: 'Laptop', role: 'full' }], [a.phone.device.publicKey], Date.now())
    expect(await refusal(bobMeets(a.laptop, [forged], a.held))).toMatch(/not signed by the recovery key/)
  })

  it('a side without the person’s recovery key ignores the chain and checks the identity key, as before any rotation', async () => {
    const a = alice()
    const remote = await bobMeets(a.laptop, [a.record], null)
    expect(remote.rotations).toBeUndefined()
    expect(bytesEqual(remote.deviceKey, a.laptop.device.publicKey)).toBe(true)
  })
})
