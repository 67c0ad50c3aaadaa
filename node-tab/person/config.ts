// Trackers, relays and ICE servers are configuration, never hard-wired into the
// protocol code. Order of precedence: what the owner saved in settings, then
// a /config.json next to the app (how `npm start` and the tests point the app
// at local trackers), then the public defaults below for real use.
export interface KithConfig {
  trackers: string[]
  /** Nostr relays: a second rendezvous beside the trackers (node-tab/relays)
   *  and the blind mailbox (node-tab/mailbox). The public defaults below
   *  unless the host's config.json names its own (`npm start` names its
   *  embedded one, tests their own, `[]` for none) or the owner chose. */
  relays?: string[]
  /** "Keep everything off relays": no rendezvous and no mailbox on any
   *  relay, whatever the list says (the list is kept for when it is
   *  turned back on). Per device, like the rest of the network. */
  relaysOff?: boolean
  iceServers: RTCIceServer[]
  /** "Hide my IP address from friends": every connection goes through a
   *  TURN relay (iceTransportPolicy 'relay'), so friends see only the
   *  relay's address. Saved per device (config overrides are not synced:
   *  each device has its own network). */
  relayOnly?: boolean
}

export const DEFAULT_RELAYS: readonly string[] = ['wss://relay.damus.io', 'wss://nos.lol', 'wss://relay.primal.net', 'wss://nostr.mom']

export const DEFAULT_CONFIG: KithConfig = {
  trackers: [
    'wss://tracker.openwebtorrent.com',
    'wss://tracker.webtorrent.dev',
    'wss://tracker.btorrent.xyz'
  ],
  // Well-run public relays, free to write to without an account, that pass
  // ephemeral kinds (25050/25051) and store regular ones (4550) with NIP-40
  // expiry: why these is in docs/networks.md. Tests and `npm start` never
  // reach them: their config.json names their own relays (or none).
  relays: [...DEFAULT_RELAYS],
  iceServers: [
    { urls: 'stun:stun.l.google.com:19302' },
    { urls: 'stun:global.stun.twilio.com:3478' }
  ]
}

export class ConfigError extends Error {}

function isIceServer (v: unknown): v is RTCIceServer {
  if (typeof v !== 'object' || v === null) return false
  const urls = (v as { urls?: unknown }).urls
  return typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'))
}

/** Checks a config object from an untrusted source (a file, a text field). */
export function parseConfig (input: unknown): Partial<KithConfig> {
  if (typeof input !== 'object' || input === null) throw new ConfigError('The configuration must be a JSON object.')
  const out: Partial<KithConfig> = {}
  const { trackers, relays, iceServers, relayOnly, relaysOff } = input as Record<string, unknown>
  if (trackers !== undefined) {
    if (!Array.isArray(trackers) || !trackers.every((t) => typeof t === 'string')) throw new ConfigError('“trackers” must be a list of ws:// or wss:// URLs.')
    for (const t of trackers) {
      if (!/^wss?:\/\/[^\s]+$/.test(t)) throw new ConfigError(`“${t}” is not a ws:// or wss:// tracker URL.`)
    }
    out.trackers = trackers
  }
  if (relays !== undefined) {
    if (!Array.isArray(relays) || !relays.every((t) => typeof t === 'string')) throw new ConfigError('“relays” must be a list of ws:// or wss:// URLs.')
    for (const r of relays) {
      if (!/^wss?:\/\/[^\s]+$/.test(r)) throw new ConfigError(`“${r}” is not a ws:// or wss:// relay URL.`)
    }
    out.relays = relays
  }
  if (iceServers !== undefined) {
    if (!Array.isArray(iceServers) || !iceServers.every(isIceServer)) throw new ConfigError('“iceServers” must be a list of {urls: …} objects (an empty list is fine).')
    out.iceServers = iceServers
  }
  if (relayOnly !== undefined) {
    if (typeof relayOnly !== 'boolean') throw new ConfigError('“relayOnly” must be true or false.')
    out.relayOnly = relayOnly
  }
  if (relaysOff !== undefined) {
    if (typeof relaysOff !== 'boolean') throw new ConfigError('“relaysOff” must be true or false.')
    out.relaysOff = relaysOff
  }
  return out
}

/** The relays to use now: none at all while they are turned off. */
export function relaysInConfig (config: KithConfig): string[] {
  return config.relaysOff === true ? [] : config.relays ?? []
}

/** A turn: or turns: URL among the ICE servers. */
export function hasTurnServer (iceServers: RTCIceServer[]): boolean {
  return iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)))
}

export const RELAY_ONLY_NEEDS_TURN = 'Hiding your IP address needs a TURN server to relay everything: add one under ICE servers (a turn: URL with its username and credential), or leave this off.'

/** What the browser is told. Relay-only fails closed: with no TURN server it
 *  connects to nobody rather than show the address the owner chose to hide. */
export function rtcConfigOf (config: KithConfig): RTCConfiguration {
  return { iceServers: config.iceServers, iceTransportPolicy: config.relayOnly === true ? 'relay' : 'all' }
}

/** Asks the host for ./config.json: its configuration, `{}` when it serves
 *  none or a broken one (any static host must work: the defaults are then
 *  its choice), or null when it could not be asked (offline, a network or
 *  server error), so the caller can keep what the host said before. */
export async function askHostConfig (fetchImpl: typeof fetch = fetch): Promise<Partial<KithConfig> | null> {
  let res: Response
  try {
    res = await fetchImpl('./config.json', { cache: 'no-store' })
  } catch {
    return null
  }
  if (!res.ok) return res.status >= 500 ? null : {}
  try {
    return parseConfig(await res.json())
  } catch (err) {
    if (err instanceof ConfigError) console.warn('[kith] ignoring config.json:', err.message)
    return {}
  }
}

/** The host's configuration, or `{}` (the defaults) when it cannot be asked. */
export async function fetchHostConfig (fetchImpl: typeof fetch = fetch): Promise<Partial<KithConfig>> {
  return await askHostConfig(fetchImpl) ?? {}
}

export function mergeConfig (...layers: Array<Partial<KithConfig> | undefined>): KithConfig {
  const merged: KithConfig = { ...DEFAULT_CONFIG }
  for (const layer of layers) {
    if (layer?.trackers) merged.trackers = layer.trackers
    if (layer?.relays) merged.relays = layer.relays
    if (layer?.iceServers) merged.iceServers = layer.iceServers
    if (layer?.relayOnly !== undefined) merged.relayOnly = layer.relayOnly
    if (layer?.relaysOff !== undefined) merged.relaysOff = layer.relaysOff
  }
  return merged
}
