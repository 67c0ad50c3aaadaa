// Mutual authentication bound to this connection, before anything else.
// Each side sends a fresh nonce, the person it acts for (identity key), its
// own device key and the certificate by which that person vouches for the
// device (DESIGN §6a); then it signs, with the device key, a transcript of
// both DTLS fingerprints (as seen in the SDPs), all four keys and both
// nonces, plus its own role. Because the browser checks the peer's DTLS
// certificate against the fingerprint in the SDP, a tracker that rewrote the
// signalling (to sit in the middle) makes the two sides see different
// fingerprints and no signature verifies; a replayed proof fails on the
// fresh nonces. A friend accepts any device of the person equally, as long
// as its certificate chains to the address they know and is not revoked.
//
// After the person rotated (rotation-record.ts), each of their devices
// sends the latest rotation records with its hello, to the friends and own
// devices it knows it is talking to (rotationsFor: the offerer names whom
// it dialled, the answerer has read the offerer's hello by then). A side
// that keeps the person's recovery key follows them first (never back),
// then checks the certificate against the signing key it now follows: a
// device certified only by an earlier key (a stolen laptop, or one its
// thief certified) is refused, and only the rotations' revocations count.
import { concatBytes, utf8 } from '../util/bytes'
import { decodeFrame, encodeFrame, FrameType } from '../wire/codec'
import { isValidSigningPublicKey, randomBytes, sign, verify } from '../crypto/crypto'
import { checkDeviceCertificate, DeviceCertificateError } from '../identity/device-certificate'
import { credentialsOf, type DeviceCredentials, type RemoteDevice } from '../identity/device-credentials'
import { addressFromPublicKey, shortAddress, type Identity } from '../identity/identity'
import { bytesEqual, toHex } from '../util/bytes'
import { followRotations, revokedUnder, RotationError, type HeldRotations, type RotationRecord } from '../identity/rotation-record'
import type { SessionBinding, Transport } from '../wire/transport'

/** The Kith protocol version, sent in the hello. 2: offers prove their
 *  swarm's secret (rendezvous v2), files are fetched by range, stricter keys.
 *  3: devices (a device key and its certificate in the hello), portable
 *  listing cursors. Peers on another version are refused in plain words. */
export const HANDSHAKE_VERSION = 3
const CONTEXT = utf8('kith/handshake/v3')
const ROLE_BYTE = { offerer: 0, answerer: 1 } as const

// In a file of its own, so code that only tells this error apart (the UI)
// does not load the handshake itself.
import { HandshakeError } from './handshake-error'
export { HandshakeError }

export interface HandshakeOptions {
  /** This device's credentials; or an identity key pair acting as its own
   *  device (credentialsOf). */
  credentials?: DeviceCredentials
  identity?: Identity
  /** The person (identity key) the caller meant to reach; anyone else is refused. */
  expectedRemoteKey?: Uint8Array
  /** Revocations we know of: such a device is refused as its owner. */
  isRevoked?: (identityKey: Uint8Array, deviceKey: Uint8Array) => boolean
  /** After a rotation, which devices of this person the signing key
   *  followed now (Sₙ) revoked, from the revocations this side stored: those
   *  count besides the rotations' own (one an earlier key signed does not). */
  revokedBy?: (identityKey: Uint8Array, signingKey: Uint8Array) => ReadonlySet<string>
  /** A device without a certificate is refused unless this says it is the
   *  one being linked (its key came in a link code). */
  acceptUncertified?: (deviceKey: Uint8Array) => boolean
  /** What this side holds of a person's keys (their recovery key and the
   *  rotations followed), or null when it does not know their recovery key:
   *  then only the identity key certifies, as before any rotation. */
  rotationsOf?: (identityKey: Uint8Array) => HeldRotations | null
  /** The rotation records this side sends to this person (its own
   *  person's latest, or none: a stranger is not told); null when the
   *  offerer does not know whom it reaches. */
  rotationsFor?: (remoteIdentityKey: Uint8Array | null) => Promise<readonly RotationRecord[]>
  timeoutMs?: number
  now?: () => number
}

export interface Hello { identityKey: Uint8Array, deviceKey: Uint8Array, nonce: Uint8Array }

