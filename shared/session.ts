// An authenticated session: the handshake first, then an RPC peer. Nothing
// reaches a handler before the peer has proven its key (after Trystero's
// onPeerHandshake).
import { runHandshake } from './handshake'
import { addressFromPublicKey, type Identity } from './identity'
import { RpcPeer, type MethodTable, type RpcHandlers, type RpcOptions } from './rpc'
import type { Transport } from './transport'

export interface Session<Remote extends MethodTable, Local extends MethodTable> {
  remotePublicKey: Uint8Array
  remoteAddress: string
  rpc: RpcPeer<Remote, Local>
  transport: Transport
}

export interface SessionOptions<Local extends MethodTable> {
  identity: Identity
  expectedRemoteKey?: Uint8Array
  handshakeTimeoutMs?: number
  /** Built once the peer is known, so handlers can apply per-peer rules. */
  handlers: (remotePublicKey: Uint8Array) => Partial<RpcHandlers<Local>>
  rpc?: RpcOptions
}

export async function establishSession<Remote extends MethodTable, Local extends MethodTable> (
  transport: Transport,
  opts: SessionOptions<Local>
): Promise<Session<Remote, Local>> {
  const remotePublicKey = await runHandshake(transport, {
    identity: opts.identity,
    expectedRemoteKey: opts.expectedRemoteKey,
    timeoutMs: opts.handshakeTimeoutMs
  })
  const rpc = new RpcPeer<Remote, Local>(transport, opts.handlers(remotePublicKey), opts.rpc)
  return { remotePublicKey, remoteAddress: addressFromPublicKey(remotePublicKey), rpc, transport }
}
