#!/usr/bin/env node
// The always-on soak run (issue 18, item 5): the headless runner, linked as
// the owner's server device, serving 20 friends alone for 30 minutes; each
// friend syncs every 10 s and fetches a 4 MiB file every minute, through the
// real protocol (WebRTC through the run's own tracker). At a third of the run
// the owner comes back and deletes items (delete notices to all 20), at two
// thirds it makes many small changes (live hints to all 20). The runner's
// page is sampled every 30 s: JS heap after a full GC, and its renderer's
// resident memory. Growth is the median of the last five minutes minus the
// median at the end of the warm-up (growth.mjs); both figures are merged
// into bench/results.json (system kith-soak).
//
// Usage (inside the private network namespace, see `npm run soak`):
//   node scripts/in-private-network.mjs node bench/soak/soak.mjs [--minutes 30] [--warmup 5] [--snapshots <dir>]
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { launchChromium } from '../../scripts/lib/chromium.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import { closeAll, openHarnessPerson, sleep, withTimeout } from '../lib/index.mjs'
import { growth, windows } from './growth.mjs'
import { mergeIntoResults } from './results.mjs'
import { startRunner } from './runner-process.mjs'
import { runnerMemory } from './runner-memory.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../..')
const RESULTS = path.join(ROOT, 'bench/results.json')
const SYSTEM = 'kith-soak'

const FRIENDS = 20
const FRIEND_PAGES = 2
const NOTES = 300
const FILE_BYTES = 4 * 1024 * 1024
const SYNC_MS = 10_000
const FETCH_MS = 60_000
const SAMPLE_MS = 30_000
const DELETES = 20
const STORM_EDITS = 200
/** How long the owner stays when it comes back: its server device pulls meanwhile. */
const OWNER_STAYS_MS = 60_000
const TARGETS = { rss: 10, heap: 2 }

