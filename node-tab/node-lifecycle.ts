// What the node does with its parts at the three moments of its life: once
// the stored keys pass their checks, when it opens, when it closes.
import type { NodeIdentity } from './identity/node-identity'
import type { StorageParts } from './node-parts'
import type { NodeParts } from './node-serving'
import type { ReplayGuard } from './discovery/replay-guard'
import type { NodeDatabase } from './storage/db'
import { restoreReplays } from './rendezvous/saved-replays'
import { hasUnsignedSettings } from './storage/signed-settings'
import { revokedBefore } from './devices/revoked-here'
import { personSigner } from './person/person-signer'

/** Runs once the identity's checks pass, before anything listens or dials. */
export async function afterIdentityChecks (me: NodeIdentity, db: NodeDatabase, parts: Pick<NodeParts, 'devices' | 'ownDevices' | 'rotations'>): Promise<void> {
  await parts.devices.load(); await parts.ownDevices.refreshCount()
  // Revoked earlier (told before a reload or a restart): a server device
  // stays stopped. A full device does not stop itself: it may be the one
  // the person rotates from (see node-parts.ts).
  const revoked = me.role === 'server' ? await revokedBefore({ identityKey: me.identityKey, deviceHex: me.deviceHex, db, devices: parts.devices }) : null
  if (revoked) throw revoked
  await parts.rotations.load()
  // Values saved before settings were signed: signed now, so my other
  // devices take them; with the person's signing key of the time (after a
  // rotation Sₙ, and a kept device without it leaves them unsigned).
  const signer = me.holdsSigningKey ? personSigner({ signing: () => me.signing(), rotations: parts.rotations }) : null
  if (signer && await hasUnsignedSettings(db)) await (await import('./storage/signed-setting-writes')).signUnsignedSettings(db, signer)
}

/** What the storage half keeps between runs, loaded as the node opens
 *  (node-serving.ts loads the serving half's). */
export async function loadParts (db: NodeDatabase, replays: ReplayGuard, parts: Pick<StorageParts, 'trackerDirectory' | 'relayDirectory'>): Promise<void> {
  await parts.trackerDirectory.load()
  await parts.relayDirectory.load()
  await restoreReplays(db, replays)
}

/** Stops every timer, listener and session the parts hold (the serving
 *  half's only if it has loaded). */
export function closeParts (storage: Pick<StorageParts, 'mailbox'>, parts: Pick<NodeParts, 'plan' | 'listener' | 'codes' | 'noticeSender' | 'hints' | 'ownDevices' | 'connections'> | null): void {
  storage.mailbox.close()
  if (!parts) return
  parts.plan.stop()
  parts.listener.stop()
  parts.codes.close()
  parts.noticeSender.stop()
  parts.hints.stop()
  parts.ownDevices.close()
  parts.connections.closeEverything('the node is shutting down')
}
