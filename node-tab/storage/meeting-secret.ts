// Which of two meeting secrets for a friendship wins. Either friend replaces
// the secret when one of their devices is revoked, and the two replacements
// may cross on the way; both sides keep the newer one (by the time it was
// made, then by its bytes), so they always end up in the same swarm.
import { compareBytes } from '../../shared/util/bytes'
import type { SecretProof } from '../../shared/identity/meeting-secret-grants'

export interface DatedSecret { secret: Uint8Array, since: number, proof?: SecretProof }

export function isNewer (a: DatedSecret, b: DatedSecret | undefined): boolean {
  if (!b) return true
  return a.since > b.since || (a.since === b.since && compareBytes(a.secret, b.secret) < 0)
}
