// The round-trip and transfer figures measured the same way for every system
// that has a working channel (raw and Kith): RPC samples per size, then one
// unmeasured 10 MB warm-up (the first bulk send on a fresh SCTP association
// is erratic) and the median of `transferRuns` transfers per size.
import { SIZES } from './figures.mjs'
import { rpcFigures, transferFigure } from './report.mjs'
import { percentile } from './stats.mjs'

/**
 * @param {{ system: string, connected: boolean, report: (...f: object[]) => void, log: (...a: unknown[]) => void,
 *   rpcPlan: Array<{ size: '10B' | '100kB', rounds: number }>, transferPlan: Array<'1MB' | '10MB'>, transferRuns: number,
 *   roundTrips: (bytes: number, rounds: number) => Promise<number[]>, transferMs: (bytes: number) => Promise<number> }} opts
 */
export async function measureChannelFigures ({ system, connected, report, log, rpcPlan, transferPlan, transferRuns, roundTrips, transferMs }) {
  for (const { size, rounds } of rpcPlan) {
    let samples = null
    if (connected) {
      try {
        samples = await roundTrips(SIZES[size], rounds)
      } catch (err) {
        log(`rpc ${size} failed: ${err.message}`)
      }
    }
    report(...rpcFigures(system, size, samples))
  }
  if (connected) await transferMs(SIZES['10MB']).catch((err) => log(`warm-up transfer failed: ${err.message}`))
  for (const size of transferPlan) {
    const times = []
    for (let i = 0; connected && i < transferRuns; i++) {
      try {
        times.push(await transferMs(SIZES[size]))
      } catch (err) {
        log(`transfer ${size} run ${i} failed: ${err.message}`)
        break
      }
    }
    report(transferFigure(system, size, SIZES[size], times.length === transferRuns ? percentile(times, 50) : null))
  }
}
