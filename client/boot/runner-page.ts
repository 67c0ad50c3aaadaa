// Whether the headless runner (scripts/headless.mjs) opened this page, read
// from its URL, and the hold on its reports while a new version takes over.
// Apart from runner-report.ts, which only the runner's page loads (with
// import()): every start reads this, no other start needs the reports'
// code (the first screen's scripts, bench/README.md kith-app).

export interface RunnerPage {
  /** The runner's per-run secret, sent back with every report. */
  token: string
  /** The name given with --name (the host name by default). */
  deviceName: string | null
  /** --owner: the only address that may link this runner. */
  owner?: string
}

/** What the runner put in the page's URL, or null if the runner did not open it. */
export function runnerPage (search: string = typeof location === 'undefined' ? '' : location.search): RunnerPage | null {
  const params = new URLSearchParams(search)
  const token = params.get('runner')
  if (!token || !/^[0-9a-f]{32}$/.test(token)) return null
  const owner = params.get('owner')
  return { token, deviceName: params.get('device') || null, ...(owner ? { owner } : {}) }
}

/** Until then no report is posted (holdRunnerReports). */
let quietUntil = 0

/** No report for `ms` (0 lifts the hold): a new version is taking over this
 *  page (app-status.ts), and Chromium puts that off while the old version
 *  serves requests, which each report is. Shorter than the runner's hang
 *  limit (8 s). */
export function holdRunnerReports (ms: number): void {
  quietUntil = ms > 0 ? Date.now() + ms : 0
}

/** Whether reports are on hold now. */
export function reportsOnHold (): boolean {
  return Date.now() < quietUntil
}
