// The page's side of the headless runner (scripts/headless.mjs): the runner
// opens the app at /?runner=<token>&device=<name>[&owner=<address>], and only such a page
// posts a report (shared/runner/runner-report.ts) to the runner every 2 s, and at
// once when something changed. The runner prints it and takes each post as
// a heartbeat: a page that stops posting is a hung browser, and is restarted.
// A page opened any other way has no token and never loads this module
// (runner-page.ts tells).
import type { KithNode } from '../../node-tab/node'
import type { LinkingState } from '../../shared/linking/linking-state'
import { RUNNER_REPORT_PATH, RUNNER_TOKEN_HEADER, fitRunnerReport, type RunnerReport } from '../../shared/runner/runner-report'
import { reportsOnHold, runnerPage, type RunnerPage } from './runner-page'

export { holdRunnerReports, runnerPage, type RunnerPage } from './runner-page'

export const REPORT_INTERVAL_MS = 2000
const POST_TIMEOUT_MS = 5000

export interface RunnerReports {
  /** Something in the report changed: post it now rather than in 2 s. */
  changed: () => void
  stop: () => void
}

export interface RunnerReportOptions {
  token: string
  intervalMs?: number
  fetchImpl?: typeof fetch
}

/** Posts getReport() every intervalMs and on changed(); one post at a time. */
export function startRunnerReports (getReport: () => RunnerReport | Promise<RunnerReport>, opts: RunnerReportOptions): RunnerReports {
  const fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init))
  let stopped = false
  let inFlight = false
  let again = false
  const post = async (): Promise<void> => {
    if (stopped || reportsOnHold()) return
    if (inFlight) { again = true; return }
    inFlight = true
    try {
      const report = fitRunnerReport(await getReport())
      await fetchImpl(RUNNER_REPORT_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [RUNNER_TOKEN_HEADER]: opts.token },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS)
      })
    } catch {
      // The runner is gone or busy: the next beat tries again, and a runner
      // that hears nothing restarts the browser.
    } finally {
      inFlight = false
    }
    if (again && !stopped) { again = false; void post() }
  }
  const timer = setInterval(() => void post(), opts.intervalMs ?? REPORT_INTERVAL_MS)
  void post()
  return {
    changed: () => void post(),
    stop: () => { stopped = true; clearInterval(timer) }
  }
}

/** A runner not yet linked: the code to enter on a full device. */
export function linkingReport (state: LinkingState, page: RunnerPage): RunnerReport {
  return {
    address: state.step === 'confirming' || state.step === 'linked' ? state.ownerAddress : null,
    linkCode: state.step === 'waiting' || state.step === 'confirming' ? state.codeText : null,
    verificationCode: state.step === 'confirming' ? state.verificationCode : null,
    deviceName: page.deviceName,
    trackers: [],
    friendsOnline: 0,
    sync: state.step === 'linked' ? 'linked, restarting as the person’s device' : 'waiting to be linked',
    lastError: state.step === 'failed' ? state.message : null
  }
}

/** What the node can say about itself today. */
export function nodeReport (node: KithNode, page: RunnerPage | null): RunnerReport {
  const status = node.status()
  return {
    address: node.address,
    linkCode: null,
    verificationCode: null,
    // The name it was approved with (its certificate's), not the one it asked for.
    deviceName: node.credentials?.certificate?.name ?? page?.deviceName ?? null,
    trackers: status.trackers.map((t) => ({ url: t.url, connected: t.state === 'open' })),
    friendsOnline: status.peers,
    sync: status.devices,
    lastError: node.lastRejected
  }
}

export interface NodeRunnerReports extends RunnerReports {
  /** Overrides fields of the node's report from now on (the link code while
   *  waiting to be linked, then the person's address and the sync state),
   *  and posts at once. A field set to its value again changes nothing. */
  update: (fields: Partial<RunnerReport>) => void
}

/** Reports the node's state to the runner, if the runner opened this page. */
export function startNodeReports (node: KithNode, page: RunnerPage | null = runnerPage()): NodeRunnerReports | null {
  if (!page) return null
  let overrides: Partial<RunnerReport> = {}
  const reports = startRunnerReports(() => ({ ...nodeReport(node, page), ...overrides }), { token: page.token })
  const onChange = (): void => reports.changed()
  node.addEventListener('change', onChange)
  return {
    changed: reports.changed,
    update: (fields) => { overrides = { ...overrides, ...fields }; reports.changed() },
    stop: () => { node.removeEventListener('change', onChange); reports.stop() }
  }
}

/** The app could not start: tell the runner why (and keep telling it, so it
 *  does not restart a browser that would fail the same way). */
export function reportBootFailure (message: string, page: RunnerPage | null = runnerPage()): RunnerReports | null {
  if (!page) return null
  return startRunnerReports(() => ({
    address: null, linkCode: null, verificationCode: null, deviceName: page.deviceName,
    trackers: [], friendsOnline: 0, sync: 'not started', lastError: message
  }), { token: page.token })
}
