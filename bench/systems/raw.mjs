// The ceiling: a plain RTCDataChannel between two browser contexts, signalled
// through the same local tracker as the other systems (pages/raw.js); and
// plain IndexedDB (pages/idb.js), the anchor of Kith's storage figures.
import { randomBytes } from 'node:crypto'
import { CONNECTS, checkNoIceServers, closeAll, failed, figure, figureLog, measureChannelFigures, openPerson, openPersonOnDisk, percentile, withPair, withTimeout } from '../lib/index.mjs'

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
  await measureStorage({ browser, pagesUrl, log, report })
  return out
}

/** The storage anchors, each where the Kith figures it anchors are measured:
 *  a synced page's writes in a fresh (in-memory) context, as kith-device's
 *  pages are; a friend's page on disk, as the scoped queries are. */
async function measureStorage ({ browser, pagesUrl, log, report }) {
  const people = []
  const url = `${pagesUrl}/idb.html`
  const ready = (page) => page.waitForFunction(() => window.benchReady, null, { timeout: 10_000 })
  try {
    const memory = await openPerson(browser, url, { name: 'raw-idb', log })
    people.push(memory)
    await ready(memory.page)
    const puts = await withTimeout(memory.page.evaluate(() => window.bench.puts({ rows: 1000, transactions: 20 })), 60_000, 'idb puts')
    report(figure(SYSTEM, 'idb_put_ms_1000_rows', puts, 'ms'))
  } catch (err) {
    log(`idb puts failed: ${err.message}`)
    report(failed(SYSTEM, 'idb_put_ms_1000_rows', 'ms'))
  }
  try {
    const disk = await openPersonOnDisk(url, { name: 'raw-idb-disk', log, people })
    await ready(disk.page)
    const page = await withTimeout(disk.page.evaluate(() => window.bench.pages({ rows: 20_000, pages: 200, pageSize: 50 })), 120_000, 'idb pages')
    report(figure(SYSTEM, 'idb_page_ms_page50_on_disk', page, 'ms'))
  } catch (err) {
    log(`idb pages failed: ${err.message}`)
    report(failed(SYSTEM, 'idb_page_ms_page50_on_disk', 'ms'))
  } finally {
    await closeAll(people)
  }
}
