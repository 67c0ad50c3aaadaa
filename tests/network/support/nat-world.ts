// Fixtures for the network suite: the tracker and the app on the public
// segment, coturn in its own namespace, and each person's Chromium in a home
// behind a NAT router (scripts/lib/nat-network.mjs builds the network before
// vitest starts). Every address is the test network's own.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS } from '../../../scripts/lib/chromium.mjs'
import { APP_HEADERS } from '../../../scripts/lib/csp.mjs'
import { startStaticServer } from '../../../scripts/lib/static-server.mjs'
import { startTracker } from '../../../scripts/lib/tracker-server.mjs'
import { chromiumIn, HOMES, PUBLIC_GATEWAY, startTurn, type Home, type Turn } from '../../../scripts/lib/nat-network.mjs'
import { SCREENSHOT_DIR } from '../../e2e/support/world'
import type { Person } from '../../e2e/support/world'
import { recordPeerConnections } from './peer-stats'

const root = fileURLToPath(new URL('../../../', import.meta.url))

export type IceSetup = 'none' | 'stun' | 'turn'

export interface NatWorld {
  appUrl: string
  turn: Turn
  /** ICE servers for a setup, with this run's TURN credentials. */
  iceServers: (setup: IceSetup) => RTCIceServer[]
  /** A person whose Chromium runs in the named home (h1, h2: endpoint-
   *  independent NAT; h3, h4: symmetric). */
  person: (name: string, home: string) => Promise<Person>
  close: () => Promise<void>
}

export async function createNatWorld (opts: { ice: IceSetup }): Promise<NatWorld> {
  if (process.env.KITH_NAT_NETWORK !== '1') throw new Error('The network suite runs through `npm run test:network`, which builds the NAT network first.')
  const dir = mkdtempSync(`${tmpdir()}/kith-natnet-`)
  const turn = await startTurn(`${dir}/turn`)
  const iceServers = (setup: IceSetup): RTCIceServer[] => setup === 'none'
    ? []
    : setup === 'stun'
      ? [{ urls: turn.stunUrl }]
      : [{ urls: turn.turnUrl, username: turn.username, credential: turn.password }]
  const tracker = await startTracker({ host: PUBLIC_GATEWAY })
  const app = await startStaticServer({
    root: `${root}dist`, host: PUBLIC_GATEWAY, headers: APP_HEADERS,
    config: { trackers: [tracker.url], relays: [], iceServers: iceServers(opts.ice) }
  })
  const browsers: Browser[] = []
  const contexts: BrowserContext[] = []
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return {
    appUrl: `${app.url}/`,
    turn,
    iceServers,
    async person (name, homeName) {
      const home = HOMES.find((h: Home) => h.name === homeName)
      if (!home) throw new Error(`no home ${homeName}`)
      const browser = await chromium.launch({
        executablePath: chromiumIn(home, `${dir}/bin`),
        // The app is served over plain http on a 10.x address: let Chromium
        // treat that origin as secure, as it would an https host.
        args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${app.url}`],
        headless: true
      })
      browsers.push(browser)
      const context = await browser.newContext({ viewport: { width: 900, height: 900 } })
      contexts.push(context)
      await recordPeerConnections(context)
      const page: Page = await context.newPage()
      page.on('pageerror', (err) => console.error(`[${name} page error]`, err.message))
      return { name, context, page, address: '', shownName: '' }
    },
    async close () {
      for (const c of contexts) await c.close().catch(() => {})
      for (const b of browsers) await b.close().catch(() => {})
      await app.close()
      await tracker.close().catch(() => {})
      await turn.close()
      // The run's coturn config, credentials, log and capture go with it.
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The NAT world one test file (or describe block) shares: made before its
 *  first test, closed after its last (hooks added later run inside it). */
export function natWorldPerFile (opts: { ice: IceSetup }): NatWorld {
  const world = {} as NatWorld
  beforeAll(async () => { Object.assign(world, await createNatWorld(opts)) })
  afterAll(async () => { await world.close?.() })
  return world
}
