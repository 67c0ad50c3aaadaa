// The round-trip and transfer figures measured the same way for every system
// that has a working channel (raw and Kith): RPC samples per size after
// unmeasured ones (see RPC_PLAN), then one unmeasured 10 MB warm-up (the
// first bulk send on a fresh SCTP association is erratic) and the median of
// TRANSFER_RUNS transfers per size.
import { SIZES } from './figures.mjs'
import { rpcFigures, transferFigure } from './report.mjs'
import { percentile } from './stats.mjs'

/** The same for every such system, so their figures compare. `warmup`:
 *  unmeasured round trips before the measured ones. Until V8 has optimised
 *  both sides' code a round trip costs more: after 10 warm-up rounds Kith's
 *  10-byte ping read 0.8–1.14 ms in four runs, after 200 or 2,000 it read
 *  0.65–0.72 in four (raw 0.43–0.59 either way: its code is a few lines). A
 *  node serving friends runs warm, so the figures are that steady state, for
 *  every system alike. The 100 kB round trips run the same code, by then warm. */
const RPC_PLAN = [{ size: '10B', rounds: 200, warmup: 2000 }, { size: '100kB', rounds: 100, warmup: 20 }]
const TRANSFER_PLAN = ['1MB', '10MB']
const TRANSFER_RUNS = 3

/**
 * @param {{ system: string, connected: boolean, report: (...f: object[]) => void, log: (...a: unknown[]) => void,
 *   roundTrips: (bytes: number, rounds: number) => Promise<number[]>, transferMs: (bytes: number) => Promise<number> }} opts
 */
export async function measureChannelFigures ({ system, connected, report, log, roundTrips, transferMs }) {
  for (const { size, rounds, warmup } of RPC_PLAN) {
    let samples = null
    if (connected) {
      try {
        await roundTrips(SIZES[size], warmup)
        samples = await roundTrips(SIZES[size], rounds)
      } catch (err) {
        log(`rpc ${size} failed: ${err.message}`)
      }
    }
    report(...rpcFigures(system, size, samples))
  }
  if (connected) await transferMs(SIZES['10MB']).then((ms) => log(`warm-up: the session's first 10 MB transfer took ${ms.toFixed(0)} ms`)).catch((err) => log(`warm-up transfer failed: ${err.message}`))
  for (const size of TRANSFER_PLAN) {
    const times = []
    for (let i = 0; connected && i < TRANSFER_RUNS; i++) {
      try {
        times.push(await transferMs(SIZES[size]))
      } catch (err) {
        log(`transfer ${size} run ${i} failed: ${err.message}`)
        break
      }
    }
    report(transferFigure(system, size, SIZES[size], times.length === TRANSFER_RUNS ? percentile(times, 50) : null))
  }
}
