// The systemd unit install-service writes, for a user and for the system.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { installService } from '../../scripts/lib/headless/install-service.mjs'
import { enableCommands, quoteExecArg, unitPath, unitText } from '../../scripts/lib/headless/systemd-unit.mjs'

const base = { node: '/usr/bin/node', script: '/home/pi/kith/scripts/headless.mjs', args: ['--data', '/home/pi/kith-data', '--tracker', 'ws://127.0.0.1:9102'], workingDirectory: '/home/pi/kith' }

function field (text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1))
}

describe('the systemd unit', () => {
  it('for a user: starts the runner with absolute paths, restarts it on failure, wanted by default.target', () => {
    const text = unitText({ scope: 'user', ...base })
    expect(field(text, 'ExecStart')).toEqual(['/usr/bin/node /home/pi/kith/scripts/headless.mjs --data /home/pi/kith-data --tracker ws://127.0.0.1:9102'])
    expect(field(text, 'WorkingDirectory')).toEqual(['/home/pi/kith'])
    expect(field(text, 'Restart')).toEqual(['on-failure'])
    expect(field(text, 'RestartSec')).toEqual(['5'])
    expect(field(text, 'WantedBy')).toEqual(['default.target'])
    expect(field(text, 'User')).toEqual([])
    expect(text).toMatch(/^\[Unit\]\n[\s\S]*\n\[Service\]\n[\s\S]*\n\[Install\]\n/)
  })

  it('for the system: runs as the given user, wanted by multi-user.target', () => {
    const text = unitText({ scope: 'system', ...base, user: 'pi' })
    expect(field(text, 'User')).toEqual(['pi'])
    expect(field(text, 'WantedBy')).toEqual(['multi-user.target'])
    expect(field(text, 'Restart')).toEqual(['on-failure'])
    expect(() => unitText({ scope: 'system', ...base })).toThrow(/user to run as/)
  })

  it('quotes arguments so systemd reads them back as given', () => {
    expect(quoteExecArg('/plain/path')).toBe('/plain/path')
    expect(quoteExecArg('kitchen pi')).toBe('"kitchen pi"')
    expect(quoteExecArg('[{"urls":"stun:x"}]')).toBe('"[{\\"urls\\":\\"stun:x\\"}]"')
    expect(quoteExecArg('100%')).toBe('100%%')
    expect(quoteExecArg('$HOME')).toBe('"$$HOME"')
    expect(quoteExecArg('a\\b c')).toBe('"a\\\\b c"')
  })

  it('goes to ~/.config/systemd/user or /etc/systemd/system, with the commands to enable and follow it', () => {
    expect(unitPath('user', { HOME: '/home/pi' })).toBe('/home/pi/.config/systemd/user/kith-headless.service')
    expect(unitPath('user', { HOME: '/home/pi', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/systemd/user/kith-headless.service')
    expect(unitPath('system')).toBe('/etc/systemd/system/kith-headless.service')
    expect(enableCommands('user', 'pi')).toEqual([
      'systemctl --user daemon-reload && systemctl --user enable --now kith-headless',
      'loginctl enable-linger pi    # start it at boot, before anyone logs in',
      'journalctl --user -u kith-headless -f'
    ])
    expect(enableCommands('system')).toEqual([
      'sudo systemctl daemon-reload && sudo systemctl enable --now kith-headless',
      'journalctl -u kith-headless -f'
    ])
  })
})

describe('install-service', () => {
  const where = (dir: string, out: string[]) => ({ script: '/srv/kith/scripts/headless.mjs', root: '/srv/kith/', out: (l: string) => out.push(l), env: { XDG_CONFIG_HOME: dir, HOME: dir } })

  it('writes the user unit and prints the commands to enable it, running none of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-unit-'))
    const out: string[] = []
    installService({ scope: 'user', print: false, runFlags: ['--data', '/d'] }, where(dir, out))
    const text = readFileSync(join(dir, 'systemd/user/kith-headless.service'), 'utf8')
    expect(field(text, 'ExecStart')[0]).toBe(`${process.execPath} /srv/kith/scripts/headless.mjs --data /d`)
    expect(field(text, 'WorkingDirectory')).toEqual(['/srv/kith'])
    expect(out.join('\n')).toContain('systemctl --user daemon-reload && systemctl --user enable --now kith-headless')
    expect(out.join('\n')).toContain('journalctl --user -u kith-headless -f')
    rmSync(dir, { recursive: true, force: true })
  })

  it('with --print shows the unit and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-unit-'))
    const out: string[] = []
    installService({ scope: 'user', print: true, runFlags: ['--data', '/d'] }, where(dir, out))
    expect(out.join('\n')).toMatch(/ExecStart=.*--data \/d/)
    expect(existsSync(join(dir, 'systemd'))).toBe(false)
    rmSync(dir, { recursive: true, force: true })
  })
})
