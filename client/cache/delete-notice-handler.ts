// The friend side of deletion: an owner's node tells me to forget their items.
// The owner is whoever authenticated this session, never a field in the
// request, so nobody can delete what another person shared with me.
import type { NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { FriendCache } from './friend-cache'

export function deleteNoticeHandler (cache: FriendCache, remoteKeyHex: string, onApplied?: () => void): Pick<RpcHandlers<NodeMethods>, 'deleteNotices'> {
  return {
    deleteNotices: async (params) => {
      // The protocol's checks came with the session (the network code): not the first screen's to fetch.
      const { parseDeleteNotices } = await import('../../shared/protocol/protocol')
      const itemIds = parseDeleteNotices(params)
      const acknowledged = await cache.applyDeleteNotices(remoteKeyHex, itemIds)
      onApplied?.()
      return { acknowledged }
    }
  }
}
