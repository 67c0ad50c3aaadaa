// What the test relay holds of the blind mailbox (node-tab/mailbox/), for
// the browser tests that watch letters, bundles and wraps arrive and go.
import type { Page } from 'playwright-core'
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

/** How many changes and acknowledgements this person's node still holds
 *  for a retry because no relay took their events yet (its device settings,
 *  node-tab/mailbox/mailbox-pending.ts): 0 once everything sent is on a
 *  relay. A tab closed before then sends them again when it next opens,
 *  as new events, so a test that counts what reaches the relay waits for 0. */
export async function mailboxPending (page: Page): Promise<number> {
  return await page.evaluate(async () => await new Promise<number>((resolve, reject) => {
    const open = indexedDB.open('kith-node')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const settings = open.result.transaction('settings').objectStore('settings')
      const changes = settings.get('mailboxPending')
      const acks = settings.get('mailboxPendingAcks')
      acks.onsuccess = () => {
        open.result.close()
        const c = (changes.result as { value?: { items: string[], gone: string[] } } | undefined)?.value
        const a = (acks.result as { value?: unknown[] } | undefined)?.value
        resolve((c?.items.length ?? 0) + (c?.gone.length ?? 0) + (a?.length ?? 0))
      }
    }
  }))
}
