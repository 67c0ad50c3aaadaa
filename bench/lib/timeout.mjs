// Every wait in the benchmark is bounded: a page that never answers must turn
// into a failed figure, not a hung run.

export class TimeoutError extends Error {
  constructor (what, ms) {
    super(`${what} timed out after ${ms} ms`)
    this.name = 'TimeoutError'
  }
}

/**
 * Races `promise` against a timer. The losing promise is not cancelled (a
 * page.evaluate keeps running until its context closes), so callers close
 * their contexts in `finally`.
 * @template T
 * @param {Promise<T>|(() => Promise<T>)} promise
 * @param {number} ms
 * @param {string} [what]
 * @returns {Promise<T>}
 */
export function withTimeout (promise, ms, what = 'operation') {
  const p = typeof promise === 'function' ? promise() : promise
  let timer
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
