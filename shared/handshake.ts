// Mutual authentication bound to this connection, before anything else.
// Each side sends a fresh nonce and its public key, then signs a transcript
// of both DTLS fingerprints (as seen in the SDPs), both keys and both nonces,
// plus its own role. Because the browser checks the peer's DTLS certificate
// against the fingerprint in the SDP, a tracker that rewrote the signalling
// (to sit in the middle) makes the two sides see different fingerprints and
// no signature verifies; a replayed proof fails on the fresh nonces.
import { concatBytes, utf8 } from './bytes'
import { decodeFrame, encodeFrame, FrameType } from './codec'
import { isValidSigningPublicKey, randomBytes, sign, verify } from './crypto'
import { addressFromPublicKey, shortAddress, type Identity } from './identity'
import { bytesEqual } from './bytes'
import type { SessionBinding, Transport } from './transport'

/** The Kith protocol version, sent in the hello. 2: offers prove their
 *  swarm's secret (rendezvous v2), files are fetched by range, stricter keys.
 *  Peers on another version are refused in plain words. */
export const HANDSHAKE_VERSION = 2
const CONTEXT = utf8('kith/handshake/v1')
const ROLE_BYTE = { offerer: 0, answerer: 1 } as const

export class HandshakeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HandshakeError'
  }
}

export interface HandshakeOptions {
  identity: Identity
  /** The key the caller meant to reach; anyone else is refused. */
  expectedRemoteKey?: Uint8Array
  timeoutMs?: number
}

interface Hello { publicKey: Uint8Array, nonce: Uint8Array }

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
    offerer.hello.publicKey, answerer.hello.publicKey,
    offerer.hello.nonce, answerer.hello.nonce
  )
}

function signedMessage (transcript: Uint8Array, role: SessionBinding['role']): Uint8Array {
  return concatBytes(transcript, Uint8Array.of(ROLE_BYTE[role]))
}

/** Runs the handshake; resolves with the peer's proven public key. On failure
 *  it tells the peer why, closes the transport and rejects with a
 *  HandshakeError whose message can be shown to a person. */
export function runHandshake (transport: Transport, opts: HandshakeOptions): Promise<Uint8Array> {
  const binding = transport.binding
  const local: Hello = { publicKey: opts.identity.publicKey, nonce: randomBytes(32) }
  const remoteRole = binding.role === 'offerer' ? 'answerer' : 'offerer'
  let remote: Hello | null = null
  let transcript: Uint8Array | null = null

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('The other side did not finish the secure handshake in time.'), opts.timeoutMs ?? 10_000)
    const offMessage = transport.onMessage(onFrame)
    const offClose = transport.onClose((reason) => fail(`The connection closed during the handshake (${reason}).`, false))

    function finish (): void {
      clearTimeout(timer)
      offMessage()
      offClose()
    }

    function fail (message: string, tellPeer = true): void {
      finish()
      if (tellPeer && !transport.closed) {
        try { transport.send(encodeFrame({ type: FrameType.Goodbye, reason: message })) } catch { /* closing anyway */ }
      }
      // Let the goodbye leave before the channel goes away.
      setTimeout(() => transport.close(message), 50)
      reject(new HandshakeError(message))
    }

    function onFrame (bytes: Uint8Array): void {
      let frame
      try {
        frame = decodeFrame(bytes)
      } catch {
        return fail('The other side sent something that is not a Kith handshake.')
      }
      if (frame.type === FrameType.Goodbye) {
        return fail(`The other side refused the connection: ${frame.reason}`, false)
      }
      if (frame.type === FrameType.Hello && remote === null) {
        if (frame.version !== HANDSHAKE_VERSION) return fail('The other side runs an incompatible version of Kith.')
        if (opts.expectedRemoteKey && !bytesEqual(frame.publicKey, opts.expectedRemoteKey)) {
          return fail(`Reached someone other than ${shortAddress(addressFromPublicKey(opts.expectedRemoteKey))}; refused.`)
        }
        // A key that is not a real key (small order, non-canonical) could
        // "prove" itself without any secret: refuse it before signing anything.
        if (!isValidSigningPublicKey(frame.publicKey)) return fail('The other side presented a key that is not a valid identity key.')
        remote = { publicKey: frame.publicKey, nonce: frame.nonce }
        transcript = handshakeTranscript(binding, local, remote)
        if (binding.role === 'answerer') sendHello()
        transport.send(encodeFrame({ type: FrameType.Auth, signature: sign(signedMessage(transcript, binding.role), opts.identity.secretKey) }))
        return
      }
      if (frame.type === FrameType.Auth && remote !== null && transcript !== null) {
        if (!verify(signedMessage(transcript, remoteRole), frame.signature, remote.publicKey)) {
          return fail('The other side could not prove it holds the key for the address it claims.')
        }
        finish()
        // Resolved before the next message event is dispatched, so the RPC
        // layer attaches in time for the peer's first request.
        resolve(remote.publicKey)
        return
      }
      fail('The other side sent a message before authenticating.')
    }

    function sendHello (): void {
      transport.send(encodeFrame({ type: FrameType.Hello, version: HANDSHAKE_VERSION, publicKey: local.publicKey, nonce: local.nonce }))
    }

    // The offerer speaks first; the answerer replies to its hello. Chromium
    // can lose a message the answerer sends the instant its channel opens
    // (before the offerer has seen the channel's open acknowledgement), so the
    // answerer only sends once it has heard from the offerer.
    if (binding.role === 'offerer') {
      try {
        sendHello()
      } catch {
        fail('The connection closed before the handshake.', false)
      }
    }
  })
}
