// The headless runner as a child process for browser tests: started as a
// person on a Pi starts it (`node scripts/headless.mjs --data <dir>`), its
// output collected line by line, and its Chromium found by its profile.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs'
import { profileProcesses } from '../../../scripts/lib/headless/chromium-process.mjs'

const root = fileURLToPath(new URL('../../../', import.meta.url))

export interface Runner {
  dataDir: string
  lines: string[]
  /** Waits for a line (printed at or after line number `from`) matching re. */
  waitForLine: (re: RegExp, from: number, timeoutMs: number) => Promise<{ line: string, index: number }>
  /** The browser process itself (its helpers carry --type=…). */
  browserPid: () => number
  profileDir: string
  /** What the page last reported (<data>/status.json). */
  status: () => { address: string | null, sync: string, friendsOnline: number }
  exited: Promise<number | null>
  process: ChildProcess
  /** SIGTERM, then SIGKILL if it does not stop; removes its data unless told not to. */
  stop: (opts?: { keepData?: boolean }) => Promise<void>
}

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A new data directory whose config.json names no relay: without one the
 *  page would take the app's public default relays (no test reaches them). */
function freshDataDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'kith-headless-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ relays: [] }))
  return dir
}

/** Starts a runner; `dataDir` and `port` are reused to bring the same device back. */
export async function startRunner (opts: { tracker: string, name: string, dataDir?: string, port?: number }): Promise<Runner & { port: number }> {
  const dataDir = opts.dataDir ?? freshDataDir()
  const port = opts.port ?? await freePort()
  const child = spawn(process.execPath, [join(root, 'scripts/headless.mjs'), '--data', dataDir, '--tracker', opts.tracker, '--ice', '[]',
    '--port', String(port), '--chromium', CHROMIUM_PATH, '--name', opts.name], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8')
    const parts = text.split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  child.stderr!.on('data', (chunk: Buffer) => lines.push(`[stderr] ${chunk.toString('utf8').trimEnd()}`))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const profileDir = join(dataDir, 'profile')
  return {
    dataDir,
    port,
    lines,
    profileDir,
    exited,
    process: child,
    async waitForLine (re, from, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = lines.findIndex((l, i) => i >= from && re.test(l))
        if (index >= 0) return { line: lines[index]!, index }
        if (Date.now() > deadline) throw new Error(`no line matching ${re} within ${timeoutMs} ms; the runner printed:\n${lines.join('\n')}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    browserPid () {
      const pids = profileProcesses(profileDir).filter((pid) => {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        return !args.some((a) => a.startsWith('--type='))
      })
      if (pids.length !== 1) throw new Error(`expected one browser process on the profile, found ${pids.length}`)
      return pids[0]!
    },
    status () {
      return JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8'))
    },
    async stop ({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timeout)
      }
      // Whatever a failed test left: only processes on this runner's own profile.
      for (const pid of profileProcesses(profileDir)) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
