// npm start on 0.0.0.0: which URLs it prints and which tracker address each
// browser is told (never 0.0.0.0, which means "this device" to a phone).
import { describe, expect, it } from 'vitest'
import type { NetworkInterfaceInfo } from 'node:os'
import { hostFromHeader, isWildcardHost, lanAddresses, trackersForBrowser, urlsToOpen } from '../../scripts/lib/lan-addresses.mjs'

function nic (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  return { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) } as NetworkInterfaceInfo
}

describe('LAN addresses', () => {
  it('keeps IPv4 LAN addresses and drops loopback, link-local, IPv6 and duplicates', () => {
    const found = lanAddresses({
      lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
      eth0: [nic('192.168.1.5', 'IPv4'), nic('fe80::1', 'IPv6')],
      wlan0: [nic('169.254.3.4', 'IPv4'), nic('10.0.0.7', 'IPv4'), nic('192.168.1.5', 'IPv4')]
    })
    expect(found).toEqual(['192.168.1.5', '10.0.0.7'])
  })

  it('prints every LAN URL, then 127.0.0.1 for this machine, when listening on 0.0.0.0', () => {
    expect(urlsToOpen('0.0.0.0', 5173, ['192.168.1.5', '10.0.0.7'])).toEqual([
      { url: 'http://192.168.1.5:5173/', lan: true },
      { url: 'http://10.0.0.7:5173/', lan: true },
      { url: 'http://127.0.0.1:5173/', lan: false }
    ])
    expect(urlsToOpen('0.0.0.0', 5173, []).map((u) => u.url)).toEqual(['http://127.0.0.1:5173/'])
    for (const u of urlsToOpen('::', 80, ['192.168.1.5'])) expect(u.url).not.toMatch(/0\.0\.0\.0|\[::\]/)
  })

  it('prints just the host for a specific HOST', () => {
    expect(urlsToOpen('127.0.0.1', 5173, ['192.168.1.5'])).toEqual([{ url: 'http://127.0.0.1:5173/', lan: false }])
    expect(urlsToOpen('192.168.1.5', 5173)).toEqual([{ url: 'http://192.168.1.5:5173/', lan: true }])
  })

  it('knows the wildcard hosts', () => {
    expect(['0.0.0.0', '::', '[::]', ''].every(isWildcardHost)).toBe(true)
    expect(['127.0.0.1', '192.168.1.5', 'localhost'].some(isWildcardHost)).toBe(false)
  })
})

describe('the tracker address handed to a browser', () => {
  const trackers = ['ws://0.0.0.0:8000']

  it('is the address the browser reached the app at', () => {
    expect(trackersForBrowser(trackers, '192.168.1.5:5173', '10.0.0.7')).toEqual(['ws://192.168.1.5:8000'])
    expect(trackersForBrowser(trackers, '127.0.0.1:5173', '10.0.0.7')).toEqual(['ws://127.0.0.1:8000'])
    expect(trackersForBrowser(trackers, 'kith-box.local', '10.0.0.7')).toEqual(['ws://kith-box.local:8000'])
    expect(trackersForBrowser(['ws://[::]:8000'], '[fd00::5]:5173', '10.0.0.7')).toEqual(['ws://[fd00::5]:8000'])
  })

  it('falls back to the LAN address without a usable Host header, never 0.0.0.0', () => {
    for (const header of [undefined, '', '0.0.0.0:5173', 'evil.example/"><script>', 'a b', 'x'.repeat(300), '[::]:5173']) {
      const [url] = trackersForBrowser(trackers, header, '10.0.0.7')
      expect(url).toBe('ws://10.0.0.7:8000')
    }
  })

  it('leaves trackers that name a host of their own alone', () => {
    expect(trackersForBrowser(['ws://10.213.0.1:9000', 'wss://tracker.invalid'], '192.168.1.5:5173', '10.0.0.7'))
      .toEqual(['ws://10.213.0.1:9000', 'wss://tracker.invalid'])
  })

  it('reads only a plain host (and port) from the header', () => {
    expect(hostFromHeader('192.168.1.5:5173')).toBe('192.168.1.5')
    expect(hostFromHeader('[fd00::5]:80')).toBe('[fd00::5]')
    expect(hostFromHeader('a:b:c')).toBeNull()
    expect(hostFromHeader('host:99999999')).toBeNull()
  })
})
