// `npm start` with HOST=0.0.0.0 (scripts/start.mjs, run as a user would): it
// prints the URLs other devices can open, and config.json names the tracker
// at the address each browser reached the app at — never 0.0.0.0. Inside the
// private network namespace the machine's LAN address is 10.213.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { lanAddresses } from '../../scripts/lib/lan-addresses.mjs'
import { waitFor } from '../unit/waiting'

const root = fileURLToPath(new URL('../../', import.meta.url))
let child: ChildProcess
let output = ''

async function configAt (host: string, port: number): Promise<{ trackers: string[] }> {
  const res = await fetch(`http://${host}:${port}/config.json`)
  expect(res.status).toBe(200)
  return await res.json() as { trackers: string[] }
}

function canConnect (host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => { socket.end(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}

describe('npm start on 0.0.0.0', () => {
  beforeAll(async () => {
    const { KITH_TRACKERS: _t, KITH_ICE_SERVERS: _i, ...env } = process.env
    child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env: { ...env, HOST: '0.0.0.0', PORT: '0', TRACKER_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
    await waitFor(() => output.includes('Press Ctrl+C to stop.'), 20_000, 50)
  })

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })

  it('prints a URL per LAN address and 127.0.0.1, never 0.0.0.0, and each serves a config naming a reachable tracker there', async () => {
    const lan = lanAddresses()
    if (process.env.KITH_PRIVATE_NETWORK === '1') expect(lan).toContain('10.213.0.1')
    expect(output).not.toContain('0.0.0.0')
    const urls = [...output.matchAll(/Open: (http:\/\/[^\s]+)/g)].map((m) => m[1]!)
    const port = Number(new URL(urls.at(-1)!).port)
    expect(urls).toEqual([...lan.map((a) => `http://${a}:${port}/`), `http://127.0.0.1:${port}/`])
    expect(output).toMatch(/\(from other devices on this network\)/)

    for (const host of [...lan, '127.0.0.1']) {
      const { trackers } = await configAt(host, port)
      expect(trackers).toHaveLength(1)
      const tracker = new URL(trackers[0]!)
      expect(tracker.protocol).toBe('ws:')
      expect(tracker.hostname).toBe(host)
      expect(await canConnect(tracker.hostname, Number(tracker.port))).toBe(true)
    }
  })
})
