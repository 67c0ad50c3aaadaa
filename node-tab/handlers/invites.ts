// redeemInvite: the one method a stranger can use to become a friend. The
// key that becomes a friend is the one the handshake proved, not one in the params.
import { parseRedeemInvite, type NodeMethods, type Profile } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { InvitesStore } from '../storage/invites-store'

export function inviteHandlers (invites: InvitesStore, remoteKey: Uint8Array, ownProfile: () => Profile): Pick<RpcHandlers<NodeMethods>, 'redeemInvite'> {
  return {
    redeemInvite: async (params) => {
      const { token, profile } = parseRedeemInvite(params)
      await invites.redeem(token, profile, remoteKey)
      return { owner: ownProfile() }
    }
  }
}
