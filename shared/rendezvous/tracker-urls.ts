// Tracker URLs that come from elsewhere (a friend's list): checked before
// they can cost a socket. A tracker is only a meeting place, but a hostile
// friend could try to make my browser open sockets where it should not (my
// own machine, my router) or leak credentials, so only plain ws/wss URLs
// are taken, short, without user names or passwords.

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

export function hostScope (trackerUrl: string): HostScope {
  let host: string
  try {
    host = new URL(trackerUrl).hostname.toLowerCase()
  } catch {
    return 'public'
  }
  if (host.startsWith('[')) host = host.slice(1, -1)
  // "localhost." (a fully qualified name) reaches the same machine as "localhost".
  host = host.replace(/\.+$/, '')
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host)) return 'loopback'
  if (/^10\./.test(host) || /^192\.168\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host) || /^169\.254\./.test(host) ||
    /^0\./.test(host) || /^(fc|fd|fe80)/.test(host) || host.endsWith('.local') || host.endsWith('.lan') || host.endsWith('.home.arpa') || !host.includes('.')) return 'private'
  return 'public'
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
