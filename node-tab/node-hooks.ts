// What the parts need of the node as a whole (NodeHooks, node-parts.ts),
// made from the node: its identity and stores, the network code loaded once
// the stored keys pass their checks, the serving half where it has loaded,
// and the node's events (a change, a revoked device, this device revoked).
import { KithError } from '../shared/wire/errors'
import { followSyncedChanges, type SyncFollowers } from './devices/follow-sync'
import { DeviceRevokedError, revokedWords } from './devices/revoked-here'
import { needsSigningKey } from './devices/signing-key-words'
import type { ReplayGuard } from './discovery/replay-guard'
import type { HandlerProvider } from './handlers/session-handlers'
import type { NodeIdentity } from './identity/node-identity'
import { loadNetwork, type Network } from './network-loader'
import type { NodeHooks, NodeOpenOptions } from './node-parts'
import type { PersonSettings } from './person/person-settings'
import type { ServingHalf } from './serving-half'
import type { NodeDatabase } from './storage/db'

/** The node, as its hooks see it. */
export interface HookedNode extends SyncFollowers, EventTarget {
  readonly db: NodeDatabase
  readonly me: NodeIdentity
  readonly settings: PersonSettings
  readonly replays: ReplayGuard
  close: () => void
}

export interface HookState {
  serving: () => ServingHalf
  providers: readonly HandlerProvider[]
  closed: () => boolean
  /** This device was told it is revoked: the node's `revoked` rejects with this. */
  revokedHere: (err: Error) => void
}

export function nodeHooks (node: HookedNode, state: HookState, opts: NodeOpenOptions): NodeHooks {
  const { db, me, settings, replays } = node
  const loaded = (): ServingHalf['parts'] => state.serving().parts
  let network: Network | null = null
  return {
    db,
    me,
    settings,
    replays,
    // The network code, loaded once for the whole tab: never before the
    // stored keys are checked, nor after the node stopped.
    network: async () => {
      await me.verify()
      if (state.closed()) throw new KithError('CLOSED', 'This node has stopped.')
      return (network ??= await loadNetwork())
    },
    loadedNetwork: () => network!,
    // Until the serving half loads there is no device sync to tell; it
    // reads the devices afresh when it does.
    followDeviceChanges: () => { void loaded()?.ownDevices.followDeviceChanges().catch(() => { /* closing */ }) },
    everySecret: async () => (await state.serving().load()).plan.everySecret(),
    signingElsewhere: (what) => loaded()?.ownDevices.signingElsewhere(what) ?? needsSigningKey(what),
    providers: state.providers,
    changed: () => node.changed(),
    followSynced: (changes) => {
      if (state.closed()) return
      followSyncedChanges(node, changes).catch((err: unknown) => {
        // Closing: the database went away mid-way, and nothing is left to follow.
        if (!state.closed()) console.warn('[kith] could not follow changes from another device:', err)
      })
    },
    revokedHere: (note) => {
      // Refused for good: nothing more is served or synced from here, and
      // the page says why (client/boot/start-node.ts).
      state.revokedHere(new DeviceRevokedError(revokedWords(note)))
      setTimeout(() => { if (!state.closed()) node.close() }, 0)
    },
    deviceRevoked: (deviceKey) => {
      node.noticeSender.kick()
      node.dispatchEvent(new CustomEvent('device-revoked', { detail: { deviceKey } }))
      node.changed()
    },
    incomingLimits: opts.incomingLimits,
    sessionLimits: opts.sessionLimits
  }
}
