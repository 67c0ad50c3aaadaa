// The anchor: a stock Bugout server and client (npm bugout@0.0.13's own
// browser bundle, unmodified) in two browser contexts, through the local
// tracker (pages/bugout.js).
import { checkNoIceServers, failed, figure, figureLog, rpcFigures, SIZES, transferFigure, withPair, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'bugout'
// Bugout round trips take tens of ms, so fewer rounds than raw.
const RPC_PLAN = [{ size: '10B', rounds: 100 }, { size: '100kB', rounds: 50 }]
const TRANSFER_PLAN = ['1MB', '10MB']
const TRANSFER_TIMEOUT_MS = 60_000

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export async function measure ({ browser, trackerUrl, pagesUrl, log, emit }) {
  const { out, report } = figureLog(emit)
  const url = `${pagesUrl}/bugout.html`

  /** A Bugout server page and a connected client page; connectMs is from the client's start. */
  const withBugoutPair = (fn) => withPair(browser, url, log, async ({ server, client }) => {
    try {
      await Promise.all([server, client].map((p) => p.waitForFunction(() => window.benchReady, null, { timeout: 10_000 })))
      const { address } = await withTimeout(
        server.evaluate((a) => window.bench.serve(a), { trackerUrl, timeoutMs: 15_000 }), 20_000, 'Bugout serve')
      const { connectMs } = await withTimeout(
        client.evaluate((a) => window.bench.connect(a), { trackerUrl, address, timeoutMs: 20_000 }), 25_000, 'Bugout connect')
      return await fn({ server, client, connectMs })
    } finally {
      await checkNoIceServers({ server, client }, log)
      await Promise.all([client, server].map((p) => withTimeout(p.evaluate(() => window.bench.close()), 5_000).catch(() => {})))
    }
  })

  const transfer = async (client, size) => {
    try {
      const { ms } = await withTimeout(
        client.evaluate((a) => window.bench.transfer(a), { bytes: SIZES[size], timeoutMs: TRANSFER_TIMEOUT_MS }),
        TRANSFER_TIMEOUT_MS + 5_000, `Bugout transfer ${size}`)
      return ms
    } catch (err) {
      log(`transfer ${size} failed: ${firstLine(err)}`)
      return null
    }
  }

  const pending = new Set(TRANSFER_PLAN)
  try {
    await withBugoutPair(async ({ client, connectMs }) => {
      report(figure(SYSTEM, 'connect_s', connectMs / 1000))
      for (const { size, rounds } of RPC_PLAN) {
        let samples = null
        try {
          ;({ samples } = await withTimeout(
            client.evaluate((a) => window.bench.rpc(a), { bytes: SIZES[size], rounds, warmup: 3, timeoutMs: 10_000 }),
            90_000, `Bugout rpc ${size}`))
        } catch (err) {
          log(`rpc ${size} failed: ${firstLine(err)}`)
        }
        report(...rpcFigures(SYSTEM, size, samples))
      }
      // Bulk payloads go as one RPC each, on this connection while it lives.
      for (const size of TRANSFER_PLAN) {
        const { wires } = await client.evaluate(() => window.bench.status())
        if (wires === 0) break
        pending.delete(size)
        report(transferFigure(SYSTEM, size, SIZES[size], await transfer(client, size)))
      }
    })
  } catch (err) {
    log(`failed: ${firstLine(err)}`)
    for (const name of ['connect_s', 'rpc_p50_ms_10B', 'rpc_p99_ms_10B', 'rpc_p50_ms_100kB', 'rpc_p99_ms_100kB']) {
      if (!out.some((f) => f.figure === name)) report(failed(SYSTEM, name))
    }
  }

  // A payload over the data channel's max-message-size kills Bugout's wire
  // (WebTorrent 1 sends each message whole); give each remaining size a fresh
  // connection so one failure does not decide the next.
  for (const size of pending) {
    let ms = null
    try {
      ms = await withBugoutPair(({ client }) => transfer(client, size))
    } catch (err) {
      log(`fresh pair for transfer ${size} failed: ${firstLine(err)}`)
    }
    report(transferFigure(SYSTEM, size, SIZES[size], ms))
  }
  return out
}

function firstLine (err) {
  return String(err?.message ?? err).split('\n')[0]
}
