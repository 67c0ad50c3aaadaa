// ping and profile: open to any authenticated peer (friend-only rules arrive
// with friendships; the handshake already proved who is asking).
import { parseEmptyParams, parsePingParams, type NodeMethods, type Profile } from '../../shared/protocol'
import type { RpcHandlers } from '../../shared/rpc'

export function basicHandlers (getProfile: () => Profile): Pick<RpcHandlers<NodeMethods>, 'ping' | 'profile'> {
  return {
    ping: (params) => {
      const { data, replyBytes } = parsePingParams(params)
      return { data: replyBytes === undefined ? data : new Uint8Array(replyBytes) }
    },
    profile: (params) => {
      parseEmptyParams(params)
      return getProfile()
    }
  }
}
