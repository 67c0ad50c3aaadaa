// The person rotates their signing key from this device (docs/security.md,
// "Recovery key and rotation"): the 12 words give R; the devices chosen are
// kept (re-certified by the new key, in the record) or revoked. The record
// travels in every hello of a device that follows it; the revoked devices
// are also revoked the usual way (no more sync, meeting secrets replaced,
// friends told), so friends who have not followed yet refuse them too.
import { recoveryKeyFromWords } from '../../shared/identity/recovery-words'
import { KithError } from '../../shared/wire/errors'
import type { NodeIdentity } from '../identity/node-identity'
import type { PersonRotations } from '../person/rotations'
import type { DevicesStore } from '../storage/devices-store'
import type { MeetAgain } from './meet-again'
import type { OwnDevices } from './own-devices'

export interface RotateDeps {
  me: NodeIdentity
  devices: Pick<DevicesStore, 'list'>
  rotations: Pick<PersonRotations, 'rotate'>
  ownDevices: Pick<OwnDevices, 'revokeForRotation' | 'refreshCount'> & { links: Pick<OwnDevices['links'], 'lost'> }
  meetAgain: Pick<MeetAgain, 'beforeRevoking' | 'afterRevoking'>
}

export async function rotate (deps: RotateDeps, words: string | readonly string[], choice: { keep: readonly string[], revoke: readonly string[] }): Promise<void> {
  const { me, devices, rotations, ownDevices, meetAgain } = deps
  // The revocations below are the usual ones, signed by the address key.
  if (me.role !== 'full' || !me.holdsSigningKey) throw new KithError('UNAUTHORIZED', 'Rotate from your laptop or phone, not from a server device.')
  await me.verify()
  const recovery = recoveryKeyFromWords(words) // refuses mistyped words in plain words
  const known = await devices.list()
  const byKey = new Map(known.map((d) => [d.key, d]))
  const keep = choice.keep.map((key) => {
    const device = byKey.get(key)
    if (!device) throw new KithError('NOT_FOUND', 'A device to keep is not one of yours.')
    return { key, name: device.certificate.name, role: device.certificate.role }
  })
  for (const key of choice.revoke) if (!byKey.has(key) && !/^[0-9a-f]{64}$/.test(key)) throw new KithError('BAD_REQUEST', 'A device to revoke is not a device key.')
  await rotations.rotate(recovery, me.deviceHex, { keep, revoke: choice.revoke })
  // Sessions open now began with a hello from before the rotation: closed
  // before the revocations, so friends are told of them on new sessions,
  // whose hello carries the rotation (devices/meet-again.ts).
  meetAgain.beforeRevoking()
  await ownDevices.revokeForRotation(choice.revoke.filter((key) => byKey.get(key)?.revocation === null))
  await ownDevices.refreshCount()
  await meetAgain.afterRevoking()
  // A kept device that refused me before (a thief's revocation of this
  // device, which the rotation undoes) is looked for now, not after the
  // pause its refusals earned (left-device-meetings.ts says where).
  for (const { key } of keep) if (key !== me.deviceHex) ownDevices.links.lost(key)
}
