// What the runner prints about the page's reports: while the device waits to
// be linked, its link code as text and as a terminal QR code; once linked,
// one line per change. Identical reports (one every 2 s) print nothing.
import QRCode from 'qrcode'

/** "5HxQ…k3Qa": enough to recognise an address in a log. */
export function shortAddress (address) {
  return address.length <= 12 ? address : `${address.slice(0, 6)}…${address.slice(-4)}`
}

/** How node-tab/devices/revoked-here.ts begins its words. */
const REVOKED_PREFIX = 'This device was revoked'

function clock (date) {
  return date.toTimeString().slice(0, 8)
}

/** The one-line status of a linked device (or one whose page has no link code). */
export function statusLine (report, now = new Date()) {
  // Revoked (client/main.ts reports the node's own words): that alone, since
  // it no longer serves, links or syncs anything to count.
  if (report.lastError?.startsWith(REVOKED_PREFIX)) return `${clock(now)} ${report.lastError}`
  const connected = report.trackers.filter((t) => t.connected).length
  const who = report.address
    ? `linked as ${shortAddress(report.address)}${report.deviceName ? ` (${report.deviceName})` : ''}`
    : 'starting (no address yet)'
  return [
    `${clock(now)} ${who}`,
    `trackers ${connected}/${report.trackers.length}`,
    `friends online ${report.friendsOnline}`,
    `sync ${report.sync}`,
    `last error: ${report.lastError ?? 'none'}`
  ].join(' · ')
}

/** The block shown while the device waits to be linked. */
export async function linkBlock (report) {
  const qr = await QRCode.toString(report.linkCode, { type: 'terminal', small: true })
  return [
    '',
    `  Link this device${report.deviceName ? ` (${report.deviceName})` : ''}: open Kith on your laptop or phone,`,
    '  Devices → Link a device, and paste or scan this code:',
    '',
    `  ${report.linkCode}`,
    '',
    qr.trimEnd(),
    '',
    ...(report.verificationCode ? [verificationLine(report), ''] : [])
  ].join('\n')
}

function verificationLine (report) {
  return `  Verification code: ${report.verificationCode} (check that both screens show it, then approve)`
}

/** What decides whether a report is news: everything shown, nothing else. */
function shownKey (report) {
  if (report.linkCode) return JSON.stringify(['link', report.linkCode, report.verificationCode, report.deviceName])
  return JSON.stringify(['status', report.address, report.deviceName, report.trackers.filter((t) => t.connected).length,
    report.trackers.length, report.friendsOnline, report.sync, report.lastError])
}

/** Prints each report that changes what is shown; forget() makes the next one print. */
export class StatusPrinter {
  /** @param {{ write: (text: string) => void, now?: () => Date }} opts */
  constructor ({ write, now = () => new Date() }) {
    this.write = write
    this.now = now
    this.lastKey = null
    /** The last link block shown, to print only what is new in the next. */
    this.lastLink = null
    // Reports are printed in order, even though the QR code is made asynchronously.
    this.queue = Promise.resolve()
  }

  /** @returns {Promise<boolean>} whether it printed */
  show (report) {
    const key = shownKey(report)
    if (key === this.lastKey) return Promise.resolve(false)
    // The same link code, now with its verification code: that line alone,
    // not the whole block (code and QR code) a second time.
    const sameCode = report.linkCode !== null && this.lastLink !== null &&
      this.lastLink.linkCode === report.linkCode && this.lastLink.deviceName === report.deviceName && report.verificationCode !== null
    this.lastKey = key
    this.lastLink = report.linkCode ? report : null
    const at = this.now()
    const printed = this.queue.then(async () => {
      this.write(sameCode ? `${verificationLine(report)}\n` : report.linkCode ? await linkBlock(report) : statusLine(report, at))
      return true
    })
    this.queue = printed.catch(() => false)
    return printed
  }

  /** After a restart the first report prints again, even if it is the same. */
  forget () {
    this.lastKey = null
    this.lastLink = null
  }
}
