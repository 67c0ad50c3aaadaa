// What a full device says when the person rotated on another device, which
// alone holds the new signing key Sₙ (docs/security.md, "Sₙ and the kept
// full devices"): where linking and revoking can be done instead. Apart,
// so the Devices tab shows it without loading the devices code.

/** What is done only where Sₙ is, each as the sentence names it: linking
 *  and revoking (Sₙ certifies devices and revokes them), making friends
 *  and invites (Sₙ signs their grants), and whether the person can be
 *  found by address (a signed setting). */
const ACTS = {
  link: 'Link it',
  revoke: 'Revoke it',
  manage: 'Link and revoke devices',
  invite: 'Make friends (create and accept invites)',
  discoverable: 'Change whether you can be found by address'
} as const
export type SignedAct = keyof typeof ACTS

/** Said on a kept device that does not hold Sₙ: where it can be done.
 *  `holders`: the names of the devices that do, when their rows prove it. */
export function needsSigningKey (what: SignedAct, holders: readonly string[] = []): string {
  const act = ACTS[what]
  const named = orList(holders.map((h) => `“${h}”`))
  const only = holders.length === 0 ? 'only the device you rotated on holds' : `only ${named} ${holders.length === 1 ? 'holds' : 'hold'}`
  return `Since you replaced your key with your recovery words, ${only} your new signing key. ${act} from ${holders.length === 0 ? 'that device' : named}, or rotate again with your recovery words (“Someone else has one of my devices”).`
}

function orList (names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
}
