// The friend side of live hints: an owner's node says "something you may
// see changed". It carries nothing to trust but who sent it, which the
// session's handshake proved; strangers are refused before this runs (the
// node's stranger policy), and a removed friend is checked again here.
import type { NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import { KithError } from '../../shared/wire/errors'

export function hintHandler (remoteKeyHex: string, opts: { isFriend: (key: string) => Promise<boolean>, syncSoon: (key: string) => void }): Pick<RpcHandlers<NodeMethods>, 'itemsChanged'> {
  return {
    itemsChanged: async (params) => {
      // The protocol's checks came with the session (the network code): not the first screen's to fetch.
      const { parseItemsChanged } = await import('../../shared/protocol/protocol')
      parseItemsChanged(params)
      if (!await opts.isFriend(remoteKeyHex)) throw new KithError('UNAUTHORIZED', 'Only friends send these.')
      opts.syncSoon(remoteKeyHex)
      return { ok: true as const }
    }
  }
}
