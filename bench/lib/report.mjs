// Turns page-side measurements into figures, the same way for every system.
import { figure, failed, mbps } from './figures.mjs'
import { percentile } from './stats.mjs'

/**
 * rpc_p50_ms_<size>, rpc_p99_ms_<size> from round-trip samples in ms.
 * @param {import('./figures.mjs').SystemName} system
 * @param {string} sizeLabel '10B' | '100kB'
 * @param {number[]|null} samples null when the run failed
 */
export function rpcFigures (system, sizeLabel, samples) {
  const names = [`rpc_p50_ms_${sizeLabel}`, `rpc_p99_ms_${sizeLabel}`]
  if (!samples || samples.length === 0) return names.map((n) => failed(system, n, 'ms'))
  return [
    figure(system, names[0], percentile(samples, 50), 'ms'),
    figure(system, names[1], percentile(samples, 99), 'ms')
  ]
}

/**
 * transfer_MBps_<size> from bytes moved and the time it took.
 * @param {import('./figures.mjs').SystemName} system
 * @param {string} sizeLabel '1MB' | '10MB'
 * @param {number} bytes
 * @param {number|null} ms null when the transfer failed
 */
export function transferFigure (system, sizeLabel, bytes, ms) {
  const name = `transfer_MBps_${sizeLabel}`
  return ms == null ? failed(system, name, 'MB/s') : figure(system, name, mbps(bytes, ms), 'MB/s')
}

/**
 * What a system's measure() reports: `report` prints each figure at once
 * (ctx.emit) and keeps it in `out`, which measure() returns.
 * @param {(f: import('./figures.mjs').Figure) => void} emit
 */
export function figureLog (emit = () => {}) {
  /** @type {import('./figures.mjs').Figure[]} */
  const out = []
  const report = (...figs) => { for (const f of figs) { out.push(f); emit(f) } }
  return { out, report }
}
