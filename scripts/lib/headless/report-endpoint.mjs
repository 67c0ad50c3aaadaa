// POST /__kith-runner/report: where the page run by the headless runner posts
// its report. Only a request carrying this run's token is read (anything on
// the machine can reach loopback, and a web page in another browser could try
// to), the body is cut off past its bound, and the report is checked
// (report.mjs) before anyone sees it.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { REPORT_LIMITS, REPORT_PATH, TOKEN_HEADER, ReportError, parseReportBody } from './report.mjs'

/** A fresh secret for one run of the runner: 32 hex characters. */
export function newRunnerToken () {
  return randomBytes(16).toString('hex')
}

function sameToken (given, expected) {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function reply (res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close' })
  res.end(text)
}

/**
 * A request handler for startStaticServer's `handle` option.
 * @param {{ token: string, onReport: (report: import('../../../shared/runner/runner-report').RunnerReport) => void,
 *           maxBytes?: number }} opts
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL) => boolean}
 */
export function reportEndpoint ({ token, onReport, maxBytes = REPORT_LIMITS.bodyBytes }) {
  return (req, res, url) => {
    if (url.pathname !== REPORT_PATH) return false
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      reply(res, 405, 'POST only')
      return true
    }
    if (!sameToken(req.headers[TOKEN_HEADER], token)) {
      reply(res, 403, 'wrong token')
      req.resume()
      return true
    }
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > maxBytes) {
      reply(res, 413, 'too large')
      req.destroy()
      return true
    }
    const chunks = []
    let size = 0
    let done = false
    req.on('data', (chunk) => {
      if (done) return
      size += chunk.length
      if (size > maxBytes) {
        done = true
        reply(res, 413, 'too large')
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (done) return
      done = true
      let report
      try {
        report = parseReportBody(Buffer.concat(chunks))
      } catch (err) {
        reply(res, 400, err instanceof ReportError ? err.message : 'bad report')
        return
      }
      reply(res, 204, '')
      onReport(report)
    })
    req.on('error', () => { done = true })
    return true
  }
}
