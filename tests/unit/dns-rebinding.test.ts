// DNS rebinding: a web page makes its own name (evil.example) resolve to this
// machine and then reads what `npm start`'s server or the headless runner's
// answers as if it were its own origin. The servers answer only the names
// they are really reached by, so such a page reads nothing: not config.json
// with the TURN credential, not its own name reflected as a tracker URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { allowedHosts, extraHostsFrom, isAllowedHost } from '../../scripts/lib/allowed-hosts.mjs'
import { trackersForBrowser } from '../../scripts/lib/lan-addresses.mjs'

const SECRET = 'turn-credential-s3cret'

/** A GET with exactly this Host header (or none), as a rebinding page's browser sends it. */
function get (port: number, path: string, host: string | null): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', setHost: false, headers: host === null ? {} : { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a page that rebinds its name to this machine', () => {
  let server: Awaited<ReturnType<typeof startStaticServer>>
  let port: number
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kith-rebind-'))
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Kith</title>')
    server = await startStaticServer({
      root,
      extraHosts: ['kith.home.example'],
      config: (req) => ({
        trackers: trackersForBrowser(['ws://0.0.0.0:8000'], req.headers.host, '127.0.0.1'),
        iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'kith', credential: SECRET }]
      })
    })
    port = server.port
  })
  afterAll(async () => { await server.close() })

  it('reads neither config.json (with the TURN credential) nor the app', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`, `[::ffff:7f00:1]:${port}`]) {
      const config = await get(port, '/config.json', host)
      expect(config.status, host).toBe(421)
      expect(config.body).not.toContain(SECRET)
      expect(config.body).not.toContain('evil')
      expect((await get(port, '/', host)).status, host).toBe(421)
    }
  })

  it('is refused without a Host header or with a malformed one', async () => {
    // Node itself answers 400 to an HTTP/1.1 request without one.
    for (const host of [null, `127.0.0.1:${port}@evil.example`, '127.0.0.1 evil.example', `127.0.0.1:${port}, evil.example`]) {
      const config = await get(port, '/config.json', host)
      expect([400, 421], String(host)).toContain(config.status)
      expect(config.body).not.toContain(SECRET)
    }
  })

  it('the names the server is reached by still work: loopback, and a name the person added', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `localhost.:${port}`, `kith.home.example:${port}`]) {
      const config = await get(port, '/config.json', host)
      expect(config.status, host).toBe(200)
      expect(JSON.parse(config.body).iceServers[0].credential).toBe(SECRET)
      expect((await get(port, '/', host)).status, host).toBe(200)
    }
  })
})

describe('the names a server answers to', () => {
  const interfaces = {
    eth0: [
      { address: '192.168.1.5', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null },
      { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 2 }
    ]
  } as unknown as ReturnType<typeof import('node:os').networkInterfaces>

  it('on one address: that address and loopback', () => {
    expect([...allowedHosts({ listenHost: '10.0.0.2', interfaces, hostname: 'pi' })].sort()).toEqual(['10.0.0.2', '127.0.0.1', '[::1]', 'localhost'])
  })

  it('on every interface: this machine’s addresses and its host name too, never 0.0.0.0', () => {
    const names = allowedHosts({ listenHost: '0.0.0.0', interfaces, hostname: 'Pi' })
    for (const ok of ['192.168.1.5:5173', '[fe80::1]:5173', 'pi:5173', 'pi.local:5173', 'localhost']) expect(isAllowedHost(ok, names), ok).toBe(true)
    for (const bad of ['0.0.0.0:5173', '192.168.1.6:5173', 'pi.evil.example', 'evil.pi.local']) expect(isAllowedHost(bad, names), bad).toBe(false)
  })

  it('KITH_ALLOWED_HOSTS adds names, comma-separated', () => {
    expect(extraHostsFrom(' kith.lan , pi.example.org,,')).toEqual(['kith.lan', 'pi.example.org'])
    expect(extraHostsFrom(undefined)).toEqual([])
  })
})
