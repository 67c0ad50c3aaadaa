// The headless runner as a person on a Pi runs it: `node scripts/headless.mjs
// --data <dir>` with a local tracker. It prints a link code; the person's
// laptop (a browser tab) links it as a server; it then reports the person's
// address and a connected tracker; a killed or hung Chromium is restarted
// within 10 s with the same profile (still linked, the same address:
// IndexedDB survived); SIGTERM stops it and leaves no browser behind.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { profileProcesses } from '../../scripts/lib/headless/chromium-process.mjs'
import { shortAddress } from '../../scripts/lib/headless/status-output.mjs'
import { startRunner, type Runner } from './support/runner'
import { openApp, screenshot, worldPerFile } from './support/world'

const world = worldPerFile()
let runner: Runner
let address = ''

/** The name the laptop approves the runner with (it asked for "test pi"). */
const APPROVED = 'Kitchen Pi'
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const lines = (): string[] => runner.lines
const waitForLine = (re: RegExp, from: number, timeoutMs: number) => runner.waitForLine(re, from, timeoutMs)
const browserPid = (): number => runner.browserPid()
const profileDir = (): string => runner.profileDir
const statusFileAddress = (): string | null => runner.status().address

beforeAll(async () => {
  runner = await startRunner({ tracker: world.trackers[0]!.url, name: 'test pi' })
})

afterAll(async () => {
  await runner?.stop()
})

describe('the headless runner', () => {
  it('prints a link code; the person links it from their laptop as a server, and it reports as them', async () => {
    await waitForLine(/^Kith headless runner: serving http:\/\/127\.0\.0\.1:\d+\/ .*data in /, 0, 10_000)
    const printed = await waitForLine(/^ {2}kith-link-\S+$/, 0, 30_000)
    await waitForLine(/[▀▄█]/, printed.index, 5000) // and as a QR code
    const laptop = await world.person('laptop')
    address = await openApp(laptop, world.appUrl)
    await laptop.page.goto(`${world.appUrl}#/devices`)
    await laptop.page.getByLabel('Link code').fill(printed.line.trim())
    await laptop.page.getByRole('button', { name: 'Submit' }).click()
    const shown = laptop.page.getByTestId('verification-code')
    await shown.waitFor({ timeout: 45_000 })
    const code = (await shown.textContent())!.replace(/\s/g, '')
    // The same verification code on the runner's screen (its terminal).
    await waitForLine(new RegExp(`Verification code: ${code.slice(0, 3)} ${code.slice(3)}`), printed.index, 10_000)
    // A runner is a server: the laptop cannot make it a full device.
    expect(await laptop.page.getByRole('radio', { name: 'Full device' }).isDisabled()).toBe(true)
    // It asked to be called "test pi"; the person names it otherwise.
    expect(await laptop.page.getByLabel('Name of the new device').inputValue()).toBe('test pi')
    await laptop.page.getByLabel('Name of the new device').fill(APPROVED)
    await laptop.page.getByLabel('Name of this device, the one you are using now').fill('Laptop')
    await screenshot(laptop, 'headless-1-laptop-approves-runner')
    await laptop.page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => laptop.page.getByTestId('link-result').textContent(), { timeout: 15_000 }).toMatch(/Linked/)
    // Its status line uses the name it was approved with.
    const { line } = await waitForLine(new RegExp(` linked as ${escape(shortAddress(address))} \\(${APPROVED}\\) · trackers 1/1 · `), printed.index, 30_000)
    expect(line).toMatch(/last error: none$/)
    // The link code and its QR code were printed once, the verification code beneath.
    expect(lines().slice(0, printed.index + 1).filter((l) => /^ {2}kith-link-/.test(l))).toHaveLength(1)
    expect(lines().filter((l) => l.includes(printed.line.trim()))).toHaveLength(1)
    expect(statusFileAddress()).toBe(address)
    await laptop.context.close()
  })

  it('prints a link code as text and QR code, and takes reports only with its token', async () => {
    // The page has no link code until linking lands; post one as the page would,
    // with the token the runner gave it in its URL.
    const url = new URL(readFileSync(`/proc/${browserPid()}/cmdline`, 'utf8').split('\0').find((a) => a.startsWith('http://'))!)
    const token = url.searchParams.get('runner')!
    const report = { address: null, linkCode: 'kith-link-2b7QxE9wYh', verificationCode: '482 913', deviceName: 'test pi', trackers: [], friendsOnline: 0, sync: 'not linked', lastError: null }
    const post = (t: string, body: unknown): Promise<Response> => fetch(new URL('/__kith-runner/report', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-kith-runner-token': t }, body: JSON.stringify(body) })
    const from = lines().length
    expect((await post('0'.repeat(32), report)).status).toBe(403)
    expect((await post(token, { ...report, extra: 1 })).status).toBe(400)
    expect((await post(token, report)).status).toBe(204)
    const code = await waitForLine(/^ {2}kith-link-2b7QxE9wYh$/, from, 5000)
    expect(lines().slice(from, code.index).some((l) => l.includes('Devices → Link a device'))).toBe(true)
    await waitForLine(/[▀▄█]/, code.index, 5000)
    await waitForLine(/Verification code: 482 913/, code.index, 5000)
    // The page's own next report (no link code) is a status line again.
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} `), code.index, 5000)
  })

  it('restarts a killed Chromium within 10 s, with the same profile (the same address)', async () => {
    const from = lines().length
    const killedAt = Date.now()
    process.kill(browserPid(), 'SIGKILL')
    await waitForLine(/chromium exited \(signal SIGKILL\); restarting it in/, from, 10_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 1\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(${APPROVED}\\) · `), restarted.index, 10_000 - (Date.now() - killedAt))
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    expect(statusFileAddress()).toBe(address)
  })

  it('kills and restarts a hung Chromium (every process of it stopped)', async () => {
    // Wait until the new browser reports with its tracker, so the hang is of a running one.
    await waitForLine(/ · trackers 1\/1 · /, lines().length - 1, 15_000).catch(() => {})
    const from = lines().length
    const pid = browserPid()
    process.kill(-pid, 'SIGSTOP')
    await waitForLine(/(chromium did not answer|chromium’s page sent no report) for 8 s \(hung\?\); killed it; restarting it in/, from, 15_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 2\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(${APPROVED}\\) · `), restarted.index, 10_000)
    expect(profileProcesses(profileDir())).not.toContain(pid)
    expect(statusFileAddress()).toBe(address)
  })

  it('kills and restarts Chromium when only its browser process hangs (the page still reports)', async () => {
    await waitForLine(/ · trackers 1\/1 · /, lines().length - 1, 15_000).catch(() => {})
    const from = lines().length
    const pid = browserPid()
    process.kill(pid, 'SIGSTOP')
    await waitForLine(/chromium did not answer for 8 s \(hung\?\); killed it; restarting it in/, from, 15_000)
    const restarted = await waitForLine(/chromium restarted \(pid \d+, restart 3\)/, from, 10_000)
    await waitForLine(new RegExp(` linked as ${shortAddress(address)} \\(${APPROVED}\\) · `), restarted.index, 10_000)
    expect(profileProcesses(profileDir())).not.toContain(pid)
  })

  it('stops cleanly on SIGTERM: exit code 0, no Chromium left on the profile', async () => {
    expect(profileProcesses(profileDir()).length).toBeGreaterThan(0)
    runner.process.kill('SIGTERM')
    expect(await runner.exited).toBe(0)
    expect(lines().some((l) => /SIGTERM: stopping chromium and the server/.test(l))).toBe(true)
    expect(profileProcesses(profileDir())).toEqual([])
  })
})