const log = (...args) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}]`, ...args)

const { values: argv } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' }, snapshots: { type: 'string' } } })
const runS = Number(argv.minutes) * 60
const warmupS = Number(argv.warmup) * 60
if (!(runS > 0) || !(warmupS > 0) || warmupS >= runS) {
  console.error('usage: soak.mjs [--minutes N (default 30)] [--warmup M (default 5, less than N)] [--snapshots <dir>]')
  process.exit(2)
}
if (process.env.KITH_PRIVATE_NETWORK !== '1') log('note: not inside the private network namespace (use `npm run soak`); relying on local-only configuration')

let tracker, harness, browser, runner, memory
const people = []
let exitCode = 0
try {
  tracker = await startTracker({ strict: true })
  const config = { trackers: [tracker.url], relays: [], iceServers: [] }
  const trackers = config.trackers
  harness = await startStaticServer({ root: path.join(ROOT, 'dist-harness'), config })
  browser = await launchChromium()
  runner = await startRunner({ tracker: tracker.url, log })
  log(`tracker ${tracker.url}, harness ${harness.url}, runner ${runner.origin}, chromium ${browser.version()}`)

  // The owner's full device: notes and a file for friends; links the runner.
  const owner = (await openHarnessPerson(browser, harness.url, { name: 'owner', log, people })).page
  const { address, fileId } = await withTimeout(owner.evaluate(([t, n, b]) => window.kithHarness.soakOwner(t, n, b), [trackers, NOTES, FILE_BYTES]), 120_000, 'owner')
  const code = await runner.waitForLine(/^ {2}kith-link-\S+$/, 0, 90_000)
  await withTimeout(owner.evaluate((c) => window.kithHarness.soakApproveRunner(c), code.line.trim()), 90_000, 'linking the runner')
  await runner.waitForLine(/ linked as /, code.index, 90_000)
  log('the runner is linked as the owner’s server device')

  // Friends, by invite through the owner's full device; then the owner goes.
  const tokens = await owner.evaluate((n) => window.kithHarness.soakInvites(n), FRIENDS)
  const friendPages = []
  for (let p = 0; p < FRIEND_PAGES; p++) friendPages.push((await openHarnessPerson(browser, harness.url, { name: `friends-${p}`, log, people })).page)
  const perPage = Math.ceil(FRIENDS / FRIEND_PAGES)
  const joins = await withTimeout(Promise.all(friendPages.map((page, p) => page.evaluate(([t, a, tok]) => window.kithHarness.soakFriendsJoin(t, a, tok), [trackers, address, tokens.slice(p * perPage, (p + 1) * perPage)]))), 300_000, 'friends joining')
  const joined = joins.reduce((n, j) => n + j.joined, 0)
  log(`${joined} of ${FRIENDS} friends joined${joined < FRIENDS ? `: ${joins.flatMap((j) => j.errors).slice(0, 3).join('; ')}` : ''}`)
  // The owner stays until its server device has pulled every friendship
  // (with the secret to meet each friend): then the runner serves alone.
  memory = runnerMemory({ profileDir: runner.profileDir, appOrigin: runner.origin, log })
  const pulledFrom = Date.now()
  let known = 0
  while ((known = await memory.friendsItCanMeet()) < joined && Date.now() - pulledFrom < 120_000) await sleep(1_000)
  log(`the runner can meet ${known} of ${joined} friends (${((Date.now() - pulledFrom) / 1000).toFixed(0)} s after they joined)`)
  await owner.evaluate(() => window.kithHarness.soakOwnerAway())
  const reached = (await withTimeout(Promise.all(friendPages.map((page) => page.evaluate((a) => window.kithHarness.soakFriendsReachRunner(a, 180_000), address))), 200_000, 'friends reaching the runner')).reduce((a, b) => a + b, 0)
  log(`${reached} of ${joined} friends reached the runner with the owner’s full device gone`)
  if (reached === 0) throw new Error('no friend reached the runner: nothing to soak')

  const restartsBefore = runner.restarts()
  await Promise.all(friendPages.map((page) => page.evaluate(([a, id, b, s, f]) => window.kithHarness.soakFriendsStart(a, id, b, s, f), [address, fileId, FILE_BYTES, SYNC_MS, FETCH_MS])))
  const t0 = Date.now()
  const elapsedS = () => (Date.now() - t0) / 1000
  log(`${joined} friends (${reached} reached the runner so far) sync every ${SYNC_MS / 1000} s and fetch the ${FILE_BYTES / 1024 / 1024} MiB file every ${FETCH_MS / 1000} s, for ${runS / 60} min (warm-up ${warmupS / 60} min)`)

  const friendStats = async () => {
    const all = await Promise.all(friendPages.map((page) => page.evaluate(() => window.kithHarness.soakFriendsStats())))
    const sum = (k) => all.reduce((n, s) => n + s[k], 0)
    return { syncs: sum('syncs'), syncErrors: sum('syncErrors'), fetches: sum('fetches'), fetchErrors: sum('fetchErrors'), lastErrors: all.flatMap((s) => s.lastErrors).slice(0, 3) }
  }
  const untilAll = async (what, check, timeoutMs) => {
    const from = Date.now()
    for (;;) {
      const left = await check()
      if (left === 0) { log(`${what}: every friend, ${((Date.now() - from) / 1000).toFixed(0)} s after the owner left`); return }
      if (Date.now() - from > timeoutMs) { log(`${what}: ${left} friend(s) still not after ${timeoutMs / 1000} s`); return }
      await sleep(2_000)
    }
  }
  const sum = (xs) => xs.reduce((a, b) => a + b, 0)
  // The owner's visits, while the friends go on: a third in, deletions; two thirds in, the storm.
  const visits = (async () => {
    await sleep(t0 + (runS / 3) * 1000 - Date.now())
    log(`the owner is back and deletes ${DELETES} notes`)
    const deleted = await owner.evaluate(([t, n, ms]) => window.kithHarness.soakOwnerDeletes(t, n, ms), [trackers, DELETES, OWNER_STAYS_MS])
    await owner.evaluate(() => window.kithHarness.soakOwnerAway())
    await untilAll('deleted notes gone from the caches', async () => sum(await Promise.all(friendPages.map((page) => page.evaluate(([a, ids]) => window.kithHarness.soakFriendsHolding(a, ids), [address, deleted])))), 120_000)
    await sleep(t0 + (2 * runS / 3) * 1000 - Date.now())
    log(`the owner is back and edits ${STORM_EDITS} notes one after another (a hint storm)`)
    const marker = await owner.evaluate(([t, n, ms]) => window.kithHarness.soakOwnerHintStorm(t, n, ms), [trackers, STORM_EDITS, OWNER_STAYS_MS])
    await owner.evaluate(() => window.kithHarness.soakOwnerAway())
    await untilAll('the note after the storm in the caches', async () => sum(await Promise.all(friendPages.map((page) => page.evaluate(([a, id]) => window.kithHarness.soakFriendsLacking(a, id), [address, marker])))), 120_000)
  })().catch((err) => log(`an owner visit failed: ${err.message}`))

  const samples = []
  let snapshotTaken = false
  if (argv.snapshots) mkdirSync(argv.snapshots, { recursive: true })
  const snapshot = async (name) => {
    const file = path.join(argv.snapshots, `runner-${name}.heapsnapshot`)
    await memory.snapshot(file).then(() => log(`heap snapshot: ${file}`), (err) => log(`heap snapshot ${name} failed: ${err.message}`))
  }
  for (let next = 0; next <= runS; next += SAMPLE_MS / 1000) {
    await sleep(t0 + next * 1000 - Date.now())
    try {
      const s = { t: Math.round(elapsedS()), ...await memory.sample() }
      samples.push(s)
      const line = `t=${String(s.t).padStart(4)} s  heap ${s.heapMB.toFixed(2)} MB (of ${s.heapTotalMB.toFixed(1)})  renderer RSS ${s.rssMB.toFixed(1)} MB`
      if (next % 120 === 0) {
        const f = await friendStats()
        log(`${line}  · friends: ${f.syncs} syncs (${f.syncErrors} failed), ${f.fetches} fetches (${f.fetchErrors} failed)${f.lastErrors.length ? `; last: ${f.lastErrors.join('; ')}` : ''}`)
      } else {
        log(line)
      }
    } catch (err) {
      log(`sample at ${next} s failed: ${err.message}`)
    }
    if (argv.snapshots && !snapshotTaken && next >= warmupS) { snapshotTaken = true; await snapshot('end-of-warmup') }
  }
  await Promise.all(friendPages.map((page) => page.evaluate(() => window.kithHarness.soakFriendsStop())))
  if (argv.snapshots) await snapshot('end')
  await visits

  const stats = await friendStats()
  const samplesFile = path.join(tmpdir(), `kith-soak-samples-${t0}.json`)
  writeFileSync(samplesFile, JSON.stringify(samples, null, 1))
  log(`every sample: ${samplesFile}`)
  const restarts = runner.restarts() - restartsBefore
  const w = windows(runS, warmupS)
  const rss = growth(samples, 'rssMB', w)
  const heap = growth(samples, 'heapMB', w)
  // Figures from a run where the load did not happen, or the runner's
  // Chromium was restarted (its memory started again), say nothing.
  const expectedSyncs = joined * (runS * 1000 / SYNC_MS) * 0.5
  const expectedFetches = joined * (runS * 1000 / FETCH_MS) * 0.5
  const loadRan = stats.syncs >= expectedSyncs && stats.fetches >= expectedFetches && restarts === 0
  if (!loadRan) log(`the load did not run as planned (${stats.syncs} syncs, ${stats.fetches} fetches, at least ${expectedSyncs} and ${expectedFetches} expected; ${restarts} Chromium restarts): the figures are not ok`)
  const fig = (name, g, target) => {
    const good = g.growth !== null && Number.isFinite(g.growth)
    return { system: SYSTEM, figure: name, value: good ? Number(g.growth.toPrecision(4)) : null, unit: 'MB', ok: good && loadRan && g.growth <= target }
  }
  const figures = [fig('runner_rss_growth_MB_30min', rss, TARGETS.rss), fig('runner_heap_growth_MB_30min', heap, TARGETS.heap)]
  for (const f of figures) process.stdout.write(JSON.stringify(f) + '\n')

  const short = runS !== 30 * 60 || warmupS !== 5 * 60
  const mb = (x) => x === null ? '—' : x.toFixed(2)
  console.log(`
