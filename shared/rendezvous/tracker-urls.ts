// Tracker URLs that come from elsewhere (a friend's list): checked before
// they can cost a socket. A tracker is only a meeting place, but a hostile
// friend could try to make my browser open sockets where it should not (my
// own machine, my router) or leak credentials, so only plain ws/wss URLs
// are taken, short, without user names or passwords; what a friend may
// suggest beyond that is decided in node-tab/discovery/tracker-book.ts.

export const MAX_TRACKER_URL_CHARS = 200

/** Where a tracker's host is: this machine, a private network, or anywhere. */
export type HostScope = 'loopback' | 'private' | 'public'

/** The URL in a canonical form if it is an acceptable tracker URL, else null. */
export function normalizeTrackerUrl (value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TRACKER_URL_CHARS) return null
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return null
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null
  // A fragment never reaches a tracker; dropping it keeps one URL per tracker.
  url.hash = ''
  const text = url.href
  // new URL() adds a '/' to a bare host; keep what people write.
  const canonical = url.pathname === '/' && url.search === '' && !value.endsWith('/') ? text.slice(0, -1) : text
  return canonical.length <= MAX_TRACKER_URL_CHARS ? canonical : null
}

/** Names that only ever mean something inside a home or company network
 *  (RFC 6762 .local, RFC 8375 .home.arpa, ICANN's .internal, and the
 *  suffixes routers and companies use by habit). */
const PRIVATE_SUFFIXES = ['local', 'lan', 'home.arpa', 'internal', 'intranet', 'corp', 'home', 'localdomain', 'private', 'router', 'fritz.box']
/** Public DNS services whose names resolve to whatever address is written
 *  in them (192-168-1-1.nip.io, c0a80101.nip.io, 10.0.0.1.sslip.io): a name
 *  under them may point anywhere, a private network included. */
const ANY_ADDRESS_DNS = ['nip.io', 'sslip.io', 'xip.io', 'traefik.me', 'localtest.me', 'lvh.me', 'vcap.me', 'lacolhost.com', 'localho.st', 'backname.io']

/** Where a tracker's host is, whatever the spelling: the URL parser has
 *  already turned numeric IPv4 forms (2130706433, 0x7f000001, 127.1) into
 *  dotted ones and IPv6 into its short form; names are judged by their
 *  suffix and by any IPv4 address written in them. */
export function hostScope (trackerUrl: string): HostScope {
  let host: string
  try {
    host = new URL(trackerUrl).hostname.toLowerCase()
  } catch {
    return 'private'
  }
  if (host.startsWith('[')) return ipv6Scope(host.slice(1, -1))
  // "localhost." (a fully qualified name) reaches the same machine as "localhost".
  host = host.replace(/\.+$/, '')
  const v4 = ipv4Of(host)
  if (v4) return ipv4Scope(v4)
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  const under = (suffix: string): boolean => host === suffix || host.endsWith(`.${suffix}`)
  if (!host.includes('.') || PRIVATE_SUFFIXES.some(under)) return 'private'
  const written = host.match(/(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?=$|[.-])/)
  if (written) {
    const scope = ipv4Scope(written.slice(1, 5).map(Number))
    if (scope !== 'public') return scope
  }
  return ANY_ADDRESS_DNS.some(under) ? 'private' : 'public'
}

/** The four numbers of a dotted IPv4 address, or null. */
function ipv4Of (host: string): number[] | null {
  const m = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/)
  return m ? m.slice(1, 5).map(Number) : null
}

function ipv4Scope (parts: number[]): HostScope {
  const [a, b] = [parts[0]!, parts[1]!]
  if (a === 127) return 'loopback'
  // This network, 10/8, multicast and reserved, shared address space
  // (carrier-grade NAT, and Tailscale), link-local, 172.16/12, 192.168/16,
  // the benchmarking range.
  if (a === 0 || a === 10 || a >= 224 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19))) return 'private'
  return 'public'
}

/** Only global unicast (2000::/3) is public; IPv4 inside IPv6 (::ffff:…,
 *  NAT64's 64:ff9b::…) counts as private rather than be decoded. */
function ipv6Scope (host: string): HostScope {
  if (host === '::1') return 'loopback'
  return /^[23][0-9a-f]{0,3}:/.test(host) ? 'public' : 'private'
}

/** The server a tracker URL reaches (host and port): the same tracker
 *  whatever its path, query, trailing slash or trailing dot, so a removed
 *  one cannot come back spelled another way. */
export function trackerServer (trackerUrl: string): string {
  try {
    const url = new URL(trackerUrl)
    const port = url.port !== '' ? url.port : url.protocol === 'wss:' ? '443' : '80'
    return `${url.hostname.toLowerCase().replace(/\.+$/, '')}:${port}`
  } catch {
    return trackerUrl
  }
}
