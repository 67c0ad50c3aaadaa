// Where this device keeps the rotations (person/rotations.ts), apart so the
// link's store (storage/identity-store.ts) can write them without loading
// the rotation code with the first screen.

/** Each person's followed chain, `rotation.of.<identity hex>` (device-local). */
export const CHAIN_PREFIX = 'rotation.of.'
/** Sₙ on a device that holds it: the one that made rotation n, or a full
 *  device linked from it after (device-local, never synced). */
export const SIGNING_KEY = 'rotation.signingKey'
