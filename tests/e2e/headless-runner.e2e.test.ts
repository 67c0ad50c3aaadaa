// The headless runner as a person on a Pi runs it: `node scripts/headless.mjs
// --data <dir>` with a local tracker. It reports the node's address and a
// connected tracker; a killed or hung Chromium is restarted within 10 s with
// the same profile (the same address: IndexedDB survived); SIGTERM stops it
// and leaves no browser behind.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_PATH } from '../../scripts/lib/chromium.mjs'
import { profileProcesses } from '../../scripts/lib/headless/chromium-process.mjs'
import { shortAddress } from '../../scripts/lib/headless/status-output.mjs'
import { startTracker, type RunningTracker } from '../../scripts/lib/tracker-server.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))

let tracker: RunningTracker
let dataDir = ''
let runner: ChildProcess
let exited: Promise<number | null>
const lines: string[] = []
let address = ''

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Waits for a line (printed after line number `from`) matching re. */
async function waitForLine (re: RegExp, from: number, timeoutMs: number): Promise<{ line: string, index: number }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const index = lines.findIndex((l, i) => i >= from && re.test(l))
    if (index >= 0) return { line: lines[index]!, index }
    if (Date.now() > deadline) throw new Error(`no line matching ${re} within ${timeoutMs} ms; the runner printed:\n${lines.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const profileDir = (): string => join(dataDir, 'profile')

/** The browser process itself (its helpers carry --type=…). */
function browserPid (): number {
  const pids = profileProcesses(profileDir()).filter((pid) => {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    return !args.some((a) => a.startsWith('--type='))
  })
  expect(pids).toHaveLength(1)
  return pids[0]!
}

function statusFileAddress (): string {
  return JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')).address
}

beforeAll(async () => {
  tracker = await startTracker()
  dataDir = mkdtempSync(join(tmpdir(), 'kith-headless-'))
  const port = await freePort()
  runner = spawn(process.execPath, [join(root, 'scripts/headless.mjs'), '--data', dataDir, '--tracker', tracker.url, '--ice', '[]',
    '--port', String(port), '--chromium', CHROMIUM_PATH, '--name', 'test pi'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let partial = ''
  runner.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8')
    const parts = text.split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  runner.stderr!.on('data', (chunk: Buffer) => lines.push(`[stderr] ${chunk.toString('utf8').trimEnd()}`))
  exited = new Promise((resolve) => runner.on('exit', (code) => resolve(code)))
})

afterAll(async () => {
  if (runner && runner.exitCode === null && runner.signalCode === null) {
    // A failed test: let the runner stop its browser, and kill it if it cannot.
    runner.kill('SIGTERM')
    const timeout = setTimeout(() => runner.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timeout)
  }
  // Whatever a failed test left: only processes on this test's own profile.
  for (const pid of dataDir ? profileProcesses(profileDir()) : []) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
  await tracker?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('the headless runner', () => {
  it('serves the app to headless Chromium, which reports its address and a connected tracker', async () => {
    await waitForLine(/^Kith headless runner: serving http:\/\/127\.0\.0\.1:\d+\/ .*data in /, 0, 10_000)
    const { line } = await waitForLine(/ linked as \S+ \(test pi\) · trackers 1\/1 · friends online 0 · sync not linked to other devices · last error: none$/, 0, 30_000)
    address = statusFileAddress()
    expect(address).toMatch(/^[1-9A-HJ-NP-Za-km-z]{40,60}$/)
    expect(line).toContain(`linked as ${shortAddress(address)} `)
  })

  it('prints a link code as text and QR code, and takes reports only with its token', async () => {
    // The page has no link code until linking lands; post one as the page would,
    // with the token the runner gave it in its URL.
    const url = new URL(readFileSync(`/proc/${browserPid()}/cmdline`, 'utf8').split('\0').find((a) => a.startsWith('http://'))!)
    const token = url.searchParams.get('runner')!
    const report = { address: null, linkCode: 'kith-link-2b7QxE9wYh', verificationCode: '482 913', deviceName: 'test pi', trackers: [], friendsOnline: 0, sync: 'not linked', lastError: null }
    const post = (t: string, body: unknown): Promise<Response> => fetch(new URL('/__kith-runner/report', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-kith-runner-token': t }, body: JSON.stringify(body) })
    const from = lines.length
    expect((await post('0'.repeat(32), report)).status).toBe(403)
    expect((await post(token, { ...report, extra: 1 })).status).toBe(400)
    expect((await post(token, report)).status).toBe(204)
    const code = await waitForLine(/^ {2}kith-link-2b7QxE9wYh$/, from, 5000)
    expect(lines.slice(from, code.index).some((l) => l.includes('Devices → Link a device'))).toBe(true)
    await waitForLine(/[▀▄█]/, code.index, 5000)
    await waitForLine(/Verification code: 482 913/, code.index, 5000)
    // The page's own next report (no link code) is a status line again.
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} `), code.index, 5000)
  })

  it('restarts a killed Chromium within 10 s, with the same profile (the same address)', async () => {
    const from = lines.length
    const killedAt = Date.now()
    process.kill(browserPid(), 'SIGKILL')
    await waitForLine(/chromium exited \(signal SIGKILL\); restarting it in/, from, 10_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 1\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(test pi\\) · `), restarted.index, 10_000 - (Date.now() - killedAt))
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    expect(statusFileAddress()).toBe(address)
  })

  it('kills and restarts a hung Chromium (every process of it stopped)', async () => {
    // Wait until the new browser reports with its tracker, so the hang is of a running one.
    await waitForLine(/ · trackers 1\/1 · /, lines.length - 1, 15_000).catch(() => {})
    const from = lines.length
    const pid = browserPid()
    process.kill(-pid, 'SIGSTOP')
    await waitForLine(/(chromium did not answer|chromium’s page sent no report) for 8 s \(hung\?\); killed it; restarting it in/, from, 15_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 2\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(test pi\\) · `), restarted.index, 10_000)
    expect(profileProcesses(profileDir())).not.toContain(pid)
    expect(statusFileAddress()).toBe(address)
  })

  it('kills and restarts Chromium when only its browser process hangs (the page still reports)', async () => {
    await waitForLine(/ · trackers 1\/1 · /, lines.length - 1, 15_000).catch(() => {})
    const from = lines.length
    const pid = browserPid()
    process.kill(pid, 'SIGSTOP')
    await waitForLine(/chromium did not answer for 8 s \(hung\?\); killed it; restarting it in/, from, 15_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 3\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(test pi\\) · `), restarted.index, 10_000)
    expect(profileProcesses(profileDir())).not.toContain(pid)
  })

  it('stops cleanly on SIGTERM: exit code 0, no Chromium left on the profile', async () => {
    expect(profileProcesses(profileDir()).length).toBeGreaterThan(0)
    runner.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(lines.some((l) => /SIGTERM: stopping chromium and the server/.test(l))).toBe(true)
    expect(profileProcesses(profileDir())).toEqual([])
  })
})
