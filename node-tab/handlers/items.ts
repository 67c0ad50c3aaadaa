// listItems and fetchFile: a friend's scoped requests. Params arrive as
// `unknown` from the peer and are parsed before anything reads the store;
// who is asking comes from the session handshake, never from the params.
import { parseFileRangeParams, parseListItemsParams, type NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { ItemsStore } from '../storage/items-store'

export function itemHandlers (items: ItemsStore, remoteKeyHex: string): Pick<RpcHandlers<NodeMethods>, 'listItems' | 'fetchFile'> {
  return {
    listItems: (params) => items.listVisible(remoteKeyHex, parseListItemsParams(params)),
    // One range per call: a large file never becomes one large answer.
    fetchFile: (params) => items.fileRangeForFriend(remoteKeyHex, parseFileRangeParams(params))
  }
}
