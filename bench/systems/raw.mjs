// The ceiling: a plain RTCDataChannel between two browser contexts, signalled
// through the same local tracker as the other systems (pages/raw.js).
import { randomBytes } from 'node:crypto'
import { SIZES, checkNoIceServers, failed, figure, percentile, rpcFigures, transferFigure, withPair, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'raw'
const RPC_PLAN = [{ size: '10B', rounds: 200 }, { size: '100kB', rounds: 100 }]
const TRANSFER_PLAN = ['1MB', '10MB']
const TRANSFER_RUNS = 3

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, trackerUrl, pagesUrl, log, emit = () => {} }) {
  const out = []
  const report = (...figs) => { for (const f of figs) { out.push(f); emit(f) } }
  // A fresh swarm name per run, as 20 binary chars like a real info_hash.
  const infoHash = randomBytes(20).toString('latin1')

  await withPair(browser, `${pagesUrl}/raw.html`, log, async ({ server, client }) => {
    await Promise.all([server, client].map((p) => p.waitForFunction(() => window.benchReady, null, { timeout: 10_000 })))
    await withTimeout(server.evaluate((a) => window.bench.serve(a), { trackerUrl, infoHash }), 15_000, 'raw serve')

    let connected = false
    try {
      const { connectMs } = await withTimeout(
        client.evaluate((a) => window.bench.connect(a), { trackerUrl, infoHash, timeoutMs: 20_000 }),
        25_000, 'raw connect')
      connected = true
      report(figure(SYSTEM, 'connect_s', connectMs / 1000))
    } catch (err) {
      log(`connect failed: ${err.message}`)
      report(failed(SYSTEM, 'connect_s'))
    }

    for (const { size, rounds } of RPC_PLAN) {
      let samples = null
      if (connected) {
        try {
          ;({ samples } = await withTimeout(
            client.evaluate((a) => window.bench.rpc(a), { bytes: SIZES[size], rounds, warmup: 10, timeoutMs: 10_000 }),
            60_000, `raw rpc ${size}`))
        } catch (err) {
          log(`rpc ${size} failed: ${err.message}`)
        }
      }
      report(...rpcFigures(SYSTEM, size, samples))
    }

    // Transfers: one unmeasured 10 MB warm-up (the first bulk send on a fresh
    // SCTP association is erratic), then the median of TRANSFER_RUNS runs.
    const transfer = (bytes) => withTimeout(
      client.evaluate((a) => window.bench.transfer(a), { bytes, timeoutMs: 60_000 }), 65_000, `raw transfer ${bytes} B`)
    if (connected) await transfer(SIZES['10MB']).catch((err) => log(`warm-up transfer failed: ${err.message}`))
    for (const size of TRANSFER_PLAN) {
      const times = []
      for (let i = 0; connected && i < TRANSFER_RUNS; i++) {
        try {
          times.push((await transfer(SIZES[size])).ms)
        } catch (err) {
          log(`transfer ${size} run ${i} failed: ${err.message}`)
          break
        }
      }
      report(transferFigure(SYSTEM, size, SIZES[size], times.length === TRANSFER_RUNS ? percentile(times, 50) : null))
    }

    await checkNoIceServers({ server, client }, log)
    await Promise.all([server, client].map((p) => p.evaluate(() => window.bench.close()).catch(() => {})))
  })
  return out
}
