// The ceiling: a plain RTCDataChannel between two browser contexts, signalled
// through the same local tracker as the other systems (pages/raw.js).
import { randomBytes } from 'node:crypto'
import { CONNECTS, checkNoIceServers, failed, figure, figureLog, measureChannelFigures, percentile, withPair, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'raw'

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, trackerUrl, pagesUrl, log, emit }) {
  const { out, report } = figureLog(emit)
  // A fresh swarm name per run, as 20 binary chars like a real info_hash.
  const infoHash = randomBytes(20).toString('latin1')

  await withPair(browser, `${pagesUrl}/raw.html`, log, async ({ server, client }) => {
    await Promise.all([server, client].map((p) => p.waitForFunction(() => window.benchReady, null, { timeout: 10_000 })))
    await withTimeout(server.evaluate((a) => window.bench.serve(a), { trackerUrl, infoHash }), 15_000, 'raw serve')

    let connected = false
    try {
      const samples = []
      for (let i = 0; i < CONNECTS; i++) {
        const { connectMs } = await withTimeout(
          client.evaluate((a) => window.bench.connect(a), { trackerUrl, infoHash, timeoutMs: 20_000 }),
          25_000, 'raw connect')
        samples.push(connectMs / 1000)
      }
      connected = true
      log(`connect_s samples: ${samples.map((s) => s.toFixed(3)).join(' ')}`)
      report(figure(SYSTEM, 'connect_s', percentile(samples, 50)))
    } catch (err) {
      log(`connect failed: ${err.message}`)
      report(failed(SYSTEM, 'connect_s'))
    }

    await measureChannelFigures({
      system: SYSTEM, connected, report, log,
      roundTrips: async (bytes, rounds) => (await withTimeout(
        client.evaluate((a) => window.bench.rpc(a), { bytes, rounds, warmup: 10, timeoutMs: 10_000 }), 60_000, `raw rpc ${bytes} B`)).samples,
      transferMs: async (bytes) => (await withTimeout(
        client.evaluate((a) => window.bench.transfer(a), { bytes, timeoutMs: 60_000 }), 65_000, `raw transfer ${bytes} B`)).ms
    })

    await checkNoIceServers({ server, client }, log)
    await Promise.all([server, client].map((p) => p.evaluate(() => window.bench.close()).catch(() => {})))
  })
  return out
}
