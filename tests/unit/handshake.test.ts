import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { credentialsOf } from '../../shared/identity/device-credentials'
import { HANDSHAKE_VERSION, HandshakeError, handshakeTranscript, runHandshake } from '../../shared/session/handshake'
import { establishSession } from '../../shared/session/session'
import { addressFromPublicKey, createIdentity, shortAddress, type Identity } from '../../shared/identity/identity'
import { encodeChunk, FrameType, REQUEST_DIRECTION, type Frame } from '../../shared/wire/codec'
import { randomBytes, sign } from '../../shared/crypto/crypto'
import { concatBytes } from '../../shared/util/bytes'
import type { SessionBinding, Transport } from '../../shared/wire/transport'
import type { RpcHandlers } from '../../shared/wire/rpc'
import { RawPeer } from './raw-peer'
import { sleep as tick, waitFor } from './waiting'

interface Methods {
  [method: string]: { params: unknown, result: unknown }
  whoami: { params: null, result: string }
}

/** Polls until `condition` holds; fails after `ms`. */
const until = (condition: () => boolean, ms = 1000): Promise<void> => waitFor(condition, ms, 2)

async function handshakeError (promise: Promise<unknown>): Promise<HandshakeError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(HandshakeError)
    return err as HandshakeError
  }
  throw new Error('expected the handshake to fail')
}

