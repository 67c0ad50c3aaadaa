// Addresses here are 203.0.113.x (TEST-NET-3, documentation only, never routed): nothing is contacted; they stand for public trackers.
// Attacks on trackers a friend shares (workingTrackers): a hostile friend
// trying to make my browser open sockets on my own machine or home network
// with spellings of loopback/private hosts the plain checks might miss
// (a trailing dot, numeric IPv4 forms, IPv4-mapped IPv6), or with schemes
// that are not trackers at all.
import { describe, expect, it } from 'vitest'
import { parseWorkingTrackers } from '../../shared/protocol/protocol'
import { hostScope, normalizeTrackerUrl } from '../../shared/rendezvous/tracker-urls'
import { addShared, emptyBook, removeShared, trackersInUse } from '../../node-tab/discovery/tracker-book'
import { TrackerDirectory } from '../../node-tab/discovery/tracker-directory'
import type { NodeSession } from '../../node-tab/connections/sessions'
import { NodeDatabase } from '../../node-tab/storage/db'

const FRIEND = 'ab'.repeat(32)
const MINE = ['wss://203.0.113.1']

/** What a friend's list adds to the trackers I use, given mine are public. */
function takenFrom (list: string[]): string[] {
  const book = emptyBook()
  addShared(book, FRIEND, parseWorkingTrackers({ trackers: list }), MINE, 1)
  return trackersInUse(book, MINE).filter((t) => t.source === 'friend').map((t) => t.url)
}

describe('attack: a friend sharing trackers on my own machine or network', () => {
  // Attack: a fully qualified name with its trailing dot ("localhost.")
  // resolves to this machine like "localhost"; so do the router's names.
  it('a trailing dot on localhost or a local name does not pass as a public host', () => {
    for (const url of ['ws://localhost.:9000', 'ws://LOCALHOST.:9000', 'ws://app.localhost.:80', 'ws://printer.local.', 'ws://router.lan.:8080', 'ws://box.home.arpa.', 'ws://router.']) {
      expect(hostScope(normalizeTrackerUrl(url)!), url).not.toBe('public')
    }
    expect(takenFrom(['ws://localhost.:9000', 'ws://router.lan.:8080', 'wss://203.0.113.2'])).toEqual(['wss://203.0.113.2'])
  })

  // Attack: loopback and private IPv4 written as one number, in hex, short
  // forms, or inside IPv6; the unspecified address.
  it('numeric, short and IPv6-mapped spellings of loopback and private addresses are not public', () => {
    for (const url of ['ws://2130706433:22', 'ws://0x7f000001', 'ws://127.1', 'ws://0177.0.0.1', 'ws://0.0.0.0:80', 'ws://0:80',
      'ws://[::1]', 'ws://[0:0:0:0:0:0:0:1]', 'ws://[::ffff:127.0.0.1]', 'ws://[::ffff:192.168.1.1]', 'ws://[fe80::1]', 'ws://[fd00::1]',
      'ws://3232235777', 'ws://10.1', 'ws://169.254.169.254', 'ws://172.16.0.1']) {
      const normalized = normalizeTrackerUrl(url)
      expect(normalized, url).not.toBeNull()
      expect(hostScope(normalized!), url).not.toBe('public')
    }
    expect(takenFrom(['ws://2130706433:22', 'ws://[::ffff:192.168.1.1]', 'ws://169.254.169.254'])).toEqual([])
  })

  // Attack: javascript:, data:, file: and http(s) URLs, and ws URLs hiding
  // credentials or control characters: the whole list is refused.
  it('refuses a list with any non-ws URL, credentials or control characters, whole', () => {
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)//ws://203.0.113.3', 'data:text/html,<script>', 'file:///etc/passwd', 'https://203.0.113.3',
      'ws://user@203.0.113.3', 'ws://:pw@203.0.113.3', 'ws://203.0.113.3/\u0000', 'ws://203.0.113.3/\nHost: x', ' ws://203.0.113.3']) {
      expect(() => parseWorkingTrackers({ trackers: ['wss://203.0.113.2', bad] }), bad).toThrow(/ws:\/\/ or wss:\/\//)
    }
  })
})

describe('attack: a friend bringing back a tracker I removed', () => {
  // Attack: I removed Mallory's tracker; her next list names the same
  // server spelled another way (a trailing slash, a query, another path,
  // the host's trailing dot, its default port, ws instead of wss).
  it('the same server under another spelling stays removed; another friend may still share it', () => {
    const book = emptyBook()
    const mallory = 'cd'.repeat(32)
    addShared(book, mallory, parseWorkingTrackers({ trackers: ['wss://203.0.113.5'] }), MINE, 1)
    removeShared(book, 'wss://203.0.113.5')
    const variants = ['wss://203.0.113.5/', 'wss://203.0.113.5/?again=1', 'wss://203.0.113.5/announce', 'wss://203.0.113.5.', 'wss://203.0.113.5:443', 'ws://203.0.113.5:443']
    for (const variant of variants) {
      addShared(book, mallory, parseWorkingTrackers({ trackers: [variant] }), MINE, 2)
      expect(trackersInUse(book, MINE).map((t) => t.url), variant).toEqual(MINE)
    }
    // Listed several ways at once, removing one removes them all.
    addShared(book, FRIEND, parseWorkingTrackers({ trackers: ['wss://203.0.113.7', 'wss://203.0.113.7/x'] }), MINE, 2)
    removeShared(book, 'wss://203.0.113.7/x')
    expect(trackersInUse(book, MINE).map((t) => t.url)).toEqual(MINE)
    // Another server of hers, and the same one from someone else, are taken.
    addShared(book, mallory, parseWorkingTrackers({ trackers: ['wss://203.0.113.6'] }), MINE, 3)
    addShared(book, FRIEND, parseWorkingTrackers({ trackers: ['wss://203.0.113.5/'] }), MINE, 3)
    expect(trackersInUse(book, MINE).map((t) => t.url)).toEqual([...MINE, 'wss://203.0.113.6', 'wss://203.0.113.5/'])
  })
})

