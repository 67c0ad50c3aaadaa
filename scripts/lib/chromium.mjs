// Launches the system Chromium (Debian's package) through playwright-core.
// The flags keep Chromium from reaching out to the network on its own.
import { chromium } from 'playwright-core'

export const CHROMIUM_PATH = process.env.KITH_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Tests run in a private network namespace without an mDNS responder:
  // let host candidates carry the namespace's address instead of a .local name.
  '--disable-features=WebRtcHideLocalIpsWithMdns'
]

/** @returns {Promise<import('playwright-core').Browser>} */
export function launchChromium () {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
}
