// What an authenticated peer may call, built once per session from who they
// proved to be: another of my own devices gets device sync only (it is not a
// friend, and never served as one); anyone else gets the friends' methods,
// each behind the stranger policy (stranger-policy.ts), plus those other
// parts of the app register (the client's cache answers delete notices).
import { toHex } from '../../shared/util/bytes'
import { KithError } from '../../shared/wire/errors'
import type { RemoteDevice } from '../../shared/identity/device-credentials'
import { parseDeviceRevoked, parseEmptyParams, type DeviceRevokedParams, type NodeMethods, type Profile } from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { NodeDatabase } from '../storage/db'
import type { InvitesStore } from '../storage/invites-store'
import type { ItemsStore } from '../storage/items-store'
import { withStrangerPolicy } from './stranger-policy'

type HandlerCode = Pick<typeof import('../network'), 'basicHandlers' | 'inviteHandlers' | 'itemHandlers' | 'ownerDeviceHandlers' | 'ownRecoveryRecord'>

/** Extra RPC methods served by other parts of the app (e.g. the client's
 *  cache answers delete notices), built per authenticated peer. */
export type HandlerProvider = (remoteKeyHex: string) => Partial<RpcHandlers<NodeMethods>>

export interface SessionHandlersDeps {
  /** The handlers' code: loaded before any session exists. */
  code: () => HandlerCode
  keyHex: string
  db: NodeDatabase
  items: ItemsStore
  invites: InvitesStore
  isFriend: (keyHex: string) => Promise<boolean>
  profile: () => Profile
  discoverable: () => boolean
  /** Only a device holding the identity key makes friendships. */
  canMakeFriends: () => boolean
  /** The trackers that work for me, to share with friends. */
  workingTrackers: () => string[]
  /** The relays that work for me, told with the trackers (absent: none told). */
  workingRelays?: () => string[]
  learnRevocations: (friendKey: Uint8Array, told: DeviceRevokedParams, device?: RemoteDevice) => Promise<void>
  /** Another of my devices says this one was revoked (devices/revoked-here.ts). */
  learnOwnRevocation: (told: DeviceRevokedParams, device: RemoteDevice) => Promise<void>
  providers: readonly HandlerProvider[]
  onChange: () => void
  /** My device asked for my changes after `after`; true when its session
   *  was closed instead, for a new handshake (devices/meet-again.ts). */
  pulledBy?: (deviceHex: string, after: number) => boolean
}

export function sessionHandlers (deps: SessionHandlersDeps): (remoteKey: Uint8Array, device?: RemoteDevice) => Partial<RpcHandlers<NodeMethods>> {
  return (remoteKey, device) => {
    const { basicHandlers, inviteHandlers, itemHandlers } = deps.code()
    const remoteHex = toHex(remoteKey)
    if (remoteHex === deps.keyHex) return ownDeviceHandlers(deps, device)
    const invite = inviteHandlers(deps.invites, remoteKey, deps.profile)
    const handlers: Partial<RpcHandlers<NodeMethods>> = {
      ...basicHandlers(deps.profile),
      ...itemHandlers(deps.items, remoteHex),
      // Friends only (stranger-policy.ts): the trackers and relays that work for me.
      workingTrackers: (params) => {
        parseEmptyParams(params)
        return deps.workingRelays ? { trackers: deps.workingTrackers(), relays: deps.workingRelays() } : { trackers: deps.workingTrackers() }
      },
      // Friends only: my recovery record, which they keep (person/recovery.ts).
      recoveryRecord: async (params) => {
        parseEmptyParams(params)
        return { record: await deps.code().ownRecoveryRecord(deps.db) }
      },
      deviceRevoked: async (params) => {
        await deps.learnRevocations(remoteKey, parseDeviceRevoked(params), device)
        deps.onChange()
        return { ok: true as const }
      },
      // A new friend appears in the owner's list at once.
      redeemInvite: async (params, ctx) => {
        if (!deps.canMakeFriends()) throw new KithError('UNAUTHORIZED', 'This device cannot make new friendships; open the invite again later.')
        const result = await invite.redeemInvite(params, ctx)
        deps.onChange()
        return result
      }
    }
    for (const provider of deps.providers) Object.assign(handlers, provider(remoteHex))
    return withStrangerPolicy(handlers, {
      isFriend: () => deps.isFriend(remoteHex),
      discoverable: deps.discoverable
    })
  }
}

/** My own device (its certificate checked, not revoked): device sync only. */
function ownDeviceHandlers (deps: SessionHandlersDeps, device?: RemoteDevice): Partial<RpcHandlers<NodeMethods>> {
  const { basicHandlers, ownerDeviceHandlers } = deps.code()
  const own: Partial<RpcHandlers<NodeMethods>> = { ...basicHandlers(deps.profile) }
  if (!device?.certificate) return own
  const deviceHex = toHex(device.deviceKey)
  const sync = ownerDeviceHandlers(deps.db, deviceHex)
  let lastAfter = -1
  return Object.assign(own, sync, {
    deviceRevoked: async (params: unknown) => {
      await deps.learnOwnRevocation(parseDeviceRevoked(params), device)
      return { ok: true as const }
    },
    // A pull from further on says the device has what came before:
    // what the Devices tab shows as "in sync".
    // (Asking ahead, a device says what it applied in `applied`.)
    syncPull: async (params: unknown, ctx: Parameters<typeof sync.syncPull>[1]) => {
      const asked = (params as { applied?: unknown, after?: unknown }).applied ?? (params as { after?: unknown }).after
      if (typeof asked === 'number' && deps.pulledBy?.(deviceHex, asked) === true) throw new KithError('CLOSED', 'Meet again.')
      const page = await sync.syncPull(params, ctx)
      if (asked !== lastAfter) { lastAfter = asked as number; deps.onChange() }
      return page
    }
  })
}