describe('attack: a friend’s tracker promoted above mine', () => {
  // Attack: Mallory shares a tracker she runs, and it really relays. Were
  // it remembered as "worked before", it would be tried before my own on
  // every start, lose its Remove button, and outlive her friendship.
  it('a friend’s tracker that relayed stays theirs: after mine, removable, and gone once removed', async () => {
    const db = new NodeDatabase(`attack-trackers-${Math.random()}`)
    const dir = new TrackerDirectory(db, () => MINE)
    await dir.load()
    const mallory = { rpc: { call: async () => ({ trackers: ['wss://203.0.113.5'] }) } } as unknown as NodeSession
    await dir.askFriend('cd'.repeat(32), mallory)
    dir.relays.relayed('wss://203.0.113.5')
    expect(dir.inUse()).toEqual([
      { url: 'wss://203.0.113.1', source: 'mine' },
      { url: 'wss://203.0.113.5', source: 'friend', from: ['cd'.repeat(32)] }
    ])
    dir.removeShared('wss://203.0.113.5')
    // Another tracker relaying afterwards does not bring it back as remembered.
    dir.relays.relayed('wss://203.0.113.1')
    expect(dir.urls()).toEqual(MINE)
    await dir.flush()
    const again = new TrackerDirectory(db, () => MINE)
    await again.load()
    expect(again.urls()).toEqual(MINE)
    db.close()
  })
})

describe('attack: a friend’s tracker names my network without looking like it', () => {
  // Attack: names that resolve into my home network though they look like
  // any other (a router's name, a company suffix, public DNS services that
  // answer with the address written in the name, carrier-grade NAT and
  // Tailscale's 100.64/10, IPv4 inside IPv6).
  it('router and company names, address-in-name DNS services, 100.64/10 and IPv4 inside IPv6 are not public', () => {
    for (const url of ['wss://fritz.box', 'wss://nas.internal', 'wss://printer.home.arpa', 'wss://build.corp', 'wss://nas.intranet', 'wss://pi.localdomain',
      'wss://192-168-1-1.nip.io', 'wss://app.10.0.0.1.sslip.io', 'wss://c0a80101.nip.io', 'wss://magic-c0a80101.nip.io', 'wss://127.0.0.1.nip.io',
      'wss://x.localtest.me', 'wss://lvh.me', 'wss://tracker-192-168-0-10.example.org', 'wss://100.64.0.1', 'wss://100.127.255.254', 'wss://198.18.0.1',
      'wss://[64:ff9b::c0a8:101]', 'wss://[::ffff:10.0.0.1]', 'wss://[fec0::1]', 'wss://[::]', 'wss://224.0.0.1']) {
      const normalized = normalizeTrackerUrl(url)
      expect(normalized, url).not.toBeNull()
      expect(hostScope(normalized!), url).not.toBe('public')
    }
    expect(hostScope('wss://127.0.0.1.nip.io')).toBe('loopback')
    for (const url of ['wss://tracker.openwebtorrent.com', 'wss://100.128.0.1', 'wss://[2001:4860::1]', 'wss://tracker-1.example.org', 'wss://203.0.113.9']) {
      expect(hostScope(url), url).toBe('public')
    }
    expect(takenFrom(['wss://fritz.box', 'wss://192-168-1-1.nip.io', 'wss://100.64.0.1', 'wss://203.0.113.2'])).toEqual(['wss://203.0.113.2'])
  })

  // Decision: a friend may suggest only a public tracker over TLS. A device
  // on my network cannot answer for a public name without its certificate.
  it('a plain ws:// tracker is not taken from a friend, even on a public host', () => {
    expect(takenFrom(['ws://203.0.113.2', 'ws://tracker.example.org', 'wss://tracker.example.org'])).toEqual(['wss://tracker.example.org'])
  })
})

describe('attack: a friend’s tracker defeating "Hide my IP address"', () => {
  // Attack: with relay-only on, my browser would still open a WebSocket to
  // a server a friend named, and so show the friend my address.
  it('with relay-only on, no friend’s tracker is taken or used; off again, the ones shared before come back', async () => {
    const db = new NodeDatabase(`attack-trackers-${Math.random()}`)
    let relayOnly = false
    const dir = new TrackerDirectory(db, () => MINE, () => relayOnly)
    await dir.load()
    let asked = 0
    const friend = (url: string): NodeSession => ({ rpc: { call: async () => { asked++; return { trackers: [url] } } } }) as unknown as NodeSession
    await dir.askFriend('cd'.repeat(32), friend('wss://203.0.113.5'))
    expect(dir.urls()).toEqual([...MINE, 'wss://203.0.113.5'])
    relayOnly = true
    expect(dir.urls()).toEqual(MINE)
    await dir.askFriend('ef'.repeat(32), friend('wss://203.0.113.6'))
    expect(asked).toBe(1)
    expect(dir.urls()).toEqual(MINE)
    relayOnly = false
    expect(dir.urls()).toEqual([...MINE, 'wss://203.0.113.5'])
    db.close()
  })
})
