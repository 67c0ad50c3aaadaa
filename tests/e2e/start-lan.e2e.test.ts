// `npm start` with HOST=0.0.0.0 (scripts/start.mjs, run as a user would): it
// prints the URLs other devices can open, and config.json names the tracker
// and the embedded relay at the address each browser reached the app at — never 0.0.0.0. Inside the
// private network namespace the machine's LAN address is 10.213.0.1. Then
// an invite made in a browser at the LAN URL is accepted by a second browser
// (the phone) that only knows that link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../../scripts/lib/chromium.mjs'
import { lanAddresses } from '../../scripts/lib/lan-addresses.mjs'
import { waitFor } from '../unit/waiting'
import { screenshot } from './support/world'

const root = fileURLToPath(new URL('../../', import.meta.url))
let child: ChildProcess
let output = ''
let browser: Browser | null = null

async function configAt (host: string, port: number): Promise<{ trackers: string[], relays: string[] }> {
  const res = await fetch(`http://${host}:${port}/config.json`)
  expect(res.status).toBe(200)
  return await res.json() as { trackers: string[], relays: string[] }
}

function canConnect (host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => { socket.end(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}

describe('npm start on 0.0.0.0', () => {
  beforeAll(async () => {
    const { KITH_TRACKERS: _t, KITH_RELAYS: _r, KITH_ICE_SERVERS: _i, ...env } = process.env
    // No ICE servers: the default (public STUN, for real use) must not be asked from a test.
    child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, env: { ...env, HOST: '0.0.0.0', PORT: '0', TRACKER_PORT: '0', RELAY_PORT: '0', KITH_ICE_SERVERS: '[]' }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { output += d.toString() })
    await waitFor(() => output.includes('Press Ctrl+C to stop.'), 20_000, 50)
  })

  afterAll(async () => {
    await browser?.close()
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })

  it('prints a URL per LAN address and 127.0.0.1, never 0.0.0.0, and each serves a config naming a reachable tracker and relay there', async () => {
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
      const { relays } = await configAt(host, port)
      expect(relays).toHaveLength(1)
      const relay = new URL(relays[0]!)
      expect(relay.protocol).toBe('ws:')
      expect(relay.hostname).toBe(host)
      expect(await canConnect(relay.hostname, Number(relay.port))).toBe(true)
    }
  })

  it('an invite made at the LAN URL is accepted by another browser that opens just that link', async () => {
    const urls = [...output.matchAll(/Open: (http:\/\/[^\s]+)/g)].map((m) => m[1]!)
    const lanUrl = urls[0]!
    // In the private network namespace that is 10.213.0.1; elsewhere the machine's first LAN address.
    expect(lanUrl, 'a LAN address to open from another device').not.toMatch(/^http:\/\/127\./)
    if (process.env.KITH_PRIVATE_NETWORK === '1') expect(lanUrl).toMatch(/^http:\/\/10\.213\.0\.1:/)
    browser = await launchChromium()
    const laptop = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage()
    await laptop.goto(`${lanUrl}#/me`)
    await laptop.getByTestId('my-address').waitFor()
    await laptop.getByLabel('Name shown to friends').fill('Alice')
    await laptop.getByRole('button', { name: 'Save name' }).click()
    await laptop.getByText('Saved. Friends see this name.').waitFor()
    await laptop.getByRole('tab', { name: 'Invites' }).click()
    await laptop.getByRole('button', { name: 'Create invite' }).click()
    await laptop.getByTestId('invite-link').filter({ hasText: '#/invite/' }).waitFor()
    const link = (await laptop.getByTestId('invite-link').textContent())!.trim()
    expect(link.startsWith(lanUrl)).toBe(true)
    expect(await laptop.getByTestId('invite-local-only').count()).toBe(0)

    await phone.goto(link)
    await phone.getByLabel('Your name (your friend will see it)').fill('Bob')
    await phone.getByRole('button', { name: 'Accept invite' }).click()
    await phone.getByTestId('friend-name').filter({ hasText: 'Alice' }).waitFor({ timeout: 60_000 })
    await screenshot({ page: phone }, 'start-lan-phone-friend-390')
    await laptop.getByRole('tab', { name: 'Friends' }).click()
    await laptop.getByTestId('friend-entry').filter({ hasText: 'Bob' }).waitFor({ timeout: 30_000 })
  })
})
