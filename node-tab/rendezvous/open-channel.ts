// The channel a dial or a listener opens by default: the trackers, and the
// relays beside them when the owner has any (multi-channel.ts). Part of the
// network code (loaded with it: network-loader.ts), so the first screen
// carries neither the tracker nor the relay client.
import { TrackerChannel } from '../discovery/tracker-channel'
import { TrackerPool, type TrackerPoolOptions } from '../discovery/tracker-client'
import type { RelayBook } from '../discovery/tracker-relays'
import { RelayChannel } from '../relays/relay-channel'
import type { RendezvousChannel } from './channel'
import { MultiChannel } from './multi-channel'

export interface ChannelRoutes {
  trackers: string[]
  /** Nostr relays (relays/relay-channel.ts); none by default. */
  relayUrls?: string[]
  /** Where the node notes which trackers relay (tracker-relays.ts). */
  relays?: RelayBook
  createSocket?: TrackerPoolOptions['createSocket']
}

export function openRendezvous (routes: ChannelRoutes): RendezvousChannel {
  const relayUrls = routes.relayUrls ?? []
  const trackers = new TrackerChannel(new TrackerPool({ urls: routes.trackers, createSocket: routes.createSocket, relays: routes.relays }))
  if (relayUrls.length === 0) return trackers
  return new MultiChannel([trackers, new RelayChannel({ urls: relayUrls, createSocket: routes.createSocket })])
}
