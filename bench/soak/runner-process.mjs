// The headless runner as a person runs it (`node scripts/headless.mjs --data
// <dir>`), on the soak run's own tracker, with no relay and no ICE servers;
// its Chromium is started through chromium-devtools.sh, which only adds a
// DevTools port for measuring it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM_PATH } from '../../scripts/lib/chromium.mjs'
import { profileProcesses } from '../../scripts/lib/headless/chromium-process.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const wrapper = fileURLToPath(new URL('./chromium-devtools.sh', import.meta.url))

async function freePort () {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** @param {{ tracker: string, log: (...a: unknown[]) => void }} opts */
export async function startRunner ({ tracker, log }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-soak-runner-'))
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ relays: [] }))
  const port = await freePort()
  const child = spawn(process.execPath, [join(root, 'scripts/headless.mjs'), '--data', dataDir, '--tracker', tracker, '--ice', '[]',
    '--port', String(port), '--chromium', wrapper, '--name', 'soak runner'],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KITH_SOAK_REAL_CHROMIUM: CHROMIUM_PATH } })
  const lines = []
  let partial = ''
  const take = (prefix) => (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()
    for (const line of parts) {
      lines.push(prefix + line)
      // Status lines and restarts go to the log; the QR code does not.
      if (!/[▀▄█]/.test(line) && line.trim() !== '') log(`[runner] ${prefix}${line}`)
    }
  }
  child.stdout.on('data', take(''))
  child.stderr.on('data', take('[stderr] '))
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  const profileDir = join(dataDir, 'profile')
  return {
    profileDir,
    origin: `http://127.0.0.1:${port}`,
    lines,
    /** The first line at or after `from` matching `re`. */
    async waitForLine (re, from, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = lines.findIndex((l, i) => i >= from && re.test(l))
        if (index >= 0) return { line: lines[index], index }
        if (Date.now() > deadline) throw new Error(`the runner printed no line matching ${re} within ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    /** How often Chromium was restarted by the runner. */
    restarts: () => lines.filter((l) => /chromium restarted/.test(l)).length,
    async stop () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await exited
        clearTimeout(timer)
      }
      for (const pid of profileProcesses(profileDir)) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
