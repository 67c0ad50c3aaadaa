// `install-service`: a systemd unit that starts the runner at boot and
// restarts it if it fails (the runner itself restarts Chromium). A user unit
// needs lingering to start before anyone logs in; a system unit runs as the
// person who installed it, never as root unless they are root.
import { homedir } from 'node:os'
import { join } from 'node:path'

export const UNIT_NAME = 'kith-headless'

/** Quotes one ExecStart word the way systemd reads it: "…" with \ and "
 *  escaped, % doubled (specifiers) and $ doubled (variable expansion). */
export function quoteExecArg (arg) {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped
  return '"' + escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'
}

/**
 * @param {{ scope: 'user' | 'system', node: string, script: string, args: string[],
 *           workingDirectory: string, user?: string }} opts
 */
export function unitText ({ scope, node, script, args, workingDirectory, user }) {
  if (scope === 'system' && !user) throw new Error('A system unit needs the user to run as.')
  const lines = [
    '[Unit]',
    'Description=Kith headless runner (the app in headless Chromium)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(scope === 'system' ? [`User=${user}`] : []),
    `WorkingDirectory=${quoteExecArg(workingDirectory)}`,
    `ExecStart=${[node, script, ...args].map(quoteExecArg).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // The runner stops Chromium itself on SIGTERM (a few seconds at most);
    // whatever is left after this is killed with the rest of the unit.
    'TimeoutStopSec=20',
    '',
    '[Install]',
    `WantedBy=${scope === 'system' ? 'multi-user.target' : 'default.target'}`,
    ''
  ]
  return lines.join('\n')
}

/** Where the unit goes. */
export function unitPath (scope, env = process.env) {
  if (scope === 'system') return `/etc/systemd/system/${UNIT_NAME}.service`
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(config, 'systemd', 'user', `${UNIT_NAME}.service`)
}

/** The commands to print after writing the unit (the runner runs none of them). */
export function enableCommands (scope, user) {
  if (scope === 'system') {
    return [
      `sudo systemctl daemon-reload && sudo systemctl enable --now ${UNIT_NAME}`,
      `journalctl -u ${UNIT_NAME} -f`
    ]
  }
  return [
    `systemctl --user daemon-reload && systemctl --user enable --now ${UNIT_NAME}`,
    `loginctl enable-linger ${user ?? '$USER'}    # start it at boot, before anyone logs in`,
    `journalctl --user -u ${UNIT_NAME} -f`
  ]
}
