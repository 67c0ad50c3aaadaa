// The headless runner's command line and its data directory's config.json,
// checked up front so a typo is a sentence, not a browser that never links.
// Flags override the file; what neither sets falls back to the app's own
// defaults (the public trackers and STUN servers in node-tab/person/config.ts).
import { isAbsolute, join, resolve } from 'node:path'

export class UsageError extends Error {}

export const DEFAULT_PORT = 5174
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

export const USAGE = `Kith headless runner: the app in headless Chromium, for a Raspberry Pi or any always-on Linux box.

usage:
  npm run headless -- --data <dir> [options]
  npm run headless -- install-service [--user | --system] [--print] --data <dir> [options]

options:
  --data <dir>        where this device keeps everything (browser profile, logs, config.json); required
  --port <n>          loopback port to serve the app on (default: the one this <dir> used before, else ${DEFAULT_PORT});
                      the browser keeps its data per port, so keep it the same
  --tracker <url>     a ws:// or wss:// tracker; repeat for several (default: config.json's, else the public ones)
  --relay <url>       a ws:// or wss:// Nostr relay, a second way to be found beside the trackers;
                      repeat for several (default: config.json's, else the app's public
                      relays; "relays": [] in config.json for none)
  --ice <json>        ICE servers as JSON, e.g. '[{"urls":"stun:stun.example.org:3478"}]' or '[]' for none
  --stun <url>        a STUN server (stun: or stuns:); repeat for several
  --chromium <path>   the browser to run (default: $KITH_CHROMIUM, else ${DEFAULT_CHROMIUM})
  --name <name>       this device's name, shown when you link it (default: the host name)
  --owner <address>   only this person (their Kith address, under Me & server) may link this device;
                      without it, whoever sees the link code can (nobody is at this screen to confirm)
  --build             build dist/ first (npm run headless does this)
  --help              this text

install-service:
  --user              a systemd user unit in ~/.config/systemd/user (the default)
  --system            a system unit in /etc/systemd/system (needs root)
  --print             show the unit instead of writing it

<dir>/config.json, if present, may hold {"trackers": [...], "relays": [...], "iceServers": [...], "name": "...", "port": n}.`

const VALUE_FLAGS = new Set(['--data', '--port', '--tracker', '--relay', '--ice', '--stun', '--chromium', '--name', '--owner'])
const SWITCHES = new Set(['--build', '--help', '--user', '--system', '--print'])
const COMMANDS = new Set(['run', 'install-service'])
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

function checkTracker (url, where, what = 'tracker') {
  let ok = typeof url === 'string' && /^wss?:\/\/\S+$/.test(url)
  if (ok) { try { new URL(url) } catch { ok = false } }
  if (!ok) throw new UsageError(`${where}: “${String(url)}” is not a ws:// or wss:// ${what} URL.`)
  return url
}

function checkIceServers (list, where) {
  if (!Array.isArray(list)) throw new UsageError(`${where}: ICE servers must be a JSON list of {"urls": …} objects ([] for none).`)
  for (const server of list) {
    if (typeof server !== 'object' || server === null || Array.isArray(server)) throw new UsageError(`${where}: each ICE server must be an object like {"urls": "stun:host:3478"}.`)
    for (const key of Object.keys(server)) {
      if (!['urls', 'username', 'credential'].includes(key)) throw new UsageError(`${where}: an ICE server has an unknown field “${key}” (only urls, username, credential).`)
    }
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && /^(stuns?|turns?):\S+$/.test(u))) {
      throw new UsageError(`${where}: an ICE server's “urls” must be stun:, stuns:, turn: or turns: URLs.`)
    }
    for (const key of ['username', 'credential']) {
      if (key in server && typeof server[key] !== 'string') throw new UsageError(`${where}: an ICE server's “${key}” must be a string.`)
    }
  }
  return list
}

function checkPort (value, where) {
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${where}: the port must be a number from 1 to 65535 (not ${JSON.stringify(value)}).`)
  return n
}

/** A Kith address as people copy it: base58, about 50 characters. */
function checkOwner (value, where) {
  const address = String(value).trim()
  if (!/^[1-9A-HJ-NP-Za-km-z]{40,64}$/.test(address)) throw new UsageError(`${where}: “${value}” is not a Kith address (copy it from Me & server on your laptop or phone).`)
  return address
}

function checkName (value, where) {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 64 || CONTROL.test(value)) {
    throw new UsageError(`${where}: the device name must be 1 to 64 printable characters.`)
  }
  return value.trim()
}

/** Splits argv into the command, value flags (lists, in order) and switches. */
export function parseArgv (argv) {
  const flags = new Map()
  const switches = new Set()
  let command = null
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]
    let inline = null
    const eq = arg.indexOf('=')
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq) }
    if (VALUE_FLAGS.has(arg)) {
      const value = inline ?? argv[++i]
      if (value === undefined || (inline === null && value.startsWith('--'))) throw new UsageError(`${arg} needs a value. See --help.`)
      flags.set(arg, [...(flags.get(arg) ?? []), value])
    } else if (SWITCHES.has(arg) && inline === null) {
      switches.add(arg)
    } else if (!arg.startsWith('-') && command === null && COMMANDS.has(arg)) {
      command = arg
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option “${arg}”. See --help.`)
    } else {
      throw new UsageError(`Unexpected “${arg}”: the commands are “run” (the default) and “install-service”. See --help.`)
    }
  }
  for (const single of ['--data', '--port', '--ice', '--chromium', '--name', '--owner']) {
    if ((flags.get(single)?.length ?? 0) > 1) throw new UsageError(`${single} is given more than once.`)
  }
  return { command: command ?? 'run', flags, switches }
}

