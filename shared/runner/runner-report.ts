// What a page run by the headless runner (scripts/headless.mjs) tells it, as
// JSON posted to /__kith-runner/report every 2 s: the runner prints it and
// takes each post as a heartbeat. The runner checks every post against the
// bounds in runner-report-protocol.json (read by scripts/lib/headless/
// report.mjs too: the runner is plain Node and cannot import TypeScript) and
// refuses it whole otherwise; the page fits its report to them first
// (fitRunnerReport), so a long error message is cut, not lost.
import protocol from './runner-report-protocol.json'

export interface RunnerTrackerState { url: string, connected: boolean }

export interface RunnerReport {
  /** The address friends know this node by (the person's, once linked). */
  address: string | null
  /** While the device waits to be linked: the code to enter on a full device. */
  linkCode: string | null
  /** Shown on both screens while linking, for the owner to compare. */
  verificationCode: string | null
  deviceName: string | null
  trackers: RunnerTrackerState[]
  /** Friends (or, before linking lands, authenticated peers) online now. */
  friendsOnline: number
  /** One phrase: "up to date", "syncing 3 of 9", "not linked to other devices"… */
  sync: string
  lastError: string | null
}

export const RUNNER_REPORT_LIMITS: Readonly<typeof protocol.limits> = protocol.limits
/** Where the page posts its report. */
export const RUNNER_REPORT_PATH = protocol.path
/** The header carrying the runner's per-run token. */
export const RUNNER_TOKEN_HEADER = protocol.tokenHeader

// C0 and C1 control characters and DEL: the runner prints reports to a
// terminal, where they would be escape sequences.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

function fit (text: string, max: number): string {
  const clean = text.replace(CONTROL, ' ')
  return clean.length <= max ? clean : clean.slice(0, max - 1) + '…'
}

function fitOrNull (text: string | null, max: number): string | null {
  return text === null ? null : fit(text, max)
}

/** Cuts every field to the runner's bounds and drops control characters. */
export function fitRunnerReport (report: RunnerReport): RunnerReport {
  const L = RUNNER_REPORT_LIMITS
  return {
    address: fitOrNull(report.address, L.address),
    linkCode: fitOrNull(report.linkCode, L.linkCode),
    verificationCode: fitOrNull(report.verificationCode, L.verificationCode),
    deviceName: fitOrNull(report.deviceName, L.deviceName),
    trackers: report.trackers.slice(0, L.trackers).map((t) => ({ url: fit(t.url, L.trackerUrl), connected: t.connected })),
    friendsOnline: Math.max(0, Math.min(L.friendsOnline, Math.floor(report.friendsOnline) || 0)),
    sync: fit(report.sync, L.sync),
    lastError: fitOrNull(report.lastError, L.lastError)
  }
}
