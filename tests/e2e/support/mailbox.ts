// What the test relay holds of the blind mailbox (node-tab/mailbox/), for
// the browser tests that watch letters arrive and go.
import type { World } from './world'

/** The mailbox's kind on relays (node-tab/mailbox/mailbox-relay.ts). */
export const MAILBOX_KIND = 4550
/** NIP-09 deletion requests. */
export const DELETION_KIND = 5

/** How many mailbox letters the world's relay stores now. */
export const storedLetters = (world: World): number => world.relay!.stored().filter((e) => e.kind === MAILBOX_KIND).length
