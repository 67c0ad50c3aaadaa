// Kith with owner devices (DESIGN §6a), in three harness pages: the owner's
// full device holds 10,000 items; a server device is linked to it and syncs
// them (device_sync_s_10k_items); it goes away while the owner makes 1,000
// changes, and catches up (device_catchup_s_1k_changes); then a friend who
// joined through the owner reaches the owner, with the owner's full device
// closed, through the server device alone: the standard round-trip and
// transfer figures, to compare with `kith` (the owner's own tab) in the same run.
// Also: a laptop linked as a full device, and how soon it holds the owner's
// newest 50 items (linked_device_items_s, from approval); and, through the
// server device, how soon a friend with nothing cached holds the first page
// of 50 (device_first_page_s, from the session being open).
import { failed, figure, measureChannelFigures, withHarness, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'kith-device'
const ITEMS = 10_000
const CHANGES = 1_000

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export function measure (ctx) {
  const trackers = ctx.config.trackers
  return withHarness(ctx, async ({ open, report, log }) => {
    const owner = (await open('kith-device-owner')).page
    const device = (await open('kith-device-server')).page
    const friend = (await open('kith-device-friend')).page
    const { address } = await withTimeout(owner.evaluate(([t, n]) => window.kithHarness.deviceBenchOwner(t, n), [trackers, ITEMS]), 120_000, 'seed owner')
    const code = await device.evaluate((t) => window.kithHarness.deviceBenchNewDevice(t), trackers)
    await withTimeout(owner.evaluate((c) => window.kithHarness.deviceBenchApprove(c), code), 60_000, 'link')

    try {
      const seconds = await withTimeout(device.evaluate(([t, n]) => window.kithHarness.deviceBenchSync(t, n, 120_000), [trackers, ITEMS]), 130_000, 'first sync')
      report(figure(SYSTEM, 'device_sync_s_10k_items', seconds, 's'))
    } catch (err) {
      log(`first sync failed: ${err.message}`)
      report(failed(SYSTEM, 'device_sync_s_10k_items', 's'))
    }

    try {
      await device.evaluate(() => window.kithHarness.deviceBenchDeviceOffline())
      const marker = await withTimeout(owner.evaluate((n) => window.kithHarness.deviceBenchChanges(n), CHANGES), 120_000, 'changes')
      const seconds = await withTimeout(device.evaluate(([t, id]) => window.kithHarness.deviceBenchCatchUp(t, id, 120_000), [trackers, marker]), 130_000, 'catch-up')
      report(figure(SYSTEM, 'device_catchup_s_1k_changes', seconds, 's'))
    } catch (err) {
      log(`catch-up failed: ${err.message}`)
      report(failed(SYSTEM, 'device_catchup_s_1k_changes', 's'))
    }

    // A laptop linked as a full device, while the owner is online: how soon
    // it shows the owner's newest items (what "My items" shows first).
    try {
      const laptop = (await open('kith-device-laptop')).page
      const code = await laptop.evaluate((t) => window.kithHarness.deviceBenchNewFullDevice(t), trackers)
      const { newest, approvedAt } = await withTimeout(owner.evaluate((c) => window.kithHarness.deviceBenchApproveFull(c), code), 60_000, 'link the laptop')
      const seconds = await withTimeout(laptop.evaluate(([t, ids, at]) => window.kithHarness.deviceBenchLinkedItems(t, ids, at, 120_000), [trackers, newest, approvedAt]), 130_000, 'laptop items')
      report(figure(SYSTEM, 'linked_device_items_s', seconds, 's'))
      await laptop.close()
    } catch (err) {
      log(`linked laptop failed: ${err.message}`)
      report(failed(SYSTEM, 'linked_device_items_s', 's'))
    }

    let connected = false
    try {
      const token = await owner.evaluate(() => window.kithHarness.deviceBenchInvite())
      await withTimeout(friend.evaluate(([t, a, tok]) => window.kithHarness.deviceBenchFriendJoin(t, a, tok), [trackers, address, token]), 60_000, 'friend join')
      await withTimeout(device.evaluate(() => window.kithHarness.deviceBenchFriendSynced(30_000)), 35_000, 'friend synced')
      await owner.evaluate(() => window.kithHarness.deviceBenchOwnerOffline())
      const seconds = await withTimeout(friend.evaluate((a) => window.kithHarness.deviceBenchFriendConnect(a), address), 60_000, 'connect via the server device')
      connected = true
      report(figure(SYSTEM, 'connect_s', seconds))
    } catch (err) {
      log(`friend via the server device failed: ${err.message}`)
      report(failed(SYSTEM, 'connect_s'))
    }

    // The session's opening starts the friend's sync of the owner's items;
    // the channel figures wait for it to end, as kith's client has none.
    if (connected) {
      try {
        const settled = await withTimeout(friend.evaluate((a) => window.kithHarness.deviceBenchFriendSettled(a, 120_000), address), 125_000, 'friend sync')
        log(`the friend's first sync through the server device: ${settled.items} items in ${settled.seconds.toFixed(1)} s, before the channel figures`)
      } catch (err) {
        log(`the friend's first sync did not end: ${err.message}; the channel figures are measured beside it`)
      }
    }

    await measureChannelFigures({
      system: SYSTEM, connected, report, log,
      roundTrips: (bytes, rounds) =>
        withTimeout(friend.evaluate(([b, r]) => window.kithHarness.deviceBenchRoundTrips(b, r), [bytes, rounds]), 60_000, `rpc ${bytes} B`),
      transferMs: async (bytes) => 1000 * await withTimeout(
        friend.evaluate(([b, t]) => window.kithHarness.deviceBenchTransfer(b, t), [bytes, 60_000]), 65_000, `transfer ${bytes} B`)
    })

    try {
      if (!connected) throw new Error('the friend never reached the server device')
      const seconds = await withTimeout(friend.evaluate((a) => window.kithHarness.deviceBenchFirstPage(a, 60_000), address), 65_000, 'first page')
      report(figure(SYSTEM, 'device_first_page_s', seconds, 's'))
    } catch (err) {
      log(`first page through the server device failed: ${err.message}`)
      report(failed(SYSTEM, 'device_first_page_s', 's'))
    }
  })
}
