#!/usr/bin/env node
// `npm start`: serve the built app, an embedded WebSocket tracker and an
// embedded Nostr relay (a second way to be found: node-tab/relays) on this
// machine, with the app pointed at both, and print the URLs to open.
// Options (environment): PORT (app, default 5173), TRACKER_PORT (default 8000),
// RELAY_PORT (default 8001),
// HOST (default 127.0.0.1; use 0.0.0.0 to reach it from other devices on the
// LAN: it prints the LAN URLs, and each browser is told the tracker at the
// address it reached the app at, never 0.0.0.0),
// KITH_TRACKERS (comma-separated ws:// URLs to use instead of the embedded one),
// KITH_RELAYS (comma-separated ws:// relay URLs instead of the embedded one;
// empty for none),
// KITH_ALLOWED_HOSTS (comma-separated host names the app is also reached by,
// e.g. a name in your LAN's DNS: any other name is refused, see allowed-hosts.mjs),
// KITH_ICE_SERVERS (JSON list of RTCIceServer; default: public STUN for real use).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { APP_HEADERS } from './lib/csp.mjs'
import { startStaticServer } from './lib/static-server.mjs'
import { startTracker } from './lib/tracker-server.mjs'
import { startRelay } from './lib/relay-server.mjs'
import { isWildcardHost, lanAddresses, trackersForBrowser, urlsToOpen } from './lib/lan-addresses.mjs'
import { extraHostsFrom } from './lib/allowed-hosts.mjs'

const root = fileURLToPath(new URL('../', import.meta.url))
if (!existsSync(`${root}dist/index.html`)) {
  console.error('No build found in dist/. Run `npm start` (it builds first) or `npm run build`.')
  process.exit(1)
}

const host = process.env.HOST ?? '127.0.0.1'
const tracker = process.env.KITH_TRACKERS
  ? null
  : await startTracker({ port: Number(process.env.TRACKER_PORT ?? 8000), host })
const trackers = process.env.KITH_TRACKERS
  ? process.env.KITH_TRACKERS.split(',').map((s) => s.trim()).filter(Boolean)
  : [tracker.url]
// The embedded relay is a stock one from npm, strict as public relays are.
const relay = process.env.KITH_RELAYS !== undefined
  ? null
  : await startRelay({ port: Number(process.env.RELAY_PORT ?? 8001), host })
const relays = process.env.KITH_RELAYS !== undefined
  ? process.env.KITH_RELAYS.split(',').map((s) => s.trim()).filter(Boolean)
  : [relay.url]
const iceServers = process.env.KITH_ICE_SERVERS ? JSON.parse(process.env.KITH_ICE_SERVERS) : undefined
const lan = isWildcardHost(host) ? lanAddresses() : []
const fallbackHost = lan[0] ?? '127.0.0.1'
/** Per request: a phone that opened http://192.168.1.5:5173 gets ws://192.168.1.5:8000. */
const config = (req) => ({
  trackers: trackersForBrowser(trackers, req.headers.host, fallbackHost),
  relays: trackersForBrowser(relays, req.headers.host, fallbackHost),
  ...(iceServers ? { iceServers } : {})
})

const app = await startStaticServer({ root: `${root}dist`, port: Number(process.env.PORT ?? 5173), host, config, headers: APP_HEADERS, extraHosts: extraHostsFrom(process.env.KITH_ALLOWED_HOSTS) })

const urls = urlsToOpen(host, app.port, lan)
console.log('')
if (!isWildcardHost(host)) {
  console.log(`  Kith is running.  Open: ${urls[0].url}`)
} else {
  console.log('  Kith is running.')
  for (const u of urls) console.log(`  Open: ${u.url}${u.lan ? '   (from other devices on this network)' : '   (this machine only)'}`)
  if (lan.length === 0) console.log('  No network address found: other devices cannot reach this machine yet.')
  else console.log('  To invite a phone, make the invite in a browser opened at a network address: links carry the address they were made at.')
}
console.log(`  Tracker: ${isWildcardHost(host) && tracker ? `port ${tracker.port}, at the address each browser opened` : trackers.join(', ')}${tracker ? ' (embedded)' : ''}`)
console.log(`  Relay: ${isWildcardHost(host) && relay ? `port ${relay.port}, at the address each browser opened` : relays.join(', ') || 'none'}${relay ? ' (embedded)' : ''}`)
console.log('  Open it in two browser profiles (or a normal and a private window) to be two people.')
console.log('  Press Ctrl+C to stop.')
console.log('')

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await app.close()
    await tracker?.close()
    await relay?.close()
    process.exit(0)
  })
}
