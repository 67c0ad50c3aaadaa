// How the runner starts Chromium and keeps its output: the flags that keep a
// background page's timers and WebRTC alive, the sandbox off only as root,
// and a log file that never grows past its cap.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openCappedLog } from '../../scripts/lib/headless/capped-log.mjs'
import { chromiumArgs } from '../../scripts/lib/headless/chromium-process.mjs'

describe('the Chromium the runner starts', () => {
  it('is headless on a persistent profile, with background throttling off, and opens the page last', () => {
    const args = chromiumArgs({ profileDir: '/d/profile', url: 'http://127.0.0.1:5174/?runner=t', asRoot: false })
    for (const flag of ['--headless', '--user-data-dir=/d/profile', '--no-first-run', '--remote-debugging-pipe',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows']) {
      expect(args).toContain(flag)
    }
    expect(args.find((a) => a.startsWith('--disable-features='))).toContain('IntensiveWakeUpThrottling')
    expect(args).not.toContain('--no-sandbox')
    expect(args.at(-1)).toBe('http://127.0.0.1:5174/?runner=t')
  })

  it('turns the sandbox off only when running as root, which Chromium requires', () => {
    expect(chromiumArgs({ profileDir: '/p', url: 'http://x/', asRoot: true })).toContain('--no-sandbox')
  })
})

describe('the Chromium log', () => {
  it('moves a full log to .1 and starts again, so it stays under its cap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-log-'))
    const path = join(dir, 'chromium.log')
    const log = openCappedLog(path, 1000)
    for (let i = 0; i < 50; i++) log.write(`line ${i} ${'x'.repeat(90)}\n`)
    log.write(Buffer.alloc(5000, 'y')) // one chunk larger than the cap keeps its end
    log.close()
    expect(statSync(path).size).toBeLessThanOrEqual(1000)
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000)
    expect(readFileSync(`${path}.1`, 'utf8')).toContain('line 49')
    rmSync(dir, { recursive: true, force: true })
  })
})
