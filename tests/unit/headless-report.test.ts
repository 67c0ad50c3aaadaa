// Reports posted by the page to the runner are hostile input: the parser
// takes only the known fields within their bounds, and the endpoint reads a
// body only with the run's token and only up to 16 KiB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPORT_LIMITS, REPORT_PATH, TOKEN_HEADER, ReportError, parseReport, parseReportBody } from '../../scripts/lib/headless/report.mjs'
import { refusalMessage } from './refusal'
import { newRunnerToken, reportEndpoint } from '../../scripts/lib/headless/report-endpoint.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { RUNNER_REPORT_LIMITS, RUNNER_REPORT_PATH, RUNNER_TOKEN_HEADER, fitRunnerReport, type RunnerReport } from '../../shared/runner/runner-report'

const good: RunnerReport = {
  address: '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH',
  linkCode: null,
  verificationCode: null,
  deviceName: 'pi',
  trackers: [{ url: 'ws://127.0.0.1:9102', connected: true }],
  friendsOnline: 2,
  sync: 'up to date',
  lastError: null
}

function refused (input: unknown): string {
  return refusalMessage(() => parseReport(input), ReportError)
}

describe('the runner report parser', () => {
  it('accepts a well-formed report and returns only its fields', () => {
    expect(parseReport(JSON.parse(JSON.stringify(good)))).toEqual(good)
    expect(parseReport({ ...good, linkCode: 'kith-link-abc', verificationCode: '123456', address: null })).toMatchObject({ linkCode: 'kith-link-abc' })
  })

  it('refuses junk, missing or extra fields and wrong types', () => {
    expect(refused(null)).toMatch(/JSON object/)
    expect(refused([good])).toMatch(/JSON object/)
    expect(refused('report')).toMatch(/JSON object/)
    expect(refused({ ...good, extra: 1 })).toMatch(/Unknown field “extra”/)
    expect(refused({ ...good, __proto__: { x: 1 } })).toMatch(/JSON object/)
    expect(refused(JSON.parse(JSON.stringify(good).replace('{', '{"__proto__":{"sync":"x"},')))).toMatch(/Unknown field “__proto__”/)
    const { sync: _sync, ...noSync } = good
    expect(refused(noSync)).toMatch(/Missing field “sync”/)
    expect(refused({ ...good, address: 42 })).toMatch(/“address” must be a string/)
    expect(refused({ ...good, friendsOnline: -1 })).toMatch(/whole number/)
    expect(refused({ ...good, friendsOnline: 1.5 })).toMatch(/whole number/)
    expect(refused({ ...good, friendsOnline: '3' })).toMatch(/whole number/)
    expect(refused({ ...good, trackers: {} })).toMatch(/must be a list/)
    expect(refused({ ...good, trackers: [{ url: 'x', connected: 'yes' }] })).toMatch(/true or false/)
    expect(refused({ ...good, trackers: [{ url: 'x', connected: true, extra: 1 }] })).toMatch(/exactly “url” and “connected”/)
    expect(() => parseReportBody('{not json')).toThrow(/not JSON/)
  })

  it('refuses oversized fields and control characters (it is printed to a terminal)', () => {
    expect(refused({ ...good, lastError: 'x'.repeat(REPORT_LIMITS.lastError + 1) })).toMatch(/longer than 300/)
    expect(refused({ ...good, linkCode: 'k'.repeat(REPORT_LIMITS.linkCode + 1) })).toMatch(/longer than/)
    expect(refused({ ...good, trackers: Array.from({ length: REPORT_LIMITS.trackers + 1 }, () => good.trackers[0]) })).toMatch(/more than 16/)
    expect(refused({ ...good, lastError: 'boom\u001b[2J' })).toMatch(/control characters/)
    expect(refused({ ...good, deviceName: 'pi\u009b31m' })).toMatch(/control characters/)
    expect(refused({ ...good, trackers: [{ url: 'wss://a\n', connected: true }] })).toMatch(/control characters/)
  })

  it('reads the same bounds, path and header as the page (one JSON file)', () => {
    expect({ ...REPORT_LIMITS }).toEqual({ ...RUNNER_REPORT_LIMITS })
    expect(REPORT_PATH).toBe(RUNNER_REPORT_PATH)
    expect(TOKEN_HEADER).toBe(RUNNER_TOKEN_HEADER)
  })

  it('accepts whatever the page fitted, however long its error or odd its characters', () => {
    const fitted = fitRunnerReport({ ...good, lastError: 'line one\nline two ' + 'x'.repeat(1000), friendsOnline: 2.7, trackers: Array.from({ length: 40 }, (_, i) => ({ url: `wss://t${i}.org`, connected: false })) })
    expect(parseReport(fitted)).toEqual(fitted)
    expect(fitted.lastError).toHaveLength(REPORT_LIMITS.lastError)
    expect(fitted.lastError!.startsWith('line one line two')).toBe(true)
    expect(fitted.trackers).toHaveLength(16)
    expect(fitted.friendsOnline).toBe(2)
  })
})

describe('the report endpoint', () => {
  const token = newRunnerToken()
  const received: RunnerReport[] = []
  let url = ''
  let close: () => Promise<void> = async () => {}

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kith-endpoint-'))
    writeFileSync(join(root, 'index.html'), '<!doctype html>')
    const server = await startStaticServer({ root, config: {}, handle: reportEndpoint({ token, onReport: (r) => received.push(r) }) })
    url = server.url + REPORT_PATH
    close = server.close
  })
  afterAll(() => close())

  const post = (body: string, headers: Record<string, string> = { [TOKEN_HEADER]: token }): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

  it('takes a valid report with the run’s token', async () => {
    received.length = 0
    const res = await post(JSON.stringify(good))
    expect(res.status).toBe(204)
    expect(received).toEqual([good])
  })

  it('refuses a missing or wrong token with 403 and reads nothing', async () => {
    received.length = 0
    expect((await post(JSON.stringify(good), {})).status).toBe(403)
    expect((await post(JSON.stringify(good), { [TOKEN_HEADER]: newRunnerToken() })).status).toBe(403)
    expect((await post(JSON.stringify(good), { [TOKEN_HEADER]: token.slice(1) })).status).toBe(403)
    expect(received).toEqual([])
  })

  it('refuses a body over 16 KiB, junk and other methods', async () => {
    received.length = 0
    const big = JSON.stringify({ ...good, lastError: 'x'.repeat(REPORT_LIMITS.bodyBytes) })
    expect((await post(big).catch(() => ({ status: 413 }))).status).toBe(413)
    const bad = await post('{"address":1}')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toMatch(/Unknown field|Missing field|must be a string/)
    expect((await fetch(url)).status).toBe(405)
    expect(received).toEqual([])
    // The app is still served next to it.
    expect((await fetch(url.replace(REPORT_PATH, '/'))).status).toBe(200)
  })
})
