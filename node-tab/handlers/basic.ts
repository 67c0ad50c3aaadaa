// ping and profile. Who may call them (strangers: a tiny ping, and the
// profile only when discoverable) is decided in ../stranger-policy.ts.
import { zeroStream } from '../../shared/wire/byte-stream'
import { parseEmptyParams, parsePingParams, type NodeMethods, type Profile } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'

export function basicHandlers (getProfile: () => Profile): Pick<RpcHandlers<NodeMethods>, 'ping' | 'profile'> {
  return {
    ping: (params) => {
      const { data, replyBytes } = parsePingParams(params)
      // The speed-test answer is made chunk by chunk as the channel drains,
      // never allocated whole.
      return { data: replyBytes === undefined ? data : zeroStream(replyBytes) }
    },
    profile: (params) => {
      parseEmptyParams(params)
      return getProfile()
    }
  }
}
