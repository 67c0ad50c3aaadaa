// Kith: person A runs the real app (dist/) as their server tab; person B is
// a scripted Kith client (the test harness page, same modules as the app)
// that dials A through the tracker, passes the handshake and makes RPCs.
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { SIZES, failed, figure, openPerson, percentile, rpcFigures, transferFigure, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'kith'
const RPC_PLAN = [{ size: '10B', rounds: 200 }, { size: '100kB', rounds: 100 }]
const TRANSFER_PLAN = ['1MB', '10MB']
const TRANSFER_RUNS = 3
const harnessRoot = fileURLToPath(new URL('../../dist-harness', import.meta.url))

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, appUrl, config, log, emit = () => {} }) {
  const out = []
  const report = (...figs) => { for (const f of figs) { out.push(f); emit(f) } }
  if (!appUrl || !existsSync(`${harnessRoot}/index.html`)) {
    log('dist/ or dist-harness/ missing: run `npm run bench` (it builds both)')
    return out
  }
  const harness = await startStaticServer({ root: harnessRoot, config })
  const server = await openPerson(browser, `${appUrl}/`, { name: 'kith-server', log, isolate: false })
  const client = await openPerson(browser, `${harness.url}/`, { name: 'kith-client', log })
  try {
    const addressLocator = server.page.getByTestId('my-address')
    await addressLocator.waitFor({ timeout: 15_000 })
    const address = (await addressLocator.textContent()).trim()
    // The server tab must be in its swarm before the clock starts, as with the others.
    await server.page.getByTestId('trackers-connected').filter({ hasText: /^1 of 1$/ }).waitFor({ timeout: 15_000 })
    await client.page.waitForFunction(() => window.kithHarness !== undefined, null, { timeout: 10_000 })

    let connected = false
    try {
      const seconds = await withTimeout(client.page.evaluate(([a, t]) => window.kithHarness.benchConnect(a, t), [address, config.trackers]), 30_000, 'kith connect')
      connected = true
      report(figure(SYSTEM, 'connect_s', seconds))
    } catch (err) {
      log(`connect failed: ${err.message}`)
      report(failed(SYSTEM, 'connect_s'))
    }

    for (const { size, rounds } of RPC_PLAN) {
      let samples = null
      if (connected) {
        try {
          await client.page.evaluate((b) => window.kithHarness.benchRoundTrips(b, 10), SIZES[size]) // warm-up
          samples = await withTimeout(client.page.evaluate(([b, r]) => window.kithHarness.benchRoundTrips(b, r), [SIZES[size], rounds]), 60_000, `kith rpc ${size}`)
        } catch (err) {
          log(`rpc ${size} failed: ${err.message}`)
        }
      }
      report(...rpcFigures(SYSTEM, size, samples))
    }

    // Same method as raw: one unmeasured 10 MB warm-up, then the median of runs.
    const transfer = (bytes) => withTimeout(client.page.evaluate(([b, t]) => window.kithHarness.benchTransfer(b, t), [bytes, 60_000]), 65_000, `kith transfer ${bytes} B`)
    if (connected) await transfer(SIZES['10MB']).catch((err) => log(`warm-up transfer failed: ${err.message}`))
    for (const size of TRANSFER_PLAN) {
      const times = []
      for (let i = 0; connected && i < TRANSFER_RUNS; i++) {
        try {
          times.push((await transfer(SIZES[size])) * 1000)
        } catch (err) {
          log(`transfer ${size} run ${i} failed: ${err.message}`)
          break
        }
      }
      report(transferFigure(SYSTEM, size, SIZES[size], times.length === TRANSFER_RUNS ? percentile(times, 50) : null))
    }
  } finally {
    await client.close()
    await server.close()
    await harness.close()
  }
  return out
}
