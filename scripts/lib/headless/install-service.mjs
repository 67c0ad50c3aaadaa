// `npm run headless -- install-service`: writes (or, with --print, shows) the
// systemd unit and prints the commands to enable it. It runs no systemctl
// itself: enabling a service is the person's decision.
import { mkdirSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, resolve } from 'node:path'
import { UsageError } from './options.mjs'
import { enableCommands, unitPath, unitText } from './systemd-unit.mjs'

/** For a command printed to be pasted into a shell. */
function shellQuote (arg) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/**
 * @param {{ scope: 'user' | 'system', print: boolean, runFlags: string[] }} opts
 * @param {{ script: string, root: string, out?: (line: string) => void, env?: Record<string, string | undefined> }} where
 */
export function installService (opts, { script, root, out = console.log, env = process.env }) {
  const isRoot = process.getuid?.() === 0
  // Under sudo, the unit should run as the person, not as root.
  const user = env.SUDO_USER || userInfo().username
  const text = unitText({ scope: opts.scope, node: process.execPath, script, args: opts.runFlags, workingDirectory: resolve(root), user })
  const path = unitPath(opts.scope, env)
  if (opts.print) {
    out(`# ${path}`)
    out(text)
    return
  }
  if (opts.scope === 'system' && !isRoot) {
    const again = [process.execPath, script, 'install-service', '--system', ...opts.runFlags].map(shellQuote).join(' ')
    throw new UsageError(`A system unit goes in ${path}, which needs root. Run it with sudo (sudo ${again}), or use --user.`)
  }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  out(`Wrote ${path}${opts.scope === 'system' ? ` (runs as ${user})` : ''}.`)
  if (opts.scope === 'system' && user === 'root') out('It runs as root, so Chromium runs without its sandbox; a normal user is safer (run this with sudo from that user).')
  out('To start it now and at every boot, and to follow its log:')
  for (const command of enableCommands(opts.scope, user)) out(`  ${command}`)
}
