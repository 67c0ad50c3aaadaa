// The friend side of deletion: an owner's node tells me to forget their items.
// The owner is whoever authenticated this session, never a field in the
// request, so nobody can delete what another person shared with me.
import { parseDeleteNotices, type NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { FriendCache } from './friend-cache'

export function deleteNoticeHandler (cache: FriendCache, remoteKeyHex: string, onApplied?: () => void): Pick<RpcHandlers<NodeMethods>, 'deleteNotices'> {
  return {
    deleteNotices: async (params) => {
      const itemIds = parseDeleteNotices(params)
      const acknowledged = await cache.applyDeleteNotices(remoteKeyHex, itemIds)
      onApplied?.()
      return { acknowledged }
    }
  }
}
