// Polling in tests: waits until a condition holds; the timeout only turns a
// hang into a failure, it is not a measurement.
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function waitFor (cond: () => boolean | Promise<boolean>, timeoutMs = 5_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await sleep(everyMs)
  }
}
