// Checks a report posted by the page (shared/runner/runner-report.ts has the type).
// It arrives over loopback with the run's token, but is treated as hostile
// all the same: only the known fields, each of its type and within its
// bound, no control characters (it is printed to a terminal); anything else
// is refused whole.
import { readFileSync } from 'node:fs'

// Shared with the page (shared/runner/runner-report.ts): the path, the token's
// header and every bound.
const protocol = JSON.parse(readFileSync(new URL('../../../shared/runner/runner-report-protocol.json', import.meta.url), 'utf8'))
export const REPORT_LIMITS = Object.freeze(protocol.limits)
export const REPORT_PATH = protocol.path
export const TOKEN_HEADER = protocol.tokenHeader

const FIELDS = ['address', 'linkCode', 'verificationCode', 'deviceName', 'trackers', 'friendsOnline', 'sync', 'lastError']
const NULLABLE = ['address', 'linkCode', 'verificationCode', 'deviceName', 'lastError']
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

export class ReportError extends Error {}

function isPlainObject (v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
}

function checkString (name, v, max) {
  if (typeof v !== 'string') throw new ReportError(`“${name}” must be a string.`)
  if (v.length > max) throw new ReportError(`“${name}” is longer than ${max} characters.`)
  if (CONTROL.test(v)) throw new ReportError(`“${name}” contains control characters.`)
  return v
}

function checkTrackers (v) {
  if (!Array.isArray(v)) throw new ReportError('“trackers” must be a list.')
  if (v.length > REPORT_LIMITS.trackers) throw new ReportError(`“trackers” has more than ${REPORT_LIMITS.trackers} entries.`)
  return v.map((t) => {
    if (!isPlainObject(t)) throw new ReportError('Each tracker must be an object {url, connected}.')
    const keys = Object.keys(t)
    if (keys.length !== 2 || !('url' in t) || !('connected' in t)) throw new ReportError('Each tracker must have exactly “url” and “connected”.')
    if (typeof t.connected !== 'boolean') throw new ReportError('A tracker’s “connected” must be true or false.')
    return { url: checkString('trackers[].url', t.url, REPORT_LIMITS.trackerUrl), connected: t.connected }
  })
}

/**
 * @param {unknown} input the parsed JSON body
 * @returns {import('../../../shared/runner/runner-report').RunnerReport}
 */
export function parseReport (input) {
  if (!isPlainObject(input)) throw new ReportError('A report must be a JSON object.')
  for (const key of Object.keys(input)) {
    if (!FIELDS.includes(key)) throw new ReportError(`Unknown field “${key.slice(0, 40)}”.`)
  }
  for (const key of FIELDS) {
    if (!(key in input)) throw new ReportError(`Missing field “${key}”.`)
  }
  const out = {}
  for (const key of NULLABLE) {
    out[key] = input[key] === null ? null : checkString(key, input[key], REPORT_LIMITS[key])
  }
  out.trackers = checkTrackers(input.trackers)
  const online = input.friendsOnline
  if (!Number.isInteger(online) || online < 0 || online > REPORT_LIMITS.friendsOnline) throw new ReportError('“friendsOnline” must be a whole number from 0.')
  out.friendsOnline = online
  out.sync = checkString('sync', input.sync, REPORT_LIMITS.sync)
  return /** @type {any} */ (out)
}

/** Parses a raw body (a Buffer or string) already bounded in size. */
export function parseReportBody (body) {
  let json
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'))
  } catch {
    throw new ReportError('The report is not JSON.')
  }
  return parseReport(json)
}
