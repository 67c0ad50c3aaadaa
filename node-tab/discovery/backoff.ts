// When to try a lost socket again (a tracker's, a relay's): soon after the
// first failure, then less and less often, never all at the same moment.

/**
 * Delay before the next attempt after `failures` failures in a row: an
 * exponentially growing ceiling with the delay drawn at random between the
 * minimum and that ceiling, so clients that lost the same tracker at the same
 * moment do not all come back at once.
 */
export function backoffDelay (failures: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(failures + 1, 30))
  const raw = random()
  const r = raw > 0 ? Math.min(raw, 1) : 0 // a bad random source (NaN, out of range) must not break the bounds
  return Math.round(minMs + r * (ceiling - minMs))
}
