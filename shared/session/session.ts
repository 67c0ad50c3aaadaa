// An authenticated session: the handshake first, then an RPC peer. Nothing
// reaches a handler before the peer has proven its key (after Trystero's
// onPeerHandshake).
import type { DeviceCredentials, RemoteDevice } from '../identity/device-credentials'
import { runHandshake, type HandshakeOptions } from './handshake'
import { addressFromPublicKey, type Identity } from '../identity/identity'
import { RpcPeer, type MethodTable, type RpcHandlers, type RpcOptions } from '../wire/rpc'
import type { Transport } from '../wire/transport'

export interface Session<Remote extends MethodTable, Local extends MethodTable> {
  /** The person on the other side (their identity key, behind their address). */
  remotePublicKey: Uint8Array
  remoteAddress: string
  /** Which of their devices answered, and its certificate. */
  remoteDevice: RemoteDevice
  rpc: RpcPeer<Remote, Local>
  transport: Transport
}

export interface SessionOptions<Local extends MethodTable> {
  /** Either this device's credentials or an identity acting as its own device. */
  identity?: Identity
  credentials?: DeviceCredentials
  expectedRemoteKey?: Uint8Array
  isRevoked?: HandshakeOptions['isRevoked']
  revokedBy?: HandshakeOptions['revokedBy']
  acceptUncertified?: HandshakeOptions['acceptUncertified']
  rotationsOf?: HandshakeOptions['rotationsOf']
  rotationsFor?: HandshakeOptions['rotationsFor']
  handshakeTimeoutMs?: number
  /** Built once the peer is known, so handlers can apply per-peer rules. */
  handlers: (remotePublicKey: Uint8Array, device: RemoteDevice) => Partial<RpcHandlers<Local>>
  rpc?: RpcOptions
}

export async function establishSession<Remote extends MethodTable, Local extends MethodTable> (
  transport: Transport,
  opts: SessionOptions<Local>
): Promise<Session<Remote, Local>> {
  const remoteDevice = await runHandshake(transport, {
    identity: opts.identity,
    credentials: opts.credentials,
    expectedRemoteKey: opts.expectedRemoteKey,
    isRevoked: opts.isRevoked,
    revokedBy: opts.revokedBy,
    acceptUncertified: opts.acceptUncertified,
    rotationsOf: opts.rotationsOf,
    rotationsFor: opts.rotationsFor,
    timeoutMs: opts.handshakeTimeoutMs
  })
  const remotePublicKey = remoteDevice.identityKey
  const rpc = new RpcPeer<Remote, Local>(transport, opts.handlers(remotePublicKey, remoteDevice), opts.rpc)
  return { remotePublicKey, remoteAddress: addressFromPublicKey(remotePublicKey), remoteDevice, rpc, transport }
}