export function handshakeTranscript (binding: SessionBinding, local: Hello, remote: Hello): Uint8Array {
  const offerer = binding.role === 'offerer'
    ? { fp: binding.localFingerprint, hello: local }
    : { fp: binding.remoteFingerprint, hello: remote }
  const answerer = binding.role === 'offerer'
    ? { fp: binding.remoteFingerprint, hello: remote }
    : { fp: binding.localFingerprint, hello: local }
  const fpOfferer = utf8(offerer.fp.toLowerCase())
  const fpAnswerer = utf8(answerer.fp.toLowerCase())
  return concatBytes(
    CONTEXT,
    Uint8Array.of(fpOfferer.length), fpOfferer,
    Uint8Array.of(fpAnswerer.length), fpAnswerer,
    offerer.hello.identityKey, offerer.hello.deviceKey,
    answerer.hello.identityKey, answerer.hello.deviceKey,
    offerer.hello.nonce, answerer.hello.nonce
  )
}

function signedMessage (transcript: Uint8Array, role: SessionBinding['role']): Uint8Array {
  return concatBytes(transcript, Uint8Array.of(ROLE_BYTE[role]))
}

/** Runs the handshake; resolves with what the peer proved: the person it
 *  acts for, its device key and certificate. On failure it tells the peer
 *  why, closes the transport and rejects with a HandshakeError whose message
 *  can be shown to a person. */
