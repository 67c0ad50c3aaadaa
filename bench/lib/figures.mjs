// The figures every system reports, and how one is written down. Systems may
// return extra figure names (e.g. Kith-only ones); run.mjs stores whatever it
// is given, and fills these standard names with ok:false when a system fails.

/** @typedef {'raw'|'bugout'|'kith'|'kith-device'|'kith-app'} SystemName */
/** @typedef {'ms'|'s'|'MB/s'|'kB'} Unit */
/** @typedef {{ system: SystemName, figure: string, value: number|null, unit: Unit, ok: boolean }} Figure */

/** Standard figure name -> unit. */
export const STANDARD_FIGURES = Object.freeze({
  connect_s: 's',
  rpc_p50_ms_10B: 'ms',
  rpc_p99_ms_10B: 'ms',
  rpc_p50_ms_100kB: 'ms',
  rpc_p99_ms_100kB: 'ms',
  transfer_MBps_1MB: 'MB/s',
  transfer_MBps_10MB: 'MB/s'
})

/** connect_s is the median of this many connects from scratch, in raw and
 *  in kith alike: one connect varies by ±50 % from run to run on a busy
 *  machine, more than any difference the figure is there to show. */
export const CONNECTS = 5

/** Payload sizes behind the figure names (1 kB = 1000 B, 1 MB = 1e6 B). */
export const SIZES = Object.freeze({ '10B': 10, '100kB': 100_000, '1MB': 1_000_000, '10MB': 10_000_000 })

/**
 * Makes a figure. A null, undefined or non-finite value is a failed figure
 * (ok:false, value:null), whatever `ok` says.
 * @param {SystemName} system
 * @param {string} name
 * @param {number|null|undefined} value
 * @param {Unit} [unit] defaults to the standard unit for `name`
 * @param {boolean} [ok]
 * @returns {Figure}
 */
export function figure (system, name, value, unit, ok = true) {
  const u = unit ?? STANDARD_FIGURES[/** @type {keyof typeof STANDARD_FIGURES} */ (name)]
  if (!u) throw new Error(`figure ${name}: no unit given and not a standard figure`)
  const good = ok && typeof value === 'number' && Number.isFinite(value)
  return { system, figure: name, value: good ? round(/** @type {number} */ (value)) : null, unit: u, ok: good }
}

/** A failed figure: value null, ok false. */
export function failed (system, name, unit) {
  return figure(system, name, null, unit, false)
}

/** Keeps 4 significant decimals without turning 0.0001 ms into 0. */
function round (v) {
  return Number(v.toPrecision(6))
}

/** Bytes over milliseconds, in MB/s (1 MB = 1e6 bytes). */
export function mbps (bytes, ms) {
  return ms > 0 ? (bytes / 1e6) / (ms / 1000) : null
}