/** A message a person can read: a sentence, no stack or object dumps. */
function expectPlainWords (message: string): void {
  expect(message.length).toBeGreaterThan(10)
  expect(message).not.toMatch(/undefined|null|\[object|Error|at .*:\d+/)
}

const ROLE_BYTE = { offerer: 0, answerer: 1 } as const

/** An honest hello of an identity acting as its own device (credentialsOf). */
function helloOf (identity: Identity, nonce: Uint8Array) {
  return {
    type: FrameType.Hello, version: HANDSHAKE_VERSION, publicKey: identity.publicKey, nonce,
    deviceKey: identity.publicKey, certificate: credentialsOf(identity).certificate
  } as const
}

/** What an honest peer signs, rebuilt here from the exported transcript. */
function proof (binding: SessionBinding, identity: Identity, localNonce: Uint8Array, remote: { publicKey: Uint8Array, deviceKey?: Uint8Array, nonce: Uint8Array }, claimedKey = identity.publicKey): Uint8Array {
  const transcript = handshakeTranscript(binding,
    { identityKey: claimedKey, deviceKey: claimedKey, nonce: localNonce },
    { identityKey: remote.publicKey, deviceKey: remote.deviceKey!, nonce: remote.nonce })
  return sign(concatBytes(transcript, Uint8Array.of(ROLE_BYTE[binding.role])), identity.secretKey)
}

const cleanups: Transport[] = []
afterEach(() => {
  for (const t of cleanups.splice(0)) t.close()
})

function pair (bindings?: [SessionBinding, SessionBinding]): [Transport, Transport] {
  const transports = createMemoryTransportPair(bindings ? { bindings } : {})
  cleanups.push(...transports)
  return transports
}

function recordingHandlers (calls: string[], factoryCalls: Uint8Array[] = []) {
  return (remote: Uint8Array): Partial<RpcHandlers<Methods>> => {
    factoryCalls.push(remote)
    return { whoami: () => { calls.push('whoami'); return addressFromPublicKey(remote) } }
  }
}

/** The peer's Hello, taken from a RawPeer. */
async function nextHello (raw: RawPeer): Promise<Frame & { type: 16 }> {
  const frame = await raw.next()
  expect(frame).toMatchObject({ type: FrameType.Hello })
  return frame as Frame & { type: 16 }
}

/** Alice dials Bob; the test speaks for Bob's end frame by frame, and has
 *  sent his hello. */
async function aliceDialsHandDrivenBob (alice: Identity, bob: Identity) {
  const [a, b] = pair()
  const raw = new RawPeer(b)
  const result = runHandshake(a, { identity: alice, expectedRemoteKey: bob.publicKey, timeoutMs: 1000 })
  const hello = await nextHello(raw)
  const nonce = randomBytes(32)
  raw.send(helloOf(bob, nonce))
  return { a, b, raw, result, hello, nonce }
}

/** Bob answers Alice; the test speaks for Alice's end frame by frame, has
 *  sent her hello and has Bob's. */
async function bobAnswersHandDrivenAlice (alice: Identity, bob: Identity, handshakeTimeoutMs?: number) {
  const [a, b] = pair()
  const raw = new RawPeer(a)
  const calls: string[] = []
  const factoryCalls: Uint8Array[] = []
  const session = establishSession<Methods, Methods>(b, { identity: bob, handlers: recordingHandlers(calls, factoryCalls), handshakeTimeoutMs })
  // The offerer speaks first; the answerer replies with its hello.
  const nonce = randomBytes(32)
  raw.send(helloOf(alice, nonce))
  const hello = await nextHello(raw)
  return { a, b, raw, session, calls, factoryCalls, nonce, hello }
}

describe('successful handshake', () => {
  it('both sides learn each other’s key and RPC works both ways', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const [a, b] = pair()
    const aliceCalls: string[] = []
    const bobCalls: string[] = []
    const [sa, sb] = await Promise.all([
      establishSession<Methods, Methods>(a, { identity: alice, expectedRemoteKey: bob.publicKey, handlers: recordingHandlers(aliceCalls), handshakeTimeoutMs: 1000 }),
      establishSession<Methods, Methods>(b, { identity: bob, handlers: recordingHandlers(bobCalls), handshakeTimeoutMs: 1000 })
    ])
    expect(sa.remotePublicKey).toEqual(bob.publicKey)
    expect(sb.remotePublicKey).toEqual(alice.publicKey)
    expect(sa.remoteAddress).toBe(addressFromPublicKey(bob.publicKey))
    expect(sb.remoteAddress).toBe(addressFromPublicKey(alice.publicKey))
    // Each side's handlers see who is calling.
    expect(await sa.rpc.call('whoami', null)).toBe(addressFromPublicKey(alice.publicKey))
    expect(await sb.rpc.call('whoami', null)).toBe(addressFromPublicKey(bob.publicKey))
    expect(aliceCalls).toEqual(['whoami'])
    expect(bobCalls).toEqual(['whoami'])
  })

  it('runHandshake resolves with the peer’s proven key on both sides', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const [a, b] = pair()
    const [forAlice, forBob] = await Promise.all([runHandshake(a, { identity: alice }), runHandshake(b, { identity: bob })])
    expect(forAlice.identityKey).toEqual(bob.publicKey)
    expect(forBob.identityKey).toEqual(alice.publicKey)
    expect(a.closed || b.closed).toBe(false)
  })

  it('fingerprints compare case-insensitively', async () => {
    const [a, b] = pair([
      { role: 'offerer', localFingerprint: 'sha-256 AB:CD', remoteFingerprint: 'sha-256 ef:01' },
      { role: 'answerer', localFingerprint: 'sha-256 EF:01', remoteFingerprint: 'sha-256 ab:cd' }
    ])
    const [alice, bob] = [createIdentity(), createIdentity()]
    await Promise.all([runHandshake(a, { identity: alice }), runHandshake(b, { identity: bob })])
  })

  it('an honest hand-driven peer succeeds (control for the forged cases below)', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const { b, raw, result, hello, nonce } = await aliceDialsHandDrivenBob(alice, bob)
    raw.send({ type: FrameType.Auth, signature: proof(b.binding, bob, nonce, hello) })
    expect((await result).identityKey).toEqual(bob.publicKey)
  })

  it('requests sent right after a valid proof reach the handlers', async () => {
    // The RPC layer must attach before the next frame is delivered.
    const alice = createIdentity()
    const bob = createIdentity()
    const { a, raw, session, calls, nonce, hello } = await bobAnswersHandDrivenAlice(alice, bob)
    raw.send({ type: FrameType.Auth, signature: proof(a.binding, alice, nonce, hello) })
    raw.send({ type: FrameType.Request, id: 1, method: 'whoami', params: null })
    expect((await session).remotePublicKey).toEqual(alice.publicKey)
    expect(await raw.next()).toMatchObject({ type: FrameType.Auth })
    expect(await raw.next()).toEqual({ type: FrameType.Result, id: 1, result: addressFromPublicKey(alice.publicKey) })
    expect(calls).toEqual(['whoami'])
  })
})

