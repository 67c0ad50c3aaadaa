// Kith with 250 friends on one node, the most a person may have. One owner
// test harness, the app's own node modules, no UI) and four friend pages,
// each holding ~63 friend nodes with identities and databases of their own.
// Friendships are written into both sides' stores, as an accepted invite
// leaves them (250 invites through the UI would not fit the budget); the
// swarms, dials, handshakes and RPCs are the real ones, over WebRTC and the
// local tracker. Figures:
//   node_sessions_max: the most authenticated sessions the owner held at
//     once while all 250 friends dialled it (its cap is 200);
//   rpc_p99_ms_10B_at_100_sessions (and p50): 10-byte pings while 100
//     sessions are open and every one pings every 100 ms;
//   node_memory_MB_at_100_sessions (and at 0): the owner page's JS heap;
//   tracker_msgs_per_min_250_friends: WebSocket messages per minute between
//     the owner and a second tracker that only it uses, counted by that
//     tracker, after the first announces (steady state).
import { readFileSync } from 'node:fs'
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import { failed, figure, percentile, sleep, withHarness, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'kith-scale'
export const EXPECTED_FIGURES = {
  node_sessions_max: 'sessions',
  rpc_p99_ms_10B_at_100_sessions: 'ms',
  node_memory_MB_at_100_sessions: 'MB',
  tracker_msgs_per_min_250_friends: 'msgs/min'
}

const FRIENDS = 250
const FRIEND_PAGES = 4
const BUSY_SESSIONS = 100
const BUSY_MS = 10_000
const BUSY_PAUSE_MS = 100
const ALONE_MS = 2_000
const CALM_PAUSE_MS = 1_000
/** Dials at once per friend page (the owner answers 24 pair offers at once). */
const DIALS_PER_PAGE = 3
/** The shortest re-announce interval the node accepts from a tracker (see
 *  tracker-client.ts): the most a tracker can make it send. */
const COUNTED_INTERVAL_MS = 30_000
/** Long enough for three re-announce rounds at that interval. */
const COUNT_WINDOW_MS = 90_000

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export function measure (ctx) {
  const { browser, config } = ctx
  return withHarness(ctx, async ({ open, report, out, log }) => {
    const counted = await startTracker({ intervalSec: COUNTED_INTERVAL_MS / 1000 })
    const dialTrackers = config.trackers
    try {
      const friendPages = []
      for (let p = 0; p < FRIEND_PAGES; p++) friendPages.push((await open(`kith-scale-friends-${p}`)).page)
      const perPage = Math.ceil(FRIENDS / FRIEND_PAGES)
      const started = performance.now()
      const keys = (await Promise.all(friendPages.map((page, p) =>
        withTimeout(page.evaluate(([t, n]) => window.kithHarness.scaleFriendsCreate(t, n), [dialTrackers, Math.min(perPage, FRIENDS - p * perPage)]), 150_000, 'friend nodes')))).flat()
      log(`${keys.length} friend nodes in ${FRIEND_PAGES} pages in ${((performance.now() - started) / 1000).toFixed(1)} s`)

      const renderersBefore = await rendererPids(browser)
      const ownerPerson = await open('kith-scale-owner')
      const owner = ownerPerson.page
      const ownerPid = await ownerRenderer(owner, [...await rendererPids(browser)].filter((pid) => !renderersBefore.has(pid)))
      if (ownerPid === null) log('could not tell which renderer process is the owner page’s: no process memory figures')
      const rendererMB = () => ownerPid === null ? null : rssMB(ownerPid)
      const mainThreadSeconds = async () => {
        const { metrics } = await cdp.send('Performance.getMetrics')
        return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN
      }
      const cdp = await ownerPerson.context.newCDPSession(owner)
      await cdp.send('Performance.enable')
      const heapMB = async () => {
        await cdp.send('HeapProfiler.collectGarbage')
        const { metrics } = await cdp.send('Performance.getMetrics')
        const get = (name) => metrics.find((m) => m.name === name)?.value ?? NaN
        return { used: get('JSHeapUsedSize') / 1e6, total: get('JSHeapTotalSize') / 1e6 }
      }

      const { address, swarms } = await withTimeout(owner.evaluate(([t, k]) => window.kithHarness.scaleOwner(t, k), [[...dialTrackers, counted.url], keys]), 60_000, 'owner')
      log(`owner sits in ${swarms} swarms on ${dialTrackers.length + 1} trackers`)
      // Steady state starts once the first announces are answered; counted
      // from half an interval on, so the window holds whole rounds.
      const joined = Date.now()
      while (counted.messages().sent < swarms && Date.now() - joined < 20_000) await sleep(50)
      const joinCost = counted.messages()
      log(`joining cost the counted tracker ${joinCost.received} messages in, ${joinCost.sent} out`)
      const countStart = Date.now() + COUNTED_INTERVAL_MS / 2
      let countFrom = null
      const startCounting = sleep(COUNTED_INTERVAL_MS / 2).then(() => { countFrom = { at: Date.now(), ...counted.messages() } })

      const idle = await heapMB()
      report(figure(SYSTEM, 'node_memory_MB_at_0_sessions', idle.used, 'MB'))
      const idleRss = rendererMB()
      if (idleRss !== null) report(figure(SYSTEM, 'node_renderer_MB_at_0_sessions', idleRss, 'MB'))

      await Promise.all(friendPages.map((page) => page.evaluate((a) => window.kithHarness.scaleFriendsBefriend(a), address)))
      // The next friend node of each page to dial: each page dials its share.
      const next = friendPages.map(() => 0)
      const connect = async (count) => {
        const t0 = performance.now()
        const results = await Promise.all(friendPages.map((page, p) => {
          const from = next[p]
          next[p] += Math.ceil(count / FRIEND_PAGES)
          return withTimeout(page.evaluate(([a, f, t, c]) => window.kithHarness.scaleFriendsConnect(a, f, t, c), [address, from, next[p], DIALS_PER_PAGE]), 120_000, 'dials')
        }))
        const opened = results.reduce((n, r) => n + r.opened, 0)
        const failedDials = results.reduce((n, r) => n + r.failed, 0)
        log(`${opened} dials opened, ${failedDials} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s${failedDials ? `: ${[...new Set(results.flatMap((r) => r.errors))].join('; ')}` : ''}`)
      }

      try {
        await connect(BUSY_SESSIONS)
        const before = await owner.evaluate(() => window.kithHarness.scaleOwnerSessions())
        log(`owner holds ${before.open} sessions`)
        if (before.open < BUSY_SESSIONS) throw new Error(`only ${before.open} of ${BUSY_SESSIONS} sessions opened`)
        // The same pings over one session alone, the others open but quiet: what
        // this machine gives a single session right now, to compare with.
        const alone = await friendPages[0].evaluate(([d, p]) => window.kithHarness.scaleFriendsBusy(d, p, 1), [ALONE_MS, 0])
        report(figure(SYSTEM, 'rpc_p99_ms_10B_at_1_of_100_sessions', alone.errors === 0 ? percentile(alone.times, 99) : null, 'ms'))
        const busyFrom = await mainThreadSeconds()
        const busy = await withTimeout(Promise.all(friendPages.map((page) => page.evaluate(([d, p]) => window.kithHarness.scaleFriendsBusy(d, p), [BUSY_MS, BUSY_PAUSE_MS]))), BUSY_MS + 30_000, 'busy sessions')
        const times = busy.flatMap((b) => b.times)
        const errors = busy.reduce((n, b) => n + b.errors, 0)
        const busyShare = (await mainThreadSeconds() - busyFrom) / (BUSY_MS / 1000)
        log(`${times.length} round trips over ${before.open} sessions in ${BUSY_MS / 1000} s (${errors} failed); the owner's main thread was busy ${(busyShare * 100).toFixed(0)}% of the time`)
        report(figure(SYSTEM, 'node_main_thread_pct_at_100_sessions', busyShare * 100, '%'))
        report(figure(SYSTEM, 'rpc_p50_ms_10B_at_100_sessions', percentile(times, 50), 'ms'))
        report(figure(SYSTEM, 'rpc_p99_ms_10B_at_100_sessions', errors === 0 ? percentile(times, 99) : null, 'ms'))
        // The same 100 sessions at the pace of people reading (a request a
        // second each): how much of the tail above is load.
        const calm = await withTimeout(Promise.all(friendPages.map((page) => page.evaluate(([d, p]) => window.kithHarness.scaleFriendsBusy(d, p), [BUSY_MS, CALM_PAUSE_MS]))), BUSY_MS + 30_000, 'calm sessions')
        const calmTimes = calm.flatMap((b) => b.times)
        log(`${calmTimes.length} round trips over ${before.open} sessions at one a second each`)
        report(figure(SYSTEM, 'rpc_p99_ms_10B_at_100_sessions_1_per_s', calm.every((b) => b.errors === 0) ? percentile(calmTimes, 99) : null, 'ms'))
        const at100 = await heapMB()
        log(`owner JS heap: ${idle.used.toFixed(1)} MB at 0 sessions, ${at100.used.toFixed(1)} MB at ${before.open} (${((at100.used - idle.used) * 1000 / before.open).toFixed(0)} kB a session); heap allocated ${at100.total.toFixed(1)} MB`)
        report(figure(SYSTEM, 'node_memory_MB_at_100_sessions', at100.used, 'MB'))
        const rss = rendererMB()
        if (rss !== null) {
          log(`owner renderer process: ${idleRss?.toFixed(0)} MB resident at 0 sessions, ${rss.toFixed(0)} MB at ${before.open}`)
          report(figure(SYSTEM, 'node_renderer_MB_at_100_sessions', rss, 'MB'))
        }
      } catch (err) {
        log(`100 sessions failed: ${err.message}`)
      }

      try {
        await connect(FRIENDS - BUSY_SESSIONS)
        // Sessions whose handshake just ended are still being weighed against the cap.
        await sleep(2_000)
        const after = await owner.evaluate(() => window.kithHarness.scaleOwnerSessions())
        const stillOpen = (await Promise.all(friendPages.map((page) => page.evaluate(() => window.kithHarness.scaleFriendsOpen())))).reduce((a, b) => a + b, 0)
        log(`all ${FRIENDS} friends dialled: owner holds ${after.open} (cap ${after.cap}), at most ${after.max}; friends see ${stillOpen} open${after.lastRejected ? `; owner says: ${after.lastRejected}` : ''}`)
        report(figure(SYSTEM, 'node_sessions_max', after.max, 'sessions'))
      } catch (err) {
        log(`250 friends failed: ${err.message}`)
      }

      await startCounting
      const wait = countStart + COUNT_WINDOW_MS - Date.now()
      if (wait > 0) await sleep(wait)
      const until = { at: Date.now(), ...counted.messages() }
      const minutes = (until.at - countFrom.at) / 60_000
      const received = until.received - countFrom.received
      const sent = until.sent - countFrom.sent
      log(`counted tracker, steady state over ${(minutes * 60).toFixed(0)} s at a ${COUNTED_INTERVAL_MS / 1000} s interval: ${received} messages in, ${sent} out`)
      report(figure(SYSTEM, 'tracker_msgs_per_min_250_friends', (received + sent) / minutes, 'msgs/min'))
    } catch (err) {
      log(`failed: ${err.stack ?? err.message}`)
      for (const [name, unit] of Object.entries(EXPECTED_FIGURES)) if (!out.some((f) => f.figure === name)) report(failed(SYSTEM, name, unit))
    } finally {
      await counted.close()
    }
  })
}

/** Process ids of the browser's renderers (one per browser context here). */
async function rendererPids (browser) {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo')
    return new Set(processInfo.filter((p) => p.type === 'renderer').map((p) => p.id))
  } catch {
    return new Set()
  } finally {
    await cdp.detach().catch(() => {})
  }
}

/** Resident memory of a process in MB (Linux), or null. */
function rssMB (pid) {
  try {
    const kB = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kB ? Number(kB) / 1000 : null
  } catch {
    return null
  }
}

/** Which of `candidates` (renderers that appeared with the owner's page;
 *  Chromium also starts a spare one ahead of the next page) is the owner
 *  page's: the one that grows when the page fills 64 MB, then frees it. */
async function ownerRenderer (page, candidates) {
  const before = new Map(candidates.map((pid) => [pid, rssMB(pid) ?? 0]))
  await page.evaluate(() => { globalThis.kithScaleProbe = new Uint8Array(64e6).fill(1) })
  const grown = candidates.filter((pid) => (rssMB(pid) ?? 0) - before.get(pid) > 48)
  await page.evaluate(() => { delete globalThis.kithScaleProbe })
  return grown.length === 1 ? grown[0] : null
}
