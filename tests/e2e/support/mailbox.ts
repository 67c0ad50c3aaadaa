// What the test relay holds of the blind mailbox (node-tab/mailbox/), for
// the browser tests that watch letters, bundles and wraps arrive and go.
import type { World } from './world'

/** The mailbox's kinds on relays (node-tab/mailbox/mailbox-relay.ts):
 *  letters (one friend each), wrap events (up to 50 friends' wraps), the
 *  bundles they name, and the chunks of the small files bundles name. */
export const MAILBOX_KIND = 4550
export const WRAP_KIND = 4551
export const BUNDLE_KIND = 4552
export const CHUNK_KIND = 4553
export const MAILBOX_KINDS = [MAILBOX_KIND, WRAP_KIND, BUNDLE_KIND, CHUNK_KIND]
/** NIP-09 deletion requests. */
export const DELETION_KIND = 5

/** How many mailbox events (letters, wrap events, bundles, chunks) the world's relay stores now. */
export const storedMailboxEvents = (world: World): number => world.relay!.stored().filter((e) => MAILBOX_KINDS.includes(e.kind)).length

/** How many events of one kind the world's relay stores now. */
export const storedOfKind = (world: World, kind: number): number => world.relay!.stored().filter((e) => e.kind === kind).length
