// What each tracker or relay verdict means for the owner (see TrackerHealth),
// on its own so the tracker list on the first screen can say it without
// pulling in the status view, which loads later (lazy-views.ts).
import type { TrackerHealth } from '../../node-tab/discovery/tracker-client'

export const HEALTH_WORDS: Record<TrackerHealth, string> = {
  working: 'working',
  connecting: 'connecting…',
  unreachable: 'unreachable, retrying',
  'keeps-dropping': 'keeps dropping the connection',
  slow: 'connected, but slow to answer',
  'not-relaying': 'connected, but friends’ offers do not seem to get through it',
  refused: 'refused our events',
  'rate-limited': 'asked us to slow down (rate-limited)'
}

/** The same for a relay, which is connected rather than "working" (a relay
 *  cannot be seen to carry offers the way a tracker is). */
export const RELAY_HEALTH_WORDS: Record<TrackerHealth, string> = {
  ...HEALTH_WORDS,
  working: 'connected',
  unreachable: 'unreachable, retrying'
}
