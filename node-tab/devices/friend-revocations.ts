// A friend tells us some of their devices were revoked: each revocation must
// be signed by that friend's identity. Those devices are refused as the
// friend from now on, their open sessions close, and a new meeting secret
// that came with the news is adopted (see the rule below).
import { bytesEqual, toHex } from '../../shared/util/bytes'
import { checkDeviceRevocation, type DeviceRevocation } from '../../shared/identity/device-certificate'
import { revokedUnder, type HeldRotations } from '../../shared/identity/rotation-record'
import { isMeetingSecretProven, type SecretProof } from '../../shared/identity/meeting-secret-grants'
import { KithError } from '../../shared/wire/errors'
import type { RemoteDevice } from '../../shared/identity/device-credentials'
import type { DeviceRevokedParams } from '../../shared/protocol/protocol'
import type { SessionRegistry } from '../connections/sessions'
import type { DevicesStore } from '../storage/devices-store'
import type { FriendsStore } from '../storage/friends-store'

export interface FriendRevocationsDeps {
  devices: Pick<DevicesStore, 'addPeerRevocations'>
  friends: Pick<FriendsStore, 'adoptPairSecret' | 'get'>
  /** The friend moved us from this meeting secret: still listened in a
   *  while (person/left-meetings.ts). */
  leftMeeting?: (friendHex: string, secret: Uint8Array) => Promise<void>
  /** Where we meet now, when the row holds no secret of its own yet (a full
   *  device computes the first one from both keys). */
  currentSecret?: (friendHex: string) => Promise<Uint8Array | undefined>
  sessions: Pick<SessionRegistry, 'closeDevice'>
  /** My identity key: a new meeting secret's signature is checked against
   *  the friend's key for our friendship (without it, it is not kept). */
  identityKey?: Uint8Array
  /** The friend's rotations I follow: after one, a revocation counts only
   *  if a rotation revoked that device too (their old key's do not). */
  rotationsOf?: (friendKey: Uint8Array) => HeldRotations | null
}

export async function learnFriendRevocations (deps: FriendRevocationsDeps, friendKey: Uint8Array, told: DeviceRevokedParams, device?: RemoteDevice): Promise<void> {
  const held = deps.rotationsOf?.(friendKey)
  let revocations: DeviceRevocation[]
  if (held && held.keys.n > 0) {
    // After a rotation: one Sₙ signed counts. One the old key signed, which
    // a thief may hold, is taken only for what the rotations revoked
    // themselves (the new meeting secret that comes with it still is, by the
    // rules below). One signed by neither refuses the message, as before.
    const revoked = revokedUnder(held.keys, [], held.records)
    revocations = told.revocations.flatMap((r) => {
      try {
        return [checkDeviceRevocation(r, friendKey, held.keys.signingKey)]
      } catch {
        const old = checkDeviceRevocation(r, friendKey)
        return revoked.has(toHex(old.deviceKey)) ? [old] : []
      }
    })
  } else {
    revocations = told.revocations.map((r) => checkDeviceRevocation(r, friendKey))
  }
  const friendHex = toHex(friendKey)
  // The friend's signature over the new secret, kept with it so my other
  // devices take it from whichever of them was told: by the friend's
  // signing key as I follow it (after their rotation n, Sₙ only, however
  // the secret is dated). Where I keep their recovery key I follow every
  // rotation their device's hello showed, so a signature that does not
  // check is forged, and refuses the whole message, like a forged
  // revocation. Where I do not, they may have rotated to a key I cannot
  // know: the secret is then taken as from a device that sends no
  // signature (as an older one does), kept on this device only.
  let proof: SecretProof | undefined
  if (told.pairSecret && told.pairSecretSignature && deps.identityKey) {
    proof = { since: told.pairSecretSince ?? 0, signature: told.pairSecretSignature }
    const signingKey = held && held.keys.n > 0 ? held.keys.signingKey : friendKey
    if (!isMeetingSecretProven(friendKey, deps.identityKey, told.pairSecret, proof, signingKey)) {
      if (held) throw new KithError('BAD_REQUEST', 'This meeting secret was not signed by the friend.')
      proof = undefined
    }
  }
  const fresh = await deps.devices.addPeerRevocations(friendKey, revocations)
  // A new meeting secret from the friend's server device only with a
  // revocation we did not know: otherwise a stolen server device, before
  // its revocation, moved us to a swarm only it can name, where the
  // friend's full device could never reach us to tell us of it.
  if (told.pairSecret && device?.certificate?.role !== 'full' && fresh === 0) delete told.pairSecret
  for (const revocation of revocations) deps.sessions.closeDevice(friendHex, toHex(revocation.deviceKey), 'this device was revoked by its owner')
  // A date from the future (a wrong clock, or a friend hoping to keep the
  // secret forever) counts as now.
  if (!told.pairSecret) return
  const before = (await deps.friends.get(friendHex))?.pairSecret ?? await deps.currentSecret?.(friendHex)
  await deps.friends.adoptPairSecret(friendHex, { secret: told.pairSecret, since: Math.min(told.pairSecretSince ?? 0, Date.now()), proof })
  const after = (await deps.friends.get(friendHex))?.pairSecret
  if (before && after && !bytesEqual(before, after)) await deps.leftMeeting?.(friendHex, before)
}
