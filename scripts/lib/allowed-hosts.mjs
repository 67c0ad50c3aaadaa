// Which Host names a local Kith server answers to. A web page anywhere can
// make its own name resolve to this machine (DNS rebinding) and then read
// whatever the server answers as if it were its own origin: config.json with
// the TURN credentials, the app with its name reflected as a tracker URL.
// So the server answers only the names it is really reached by: loopback,
// the address it listens on (or, on every interface, this machine's
// addresses and host name), and any the person adds (KITH_ALLOWED_HOSTS).
import os from 'node:os'
import { hostFromHeader, isWildcardHost } from './lan-addresses.mjs'

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]']

/**
 * The names a server listening on `listenHost` answers to, lower case, IPv6
 * in brackets.
 * @param {{ listenHost: string, extra?: string[], interfaces?: ReturnType<typeof os.networkInterfaces>, hostname?: string }} opts
 * @returns {Set<string>}
 */
export function allowedHosts ({ listenHost, extra = [], interfaces = os.networkInterfaces(), hostname = os.hostname() }) {
  const names = new Set(LOOPBACK)
  if (isWildcardHost(listenHost)) {
    for (const list of Object.values(interfaces)) {
      for (const a of list ?? []) names.add(bracketed(a.address))
    }
    if (hostname) {
      names.add(hostname.toLowerCase())
      names.add(`${hostname.toLowerCase()}.local`)
    }
  } else {
    names.add(bracketed(listenHost).toLowerCase())
  }
  for (const name of extra) names.add(bracketed(name.trim()).toLowerCase())
  names.delete('')
  return names
}

/**
 * Extra names from the environment: KITH_ALLOWED_HOSTS=kith.example,pi.lan
 * @param {string | undefined} value
 * @returns {string[]}
 */
export function extraHostsFrom (value) {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)
}

/**
 * Does this request name a host the server answers to? A missing or
 * malformed Host header does not (every browser sends one).
 * @param {string | undefined} hostHeader
 * @param {Set<string>} allowed
 */
export function isAllowedHost (hostHeader, allowed) {
  const host = hostFromHeader(hostHeader)
  return host !== null && allowed.has(host.toLowerCase().replace(/\.$/, ''))
}

function bracketed (address) {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address
}
