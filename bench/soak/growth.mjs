// How much the runner grew: the median of the samples in the run's last
// window minus the median of those at the end of the warm-up. Medians, since
// one sample may catch a file download's buffers or a GC that came late.

/** @param {number[]} xs */
export function median (xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return null
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/**
 * The windows for a run of `runS` seconds with `warmupS` of warm-up: the
 * last five minutes (at most half of what follows the warm-up, so a short
 * trial run keeps the two apart) and the last two minutes of the warm-up.
 * @param {number} runS
 * @param {number} warmupS
 */
export function windows (runS, warmupS) {
  const lastS = Math.min(300, (runS - warmupS) / 2)
  const baseS = Math.min(120, warmupS)
  return { base: [warmupS - baseS, warmupS], last: [runS - lastS, runS] }
}

/**
 * @param {Array<{ t: number } & Record<string, number>>} samples t in seconds since the start
 * @param {string} key which measurement
 * @param {{ base: number[], last: number[] }} w from windows()
 * @returns {{ base: number|null, last: number|null, growth: number|null }}
 */
export function growth (samples, key, w) {
  const inside = ([from, to]) => samples.filter((s) => s.t >= from && s.t <= to).map((s) => s[key])
  const base = median(inside(w.base))
  const last = median(inside(w.last))
  return { base, last, growth: base === null || last === null ? null : last - base }
}