describe('refusals', () => {
  it('an impostor answering for an address is refused by the dialler, in plain words', async () => {
    const alice = createIdentity()
    const carol = createIdentity() // whom alice meant to reach
    const mallory = createIdentity() // who answered
    const [a, b] = pair()
    const [aliceErr, malloryErr] = await Promise.all([
      handshakeError(runHandshake(a, { identity: alice, expectedRemoteKey: carol.publicKey, timeoutMs: 1000 })),
      handshakeError(runHandshake(b, { identity: mallory, timeoutMs: 1000 }))
    ])
    expect(aliceErr.message).toMatch(/someone other than/)
    expect(aliceErr.message).toContain(shortAddress(addressFromPublicKey(carol.publicKey)))
    expectPlainWords(aliceErr.message)
    // The other side hears why (the goodbye reason crossed the wire).
    expect(malloryErr.message).toContain(aliceErr.message)
    await until(() => a.closed && b.closed)
  })

  it('a peer claiming someone else’s key but signing with its own is refused', async () => {
    const alice = createIdentity()
    const bob = createIdentity() // the victim whose key is claimed
    const mallory = createIdentity()
    const { a, b, raw, result, hello, nonce } = await aliceDialsHandDrivenBob(alice, bob)
    raw.send({ type: FrameType.Auth, signature: proof(b.binding, mallory, nonce, hello, bob.publicKey) })
    const err = await handshakeError(result)
    expect(err.message).toMatch(/could not prove/)
    expectPlainWords(err.message)
    // Alice tells the impostor why, then closes.
    const frames: Frame[] = []
    for (let i = 0; i < 5 && !frames.some((f) => f.type === FrameType.Goodbye); i++) frames.push((await raw.next()) as Frame)
    expect(frames.find((f) => f.type === FrameType.Goodbye)).toMatchObject({ reason: err.message })
    await until(() => a.closed)
  })

  it('a tracker rewriting signalling (mismatched fingerprints) makes both sides fail', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const [a, b] = pair([
      { role: 'offerer', localFingerprint: 'sha-256 aa:aa', remoteFingerprint: 'sha-256 m1:m1' },
      { role: 'answerer', localFingerprint: 'sha-256 bb:bb', remoteFingerprint: 'sha-256 m2:m2' }
    ])
    expect(a.binding.remoteFingerprint).not.toBe(b.binding.localFingerprint)
    const [aliceErr, bobErr] = await Promise.all([
      handshakeError(runHandshake(a, { identity: alice, expectedRemoteKey: bob.publicKey, timeoutMs: 1000 })),
      handshakeError(runHandshake(b, { identity: bob, timeoutMs: 1000 }))
    ])
    expectPlainWords(aliceErr.message)
    expectPlainWords(bobErr.message)
    await until(() => a.closed && b.closed)
  })

  it('one rewritten fingerprint is enough to make both sides fail', async () => {
    const [a, b] = pair([
      { role: 'offerer', localFingerprint: 'sha-256 aa:aa', remoteFingerprint: 'sha-256 bb:bb' },
      { role: 'answerer', localFingerprint: 'sha-256 bb:bb', remoteFingerprint: 'sha-256 mm:mm' }
    ])
    await Promise.all([
      handshakeError(runHandshake(a, { identity: createIdentity(), timeoutMs: 1000 })),
      handshakeError(runHandshake(b, { identity: createIdentity(), timeoutMs: 1000 }))
    ])
  })

  it('a replayed proof from an earlier session is refused', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    // Session 1, honest; an eavesdropper on alice's side records what bob sent.
    const [a1, b1] = pair()
    const eavesdropper = new RawPeer(a1)
    await Promise.all([runHandshake(a1, { identity: alice }), runHandshake(b1, { identity: bob })])
    await until(() => eavesdropper.received.length >= 2)
    const [bobHello, bobAuth] = eavesdropper.received
    // Session 2, same fingerprints (the memory pair's defaults): only the
    // nonces differ. The attacker replays bob's Hello and Auth.
    const [a2, b2] = pair()
    expect(a2.binding).toEqual(a1.binding)
    const attacker = new RawPeer(b2)
    const result = runHandshake(a2, { identity: alice, expectedRemoteKey: bob.publicKey, timeoutMs: 1000 })
    await nextHello(attacker)
    attacker.send(bobHello!)
    attacker.send(bobAuth!)
    const err = await handshakeError(result)
    expect(err.message).toMatch(/could not prove/)
  })

  it('a peer reflecting our own frames back is refused', async () => {
    const alice = createIdentity()
    const [a, b] = pair()
    const mirror = new RawPeer(b)
    const result = runHandshake(a, { identity: alice, timeoutMs: 1000 })
    mirror.send(await mirror.next() as Frame) // alice's Hello
    mirror.send(await mirror.next() as Frame) // alice's Auth
    await handshakeError(result)
  })

  it('a request before authenticating is refused and no handler ever runs', async () => {
    const bob = createIdentity()
    const [a, b] = pair()
    const raw = new RawPeer(a)
    const calls: string[] = []
    const factoryCalls: Uint8Array[] = []
    const session = establishSession<Methods, Methods>(b, { identity: bob, handlers: recordingHandlers(calls, factoryCalls), handshakeTimeoutMs: 1000 })
    raw.send({ type: FrameType.Request, id: 1, method: 'whoami', params: null })
    const err = await handshakeError(session)
    expect(err.message).toMatch(/before authenticating/)
    await until(() => b.closed)
    await tick(20)
    expect(calls).toEqual([])
    expect(factoryCalls).toEqual([])
    // Nothing but bob's Hello and his goodbye came back.
    expect(raw.received.length).toBeGreaterThan(0)
    for (let i = raw.pending; i > 0; i--) {
      const frame = await raw.next()
      expect([FrameType.Hello, FrameType.Goodbye]).toContain((frame as Frame).type)
    }
  })

  it('a request between Hello and proof is refused, even if a valid proof follows', async () => {
    const alice = createIdentity()
    const bob = createIdentity()
    const { a, raw, session, calls, factoryCalls, nonce, hello } = await bobAnswersHandDrivenAlice(alice, bob, 1000)
    raw.send({ type: FrameType.Request, id: 1, method: 'whoami', params: null })
    raw.send({ type: FrameType.Auth, signature: proof(a.binding, alice, nonce, hello) })
    raw.send({ type: FrameType.Request, id: 2, method: 'whoami', params: null })
    await handshakeError(session)
    await tick(30)
    expect(calls).toEqual([])
    expect(factoryCalls).toEqual([])
    for (let i = raw.pending; i > 0; i--) expect((await raw.next() as Frame).type).not.toBe(FrameType.Result)
  })

  it('a chunk frame before authenticating is refused', async () => {
    const [a, b] = pair()
    const raw = new RawPeer(a)
    const result = runHandshake(b, { identity: createIdentity(), timeoutMs: 1000 })
    raw.send(encodeChunk(1, REQUEST_DIRECTION, new Uint8Array(10)))
    await handshakeError(result)
  })

  it('an incompatible version is refused', async () => {
    const [a, b] = pair()
    const raw = new RawPeer(b)
    const result = runHandshake(a, { identity: createIdentity(), timeoutMs: 1000 })
    raw.send({ ...helloOf(createIdentity(), randomBytes(32)), version: HANDSHAKE_VERSION + 1 })
    expect((await handshakeError(result)).message).toMatch(/version/)
  })

  it.each([1, 2])('a peer still on protocol version %i (hellos without a device) is refused in words', async (version) => {
    expect(HANDSHAKE_VERSION).toBe(3)
    const [a, b] = pair()
    const raw = new RawPeer(b)
    const result = runHandshake(a, { identity: createIdentity(), timeoutMs: 1000 })
    raw.send({ type: FrameType.Hello, version, publicKey: createIdentity().publicKey, nonce: randomBytes(32) })
    expect((await handshakeError(result)).message).toMatch(/incompatible version/)
  })

  it('a silent peer times out with a HandshakeError and the transport closes', async () => {
    const [a, b] = pair()
    const started = Date.now()
    const err = await handshakeError(runHandshake(a, { identity: createIdentity(), timeoutMs: 50 }))
    expect(Date.now() - started).toBeLessThan(500)
    expect(err.message).toMatch(/in time/)
    expectPlainWords(err.message)
    await until(() => a.closed && b.closed)
  })

  it('a goodbye from the peer ends the handshake with its reason', async () => {
    const [a, b] = pair()
    const raw = new RawPeer(b)
    const result = runHandshake(a, { identity: createIdentity(), timeoutMs: 1000 })
    raw.send({ type: FrameType.Goodbye, reason: 'You are not on my friends list.' })
    const err = await handshakeError(result)
    expect(err.message).toContain('You are not on my friends list.')
  })

  it('the connection closing mid-handshake rejects', async () => {
    const [a, b] = pair()
    const result = runHandshake(a, { identity: createIdentity(), timeoutMs: 1000 })
    b.close('gone')
    expect((await handshakeError(result)).message).toMatch(/closed/)
  })

  it('a failed handshake never builds the session', async () => {
    const alice = createIdentity()
    const [a, b] = pair()
    const factoryCalls: Uint8Array[] = []
    const session = establishSession<Methods, Methods>(a, {
      identity: alice,
      expectedRemoteKey: createIdentity().publicKey,
      handlers: recordingHandlers([], factoryCalls),
      handshakeTimeoutMs: 1000
    })
    const other = runHandshake(b, { identity: createIdentity(), timeoutMs: 1000 })
    await handshakeError(session)
    await handshakeError(other)
    expect(factoryCalls).toEqual([])
  })
})

describe('who speaks first', () => {
  it('the answerer stays silent until the offerer’s hello arrives, then sends hello and proof', async () => {
    // Chromium can lose what the answerer sends the instant its channel opens.
    const [a, b] = pair()
    const raw = new RawPeer(a)
    const result = runHandshake(b, { identity: createIdentity(), timeoutMs: 1000 })
    await tick(30)
    expect(raw.pending).toBe(0)
    raw.send(helloOf(createIdentity(), randomBytes(32)))
    expect(await raw.next()).toMatchObject({ type: FrameType.Hello })
    expect(await raw.next()).toMatchObject({ type: FrameType.Auth })
    result.catch(() => {}) // the raw peer never proves itself; the timeout ends it
  })
})