export function runHandshake (transport: Transport, opts: HandshakeOptions): Promise<RemoteDevice> {
  const credentials = opts.credentials ?? (opts.identity ? credentialsOf(opts.identity) : null)
  if (!credentials) throw new TypeError('runHandshake needs credentials or an identity')
  const binding = transport.binding
  // A device still being linked speaks for itself alone: its "person" is its own key.
  const local: Hello = {
    identityKey: credentials.certificate ? credentials.identityKey : credentials.device.publicKey,
    deviceKey: credentials.device.publicKey,
    nonce: randomBytes(32)
  }
  const remoteRole = binding.role === 'offerer' ? 'answerer' : 'offerer'
  let remote: RemoteDevice | null = null
  let transcript: Uint8Array | null = null
  let settled = false
  /** What goes in my hello for this peer; nothing when the question fails. */
  const rotationsFor = async (remoteKey: Uint8Array | null): Promise<readonly RotationRecord[]> => {
    try {
      return await opts.rotationsFor?.(remoteKey) ?? []
    } catch {
      return []
    }
  }

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('The other side did not finish the secure handshake in time.'), opts.timeoutMs ?? 10_000)
    const offMessage = transport.onMessage(onFrame)
    const offClose = transport.onClose((reason) => fail(`The connection closed during the handshake (${reason}).`, false))

    function finish (): void {
      settled = true
      clearTimeout(timer)
      offMessage()
      offClose()
    }

    function fail (message: string, tellPeer = true, byPeer = false): void {
      finish()
      if (tellPeer && !transport.closed) {
        try { transport.send(encodeFrame({ type: FrameType.Goodbye, reason: message })) } catch { /* closing anyway */ }
      }
      // Let the goodbye leave before the channel goes away.
      setTimeout(() => transport.close(message), 50)
      reject(new HandshakeError(message, byPeer))
    }

    function onFrame (bytes: Uint8Array): void {
      let frame
      try {
        frame = decodeFrame(bytes)
      } catch {
        return fail('The other side sent something that is not a Kith handshake.')
      }
      if (frame.type === FrameType.Goodbye) {
        return fail(`The other side refused the connection: ${frame.reason}`, false, true)
      }
      if (frame.type === FrameType.Hello && remote === null) {
        if (frame.version !== HANDSHAKE_VERSION || !frame.deviceKey) return fail('The other side runs an incompatible version of Kith.')
        if (opts.expectedRemoteKey && !bytesEqual(frame.publicKey, opts.expectedRemoteKey)) {
          return fail(`Reached someone other than ${shortAddress(addressFromPublicKey(opts.expectedRemoteKey))}; refused.`)
        }
        // A key that is not a real key (small order, non-canonical) could
        // "prove" itself without any secret: refuse it before signing anything.
        if (!isValidSigningPublicKey(frame.publicKey) || !isValidSigningPublicKey(frame.deviceKey)) {
          return fail('The other side presented a key that is not a valid identity key.')
        }
        const checked = checkDevice(frame.publicKey, frame.deviceKey, frame.certificate, frame.rotations)
        if (typeof checked === 'string') return fail(checked)
        remote = checked
        const remoteHello: Hello = { identityKey: frame.publicKey, deviceKey: frame.deviceKey, nonce: frame.nonce }
        transcript = handshakeTranscript(binding, local, remoteHello)
        const proof = encodeFrame({ type: FrameType.Auth, signature: sign(signedMessage(transcript, binding.role), credentials!.device.secretKey) })
        if (binding.role === 'offerer') return transport.send(proof)
        // The offerer sends nothing more until it has my hello.
        void rotationsFor(frame.publicKey).then((records) => {
          if (settled) return
          try {
            sendHello(records)
            transport.send(proof)
          } catch {
            fail('The connection closed during the handshake.', false)
          }
        })
        return
      }
      if (frame.type === FrameType.Auth && remote !== null && transcript !== null) {
        if (!verify(signedMessage(transcript, remoteRole), frame.signature, remote.deviceKey)) {
          return fail('The other side could not prove it holds the key for the address it claims.')
        }
        finish()
        transport.authenticated?.(transcript)
        // Resolved before the next message event is dispatched, so the RPC
        // layer attaches in time for the peer's first request.
        resolve(remote)
        return
      }
      fail('The other side sent a message before authenticating.')
    }

    /** The remote device, or why it cannot act for the person it names. */
    function checkDevice (identityKey: Uint8Array, deviceKey: Uint8Array, certificate: unknown, rotations: unknown): RemoteDevice | string {
      if (certificate === null) {
        // Only the device a link code named, and only to the device linking it.
        if (!bytesEqual(identityKey, deviceKey) || !opts.acceptUncertified?.(deviceKey)) {
          return 'The other side is not a device of the person it claims to be (no certificate).'
        }
        return { identityKey, deviceKey, certificate: null }
      }
      const now = (opts.now ?? Date.now)()
      try {
        const held = opts.rotationsOf?.(identityKey) ?? null
        if (held) {
          const { keys, records } = followRotations(held.keys, rotations ?? [], now)
          // After a rotation only the rotations and Sₙ revoke: a revocation the
          // old key signed (a thief revoking the owner's phone first) is void.
          const all = [...held.records, ...records]
          const revoked = keys.n > 0 ? revokedUnder(keys, [], all) : null
          for (const key of revoked ? opts.revokedBy?.(identityKey, keys.signingKey) ?? [] : []) revoked!.add(key)
          // A kept device's certificate anew is in the record R signed: a
          // device that has not followed yet still presents its old one.
          const kept = all.find((r) => r.n === keys.n)?.kept.find((c) => bytesEqual(c.deviceKey, deviceKey))
          const cert = checkDeviceCertificate(kept ?? certificate, {
            identityKey,
            signingKey: keys.signingKey,
            now,
            isRevoked: (key) => revoked ? revoked.has(toHex(key)) : opts.isRevoked?.(identityKey, key) ?? false
          })
          if (!bytesEqual(cert.deviceKey, deviceKey)) return 'The other side presented a certificate for another device.'
          return { identityKey, deviceKey, certificate: cert, ...records.length > 0 ? { rotations: { keys, records } } : {} }
        }
        const cert = checkDeviceCertificate(certificate, {
          identityKey,
          now,
          isRevoked: (key) => opts.isRevoked?.(identityKey, key) ?? false
        })
        if (!bytesEqual(cert.deviceKey, deviceKey)) return 'The other side presented a certificate for another device.'
        return { identityKey, deviceKey, certificate: cert }
      } catch (err) {
        if (err instanceof DeviceCertificateError || err instanceof RotationError) return err.message
        throw err
      }
    }

    function sendHello (rotations: readonly RotationRecord[]): void {
      transport.send(encodeFrame({
        type: FrameType.Hello,
        version: HANDSHAKE_VERSION,
        publicKey: local.identityKey,
        nonce: local.nonce,
        deviceKey: local.deviceKey,
        certificate: credentials!.certificate,
        ...rotations.length > 0 && credentials!.certificate ? { rotations: [...rotations] } : {}
      }))
    }

    // The offerer speaks first; the answerer replies to its hello. Chromium
    // can lose a message the answerer sends the instant its channel opens
    // (before the offerer has seen the channel's open acknowledgement), so the
    // answerer only sends once it has heard from the offerer.
    if (binding.role === 'offerer') {
      void rotationsFor(opts.expectedRemoteKey ?? null).then((records) => {
        if (settled) return
        try {
          sendHello(records)
        } catch {
          fail('The connection closed before the handshake.', false)
        }
      })
    }
  })
}
