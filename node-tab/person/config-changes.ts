// The owner changes trackers, ICE servers or relays: what else must follow
// (the tracker directory, open sessions, waiting codes, the listener).
import type { NodeParts } from '../node-serving'
import type { KithConfig } from './config'
import type { PersonSettings } from './person-settings'

type Followers = Pick<NodeParts, 'trackerDirectory' | 'connections' | 'codes' | 'listener'>

/** Saves trackers/ICE servers chosen by the owner and restarts discovery. */
export async function saveConfig (settings: PersonSettings, parts: Followers, overrides: Partial<KithConfig>): Promise<void> {
  const change = await settings.saveConfig(overrides)
  if (change.trackers) parts.trackerDirectory.configured(change.trackers)
  // Connections made before the owner chose to hide their address carry
  // it: close them, so every friend reconnects through the relay. So do
  // connection codes still waiting for an answer (made to connect by any path).
  if (change.hidingNow) {
    parts.connections.sessions.closeEverything('reconnecting through the relay')
    parts.codes.withdraw()
  }
  parts.listener.restart()
}

/** The owner's relay list goes: the host's (or the defaults) apply again. */
export async function resetRelays (settings: PersonSettings, parts: Pick<Followers, 'listener'>): Promise<void> {
  await settings.resetRelays()
  parts.listener.restart()
}