/** Checks the object in <dir>/config.json (already parsed from JSON). */
export function parseDataConfig (input, where) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new UsageError(`${where}: must be a JSON object like {"trackers": ["wss://…"]}.`)
  const out = {}
  for (const [key, value] of Object.entries(input)) {
    if (key === 'trackers') {
      if (!Array.isArray(value)) throw new UsageError(`${where}: “trackers” must be a list of ws:// or wss:// URLs.`)
      out.trackers = value.map((t) => checkTracker(t, where))
    } else if (key === 'relays') {
      if (!Array.isArray(value)) throw new UsageError(`${where}: “relays” must be a list of ws:// or wss:// URLs.`)
      out.relays = value.map((r) => checkTracker(r, where, 'relay'))
    } else if (key === 'iceServers') {
      out.iceServers = checkIceServers(value, where)
    } else if (key === 'name') {
      out.name = checkName(value, where)
    } else if (key === 'port') {
      out.port = checkPort(value, where)
    } else {
      throw new UsageError(`${where}: unknown field “${key}” (known: trackers, relays, iceServers, name, port).`)
    }
  }
  return out
}

/**
 * Everything the runner needs, from argv, the environment and <dir>/config.json.
 * @param {string[]} argv
 * @param {{ env?: Record<string, string | undefined>, cwd?: string, hostname?: string,
 *           readText?: (path: string) => string | null }} [ctx] readText returns null for a missing file
 */
export function resolveOptions (argv, ctx = {}) {
  const env = ctx.env ?? {}
  const cwd = ctx.cwd ?? '/'
  const { command, flags, switches } = parseArgv(argv)
  if (switches.has('--help')) return { command: 'help' }
  if (switches.has('--user') && switches.has('--system')) throw new UsageError('Choose one of --user and --system.')
  if (command === 'run') {
    for (const s of ['--user', '--system', '--print']) if (switches.has(s)) throw new UsageError(`${s} only goes with install-service.`)
  }
  const dataFlag = flags.get('--data')?.[0]
  if (!dataFlag) throw new UsageError('--data <dir> is required: the folder where this device keeps its browser profile, logs and config.json. See --help.')
  const data = isAbsolute(dataFlag) ? dataFlag : resolve(cwd, dataFlag)

  const configPath = join(data, 'config.json')
  const text = ctx.readText?.(configPath) ?? null
  let file = {}
  if (text !== null) {
    let parsed
    try { parsed = JSON.parse(text) } catch { throw new UsageError(`${configPath}: is not valid JSON.`) }
    file = parseDataConfig(parsed, configPath)
  }

  const trackerFlags = flags.get('--tracker')
  const trackers = trackerFlags ? trackerFlags.map((t) => checkTracker(t, '--tracker')) : file.trackers ?? null
  const relayFlags = flags.get('--relay')
  const relays = relayFlags ? relayFlags.map((r) => checkTracker(r, '--relay', 'relay')) : file.relays ?? null
  let iceServers = file.iceServers ?? null
  const iceFlag = flags.get('--ice')?.[0]
  const stunFlags = flags.get('--stun')
  if (iceFlag !== undefined || stunFlags) {
    let fromIce = []
    if (iceFlag !== undefined) {
      let parsed
      try { parsed = JSON.parse(iceFlag) } catch { throw new UsageError('--ice: is not valid JSON; quote it, e.g. --ice \'[{"urls":"stun:stun.example.org:3478"}]\'.') }
      fromIce = checkIceServers(parsed, '--ice')
    }
    const fromStun = (stunFlags ?? []).map((u) => {
      if (!/^stuns?:\S+$/.test(u)) throw new UsageError(`--stun: “${u}” is not a stun: or stuns: URL.`)
      return { urls: u }
    })
    iceServers = [...fromIce, ...fromStun]
  }
  const portFlag = flags.get('--port')?.[0]
  const nameFlag = flags.get('--name')?.[0]
  const chromiumFlag = flags.get('--chromium')?.[0]
  const ownerFlag = flags.get('--owner')?.[0]
  return {
    command,
    build: switches.has('--build'),
    data,
    /** null: the port this data directory used before, else DEFAULT_PORT (see port-memory.mjs). */
    port: portFlag !== undefined ? checkPort(portFlag, '--port') : file.port ?? null,
    trackers,
    relays,
    iceServers,
    chromium: chromiumFlag ? resolve(cwd, chromiumFlag) : env.KITH_CHROMIUM || DEFAULT_CHROMIUM,
    name: nameFlag !== undefined ? checkName(nameFlag, '--name') : file.name ?? ctx.hostname ?? null,
    owner: ownerFlag !== undefined ? checkOwner(ownerFlag, '--owner') : null,
    scope: switches.has('--system') ? 'system' : 'user',
    print: switches.has('--print'),
    /** The run flags as given (paths made absolute), for a systemd unit's ExecStart. */
    runFlags: [
      '--data', data,
      ...(portFlag !== undefined ? ['--port', portFlag] : []),
      ...(trackerFlags ?? []).flatMap((t) => ['--tracker', t]),
      ...(relayFlags ?? []).flatMap((r) => ['--relay', r]),
      ...(iceFlag !== undefined ? ['--ice', iceFlag] : []),
      ...(stunFlags ?? []).flatMap((u) => ['--stun', u]),
      ...(chromiumFlag ? ['--chromium', resolve(cwd, chromiumFlag)] : []),
      ...(nameFlag !== undefined ? ['--name', nameFlag] : []),
      ...(ownerFlag !== undefined ? ['--owner', ownerFlag] : [])
    ]
  }
}
