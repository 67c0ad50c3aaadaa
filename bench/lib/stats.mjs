// Percentiles of round-trip samples. Nearest-rank on the sorted samples, so
// p99 of 100 samples is the 99th smallest one, and every reported value is a
// time that was actually measured.

/**
 * @param {number[]} samples
 * @param {number} p in [0, 100]
 * @returns {number|null} null when there are no samples
 */
export function percentile (samples, p) {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (xs.length === 0) return null
  const rank = Math.ceil((p / 100) * xs.length)
  return xs[Math.min(xs.length, Math.max(1, rank)) - 1] ?? null
}

/** @param {number[]} samples */
export function summarize (samples) {
  return {
    n: samples.length,
    min: percentile(samples, 0),
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: percentile(samples, 100)
  }
}
