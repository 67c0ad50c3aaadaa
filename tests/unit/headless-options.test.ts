// The headless runner's command line and <dir>/config.json: what they set,
// which wins, and the sentences a typo gets.
import { describe, expect, it } from 'vitest'
import { refusalMessage } from './refusal'
import { DEFAULT_CHROMIUM, UsageError, resolveOptions, type RunnerOptions } from '../../scripts/lib/headless/options.mjs'

function resolve (argv: string[], files: Record<string, string> = {}, env: Record<string, string> = {}): RunnerOptions {
  const out = resolveOptions(argv, { env, cwd: '/home/pi', hostname: 'raspberrypi', readText: (p) => files[p] ?? null })
  if (out.command === 'help') throw new Error('unexpected help')
  return out
}

function refusal (argv: string[], files: Record<string, string> = {}): string {
  return refusalMessage(() => resolve(argv, files), UsageError)
}

describe('headless runner options', () => {
  it('needs --data, and makes it absolute', () => {
    expect(refusal([])).toMatch(/--data <dir> is required/)
    const opts = resolve(['--data', 'kith-data'])
    expect(opts.command).toBe('run')
    expect(opts.data).toBe('/home/pi/kith-data')
  })

  it('falls back to the app defaults, the host name and the system Chromium', () => {
    const opts = resolve(['--data', '/d'])
    expect(opts.trackers).toBeNull()
    expect(opts.iceServers).toBeNull()
    expect(opts.port).toBeNull()
    expect(opts.name).toBe('raspberrypi')
    expect(opts.chromium).toBe(DEFAULT_CHROMIUM)
    expect(resolve(['--data', '/d'], {}, { KITH_CHROMIUM: '/opt/chromium' }).chromium).toBe('/opt/chromium')
  })

  it('takes repeated trackers, ICE servers as JSON or STUN URLs, a port and a name', () => {
    const opts = resolve(['--data=/d', '--tracker', 'ws://127.0.0.1:8000', '--tracker', 'ws://127.0.0.1:9102',
      '--ice', '[{"urls":"turn:127.0.0.1:3479","username":"u","credential":"c"}]', '--stun', 'stun:127.0.0.1:3478',
      '--port', '6000', '--name', 'kitchen pi', '--chromium', 'bin/chromium'])
    expect(opts.trackers).toEqual(['ws://127.0.0.1:8000', 'ws://127.0.0.1:9102'])
    expect(opts.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3479', username: 'u', credential: 'c' }, { urls: 'stun:127.0.0.1:3478' }])
    expect(opts.port).toBe(6000)
    expect(opts.name).toBe('kitchen pi')
    expect(opts.chromium).toBe('/home/pi/bin/chromium')
    expect(resolve(['--data', '/d', '--ice', '[]']).iceServers).toEqual([])
  })

  it('takes relays from repeated --relay flags, else from config.json (an empty list: none), else the app’s defaults; a bad one is a sentence', () => {
    expect(resolve(['--data', '/d']).relays).toBeNull()
    const flagged = resolve(['--data', '/d', '--relay', 'ws://127.0.0.1:7000', '--relay=wss://relay.example'])
    expect(flagged.relays).toEqual(['ws://127.0.0.1:7000', 'wss://relay.example'])
    expect(flagged.runFlags).toEqual(expect.arrayContaining(['--relay', 'ws://127.0.0.1:7000']))
    const files = { '/d/config.json': JSON.stringify({ relays: ['ws://127.0.0.1:7001'] }) }
    expect(resolve(['--data', '/d'], files).relays).toEqual(['ws://127.0.0.1:7001'])
    expect(resolve(['--data', '/d', '--relay', 'ws://127.0.0.1:7002'], files).relays).toEqual(['ws://127.0.0.1:7002'])
    // An empty list in config.json is none (the page is told [], over the app's public defaults).
    expect(resolve(['--data', '/d'], { '/d/config.json': JSON.stringify({ relays: [] }) }).relays).toEqual([])
    expect(() => resolve(['--data', '/d', '--relay', 'https://relay.example'])).toThrow(/not a ws:\/\/ or wss:\/\/ relay URL/)
    expect(() => resolve(['--data', '/d'], { '/d/config.json': JSON.stringify({ relays: 'ws://x' }) })).toThrow(/“relays” must be a list/)
  })

  it('reads <dir>/config.json, and flags override it', () => {
    const files = { '/d/config.json': JSON.stringify({ trackers: ['ws://127.0.0.1:9103'], iceServers: [], name: 'from file', port: 7000 }) }
    const fromFile = resolve(['--data', '/d'], files)
    expect(fromFile.trackers).toEqual(['ws://127.0.0.1:9103'])
    expect(fromFile.iceServers).toEqual([])
    expect(fromFile.name).toBe('from file')
    expect(fromFile.port).toBe(7000)
    const flagged = resolve(['--data', '/d', '--tracker', 'ws://127.0.0.1:9', '--stun', 'stun:x.org', '--name', 'flag', '--port', '7001'], files)
    expect(flagged.trackers).toEqual(['ws://127.0.0.1:9'])
    expect(flagged.iceServers).toEqual([{ urls: 'stun:x.org' }])
    expect(flagged.name).toBe('flag')
    expect(flagged.port).toBe(7001)
  })

  it('takes the owner’s address (--owner), and keeps it for the service', () => {
    const address = '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH'
    const opts = resolve(['--data', '/d', '--owner', ` ${address} `])
    expect(opts.owner).toBe(address)
    expect(opts.runFlags).toContain('--owner')
    expect(resolve(['--data', '/d']).owner).toBeNull()
  })

  it('refuses bad input in plain words', () => {
    expect(refusal(['--data', '/d', '--tracker', 'http://127.0.0.1:9102'])).toMatch(/not a ws:\/\/ or wss:\/\/ tracker URL/)
    expect(refusal(['--data', '/d', '--tracker'])).toMatch(/--tracker needs a value/)
    expect(refusal(['--data', '/d', '--tracker', '--port', '1'])).toMatch(/--tracker needs a value/)
    expect(refusal(['--data', '/d', '--ice', '{oops'])).toMatch(/--ice: is not valid JSON/)
    expect(refusal(['--data', '/d', '--ice', '[{"urls":"http://x"}]'])).toMatch(/stun:, stuns:, turn: or turns:/)
    expect(refusal(['--data', '/d', '--ice', '[{"urls":"stun:x","evil":1}]'])).toMatch(/unknown field “evil”/)
    expect(refusal(['--data', '/d', '--stun', 'turn:x'])).toMatch(/not a stun: or stuns: URL/)
    expect(refusal(['--data', '/d', '--port', '0'])).toMatch(/port must be a number from 1 to 65535/)
    expect(refusal(['--data', '/d', '--port', '80x'])).toMatch(/port must be a number/)
    expect(refusal(['--data', '/d', '--name', 'a\u001b[2Jb'])).toMatch(/1 to 64 printable characters/)
    expect(refusal(['--data', '/d', '--nmae', 'x'])).toMatch(/Unknown option “--nmae”/)
    expect(refusal(['--data', '/d', '--owner', 'bob@example.org'])).toMatch(/not a Kith address/)
    expect(refusal(['--data', '/d', '--owner', '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH', '--owner', '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH'])).toMatch(/--owner is given more than once/)
    expect(refusal(['--data', '/d', 'serve'])).toMatch(/commands are “run”/)
    expect(refusal(['--data', '/d', '--data', '/e'])).toMatch(/--data is given more than once/)
    expect(refusal(['--data', '/d', '--system'])).toMatch(/only goes with install-service/)
    expect(refusal(['install-service', '--data', '/d', '--user', '--system'])).toMatch(/one of --user and --system/)
  })

  it('refuses a broken or mistyped config.json, naming the file', () => {
    expect(refusal(['--data', '/d'], { '/d/config.json': '{' })).toMatch(/\/d\/config.json: is not valid JSON/)
    expect(refusal(['--data', '/d'], { '/d/config.json': '{"tracker":["wss://a.org"]}' })).toMatch(/\/d\/config.json: unknown field “tracker”/)
    expect(refusal(['--data', '/d'], { '/d/config.json': '{"trackers":"wss://a.org"}' })).toMatch(/“trackers” must be a list/)
    expect(refusal(['--data', '/d'], { '/d/config.json': '[]' })).toMatch(/must be a JSON object/)
  })

  it('has --help, and install-service with its scope, --print and the run flags for ExecStart', () => {
    expect(resolveOptions(['--help']).command).toBe('help')
    const opts = resolve(['--build', 'install-service', '--system', '--print', '--data', 'kd', '--tracker', 'wss://t.org', '--name', 'pi'])
    expect(opts.command).toBe('install-service')
    expect(opts.scope).toBe('system')
    expect(opts.print).toBe(true)
    // --build and the install-service switches are not run flags.
    expect(opts.runFlags).toEqual(['--data', '/home/pi/kd', '--tracker', 'wss://t.org', '--name', 'pi'])
    expect(resolve(['install-service', '--data', '/d']).scope).toBe('user')
  })
})
