// What a stranger (an authenticated key that is not in the friends store at
// the moment of the call) may ask: nothing but to redeem an invite (which
// checks its own token), a tiny ping that proves the session is alive, and,
// only when the owner chose to be discoverable, the owner's name. Every
// other request gets the same plain refusal, so a stranger cannot tell one
// method, item or setting from another. The speed-test ping is for friends.
import { KithError } from '../../shared/wire/errors'
import type { NodeMethods } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'

export const STRANGER_REFUSED = 'This node answers only its owner’s friends.'
/** Enough for a liveness probe and a round-trip time, too little to be a lever. */
export const MAX_STRANGER_PING_BYTES = 64

export interface StrangerPolicyOptions {
  /** Asked at call time, so a friendship ended mid-session ends access at once. */
  isFriend: () => Promise<boolean>
  discoverable: () => boolean
}

function strangerMay (method: string, params: unknown, discoverable: boolean): boolean {
  switch (method) {
    case 'redeemInvite': return true
    case 'profile': return discoverable
    case 'ping': {
      if (typeof params !== 'object' || params === null) return false
      const { data, replyBytes } = params as { data?: unknown, replyBytes?: unknown }
      return data instanceof Uint8Array && data.length <= MAX_STRANGER_PING_BYTES && (replyBytes === undefined || replyBytes === null)
    }
    default: return false
  }
}

/** Wraps every handler so that strangers get only what is listed above. The
 *  friends store is read only when the request is not open to strangers. */
export function withStrangerPolicy (handlers: Partial<RpcHandlers<NodeMethods>>, opts: StrangerPolicyOptions): Partial<RpcHandlers<NodeMethods>> {
  const guarded: Partial<RpcHandlers<NodeMethods>> = {}
  for (const [method, handler] of Object.entries(handlers)) {
    if (!handler) continue
    guarded[method] = async (params, ctx) => {
      if (!strangerMay(method, params, opts.discoverable()) && !await opts.isFriend()) {
        throw new KithError('UNAUTHORIZED', STRANGER_REFUSED)
      }
      return await handler(params, ctx)
    }
  }
  return guarded
}