kith-soak: ${runS / 60} min, warm-up ${warmupS / 60} min${short ? ' (a short run: the figures are named for the 30-minute one)' : ''}
${joined} friends: ${stats.syncs} syncs (${stats.syncErrors} failed), ${stats.fetches} file fetches (${stats.fetchErrors} failed); runner Chromium restarts: ${restarts}
baseline: samples ${w.base[0]}–${w.base[1]} s; last: ${w.last[0]}–${w.last[1]} s (${samples.length} samples, every ${SAMPLE_MS / 1000} s)

| figure                        | baseline MB | last MB | growth MB | target  | ok    |
|-------------------------------|-------------|---------|-----------|---------|-------|
| runner_rss_growth_MB_30min    | ${mb(rss.base).padStart(11)} | ${mb(rss.last).padStart(7)} | ${mb(rss.growth).padStart(9)} | ≤ ${TARGETS.rss} MB | ${String(figures[0].ok).padEnd(5)} |
| runner_heap_growth_MB_30min   | ${mb(heap.base).padStart(11)} | ${mb(heap.last).padStart(7)} | ${mb(heap.growth).padStart(9)} | ≤ ${TARGETS.heap} MB  | ${String(figures[1].ok).padEnd(5)} |
`)
  await mergeIntoResults(RESULTS, figures)
  log(`merged the two figures into ${path.relative(ROOT, RESULTS)}${short ? ' (from a short run: do not commit it)' : ''}`)
} catch (err) {
  log(`failed: ${err?.stack ?? err}`)
  exitCode = 1
} finally {
  memory?.close()
  await closeAll(people).catch(() => {})
  await withTimeout(Promise.resolve(browser?.close()), 15_000, 'closing Chromium').catch((e) => log(e.message))
  await runner?.stop().catch((e) => log(e.message))
  await Promise.all([harness, tracker].map((s) => s?.close())).catch((e) => log(e.message))
  if (tracker?.violations.length) log(`strict tracker violations (${tracker.violations.length}):\n  ${tracker.violations.join('\n  ')}`)
}
process.exit(exitCode)
