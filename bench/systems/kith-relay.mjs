// Kith on relays (DESIGN §6c), beside `kith` in the same run: the run's strict
// Nostr relay (a stock one from npm, started by bench/run.mjs like the
// tracker) and harness pages (tests/harness/relay-bench.ts).
//   relay_connect_s: kith's connect_s (node open → the answer to redeeming
//     an invite) with the tracker down (a port nobody listens on) and only
//     the relay up.
//   mailbox_delivery_s: Alice shares a post while Bob is away, its bundle
//     and wrap go to the relay, and she leaves too; from Bob's node opening again to
//     the post in his cache, through the relay alone (no device of Alice's
//     is online).
//   relay_events_per_post_250_friends, relay_bytes_per_post_250_friends:
//     a node with 250 friends who may all see a post: the EVENT messages
//     (and their bytes, as sent) one post costs on the relay, counted at
//     the relay (a bundle and five wrap events of 50 wraps).
//   relay_events_per_photo_post_250_friends, relay_bytes_per_photo_post_250_friends:
//     the same node shares a 500 KB photo with a caption with all 250: its
//     chunks go once, beside the bundle and the same five wrap events.
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import { failed, figure, withHarness, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'kith-relay'
const FRIENDS = 250
const PHOTO_BYTES = 500_000

export const EXPECTED_FIGURES = {
  relay_connect_s: 's',
  mailbox_delivery_s: 's',
  relay_events_per_post_250_friends: 'events',
  relay_bytes_per_post_250_friends: 'bytes',
  relay_events_per_photo_post_250_friends: 'events',
  relay_bytes_per_photo_post_250_friends: 'bytes'
}

/** A tracker URL that refuses connections: one started and stopped again. */
async function deadTrackerUrl () {
  const tracker = await startTracker({ strict: true })
  const url = tracker.url
  await tracker.close()
  return url
}

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export function measure (ctx) {
  const { relay, trackerUrl } = ctx
  return withHarness(ctx, async ({ open, report, log }) => {
    const relays = [relay.url]

    try {
      const down = { trackers: [await deadTrackerUrl()], relays }
      const owner = (await open('kith-relay-owner')).page
      const dialer = (await open('kith-relay-dialer')).page
      const { address, token } = await owner.evaluate((r) => window.kithHarness.relayBenchOwner(r), down)
      // The owner is in its relay subscription before the clock starts, as
      // the kith system waits for the tracker.
      await withTimeout(owner.evaluate(() => window.kithHarness.relayBenchRelaysUp(15_000)), 20_000, 'owner on the relay')
      const seconds = await withTimeout(dialer.evaluate(([a, t, r]) => window.kithHarness.relayBenchConnect(a, t, r), [address, token, down]), 60_000, 'connect through the relay')
      report(figure(SYSTEM, 'relay_connect_s', seconds, 's'))
    } catch (err) {
      log(`relay connect failed: ${err.message}`)
      report(failed(SYSTEM, 'relay_connect_s', 's'))
    }

    try {
      const routes = { trackers: [trackerUrl], relays }
      const alice = (await open('kith-relay-alice')).page
      const bob = (await open('kith-relay-bob')).page
      const { address, token } = await alice.evaluate((r) => window.kithHarness.relayBenchOwner(r), routes)
      const names = await withTimeout(bob.evaluate(([r, a, t]) => window.kithHarness.relayBenchFriendJoinsAndLeaves(r, a, t), [routes, address, token]), 60_000, 'Bob joins')
      const text = `While Bob was away ${Math.random().toString(36).slice(2)}`
      await withTimeout(alice.evaluate((t) => window.kithHarness.relayBenchShareAndLeave(t), text), 60_000, 'Alice shares and leaves')
      const seconds = await withTimeout(bob.evaluate(([r, n, a, t]) => window.kithHarness.relayBenchFriendReturns(r, n, a, t, 60_000), [routes, names, address, text]), 65_000, 'Bob reads his mailbox')
      report(figure(SYSTEM, 'mailbox_delivery_s', seconds, 's'))
    } catch (err) {
      log(`mailbox delivery failed: ${err.message}`)
      report(failed(SYSTEM, 'mailbox_delivery_s', 's'))
    }

    let postCounted = false
    try {
      const owner = (await open('kith-relay-250')).page
      await withTimeout(owner.evaluate(([r, n]) => window.kithHarness.relayBenchManyFriends(r, n), [{ trackers: [], relays }, FRIENDS]), 120_000, `${FRIENDS} friends`)
      /** The EVENT messages the relay saw while `post` ran, and their bytes. */
      const counted = async (post) => {
        const before = relay.seen().length
        const said = await post()
        const seen = relay.seen()
        if (seen.length >= 20_000) throw new Error('the relay forgot some of what it saw; cannot count')
        const events = seen.slice(before).filter((m) => m.startsWith('["EVENT"'))
        return { said, events: events.length, bytes: events.reduce((sum, m) => sum + Buffer.byteLength(m), 0) }
      }
      try {
        const post = await counted(() => withTimeout(owner.evaluate((t) => window.kithHarness.relayBenchPostToAll(t), 'To all 250 friends'), 240_000, 'post to 250 friends'))
        log(`one post to ${FRIENDS} friends: ${post.events} events (${post.said} by the node's count), ${post.bytes} bytes, on the one relay`)
        report(figure(SYSTEM, 'relay_events_per_post_250_friends', post.events, 'events'))
        report(figure(SYSTEM, 'relay_bytes_per_post_250_friends', post.bytes, 'bytes'))
      } catch (err) {
        log(`post to ${FRIENDS} friends failed: ${err.message}`)
        report(failed(SYSTEM, 'relay_events_per_post_250_friends', 'events'))
        report(failed(SYSTEM, 'relay_bytes_per_post_250_friends', 'bytes'))
      }
      postCounted = true
      const photo = await counted(() => withTimeout(owner.evaluate(([t, n]) => window.kithHarness.relayBenchPhotoToAll(t, n), ['A photo for all 250', PHOTO_BYTES]), 240_000, 'photo to 250 friends'))
      log(`one ${PHOTO_BYTES}-byte photo to ${FRIENDS} friends: ${photo.events} events (${photo.said} by the node's count), ${photo.bytes} bytes, on the one relay`)
      report(figure(SYSTEM, 'relay_events_per_photo_post_250_friends', photo.events, 'events'))
      report(figure(SYSTEM, 'relay_bytes_per_photo_post_250_friends', photo.bytes, 'bytes'))
    } catch (err) {
      log(`posts to ${FRIENDS} friends failed: ${err.message}`)
      if (!postCounted) {
        report(failed(SYSTEM, 'relay_events_per_post_250_friends', 'events'))
        report(failed(SYSTEM, 'relay_bytes_per_post_250_friends', 'bytes'))
      }
      report(failed(SYSTEM, 'relay_events_per_photo_post_250_friends', 'events'))
      report(failed(SYSTEM, 'relay_bytes_per_photo_post_250_friends', 'bytes'))
    }
    if (relay.violations.length > 0) log(`strict relay violations: ${relay.violations.join('; ')}`)
  })
}
