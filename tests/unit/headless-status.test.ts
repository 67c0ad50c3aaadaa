// What the runner prints: the link code (text and QR) while unlinked, one
// status line per change once linked, nothing for a repeated report.
import { describe, expect, it } from 'vitest'
import { StatusPrinter, shortAddress, statusLine } from '../../scripts/lib/headless/status-output.mjs'
import type { RunnerReport } from '../../shared/runner/runner-report'

const address = '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH'
const linked: RunnerReport = {
  address, linkCode: null, verificationCode: null, deviceName: 'pi',
  trackers: [{ url: 'wss://a', connected: true }, { url: 'wss://b', connected: true }, { url: 'wss://c', connected: false }],
  friendsOnline: 4, sync: 'up to date', lastError: null
}
const at = new Date(2026, 0, 1, 12, 3, 4)

function printer (): { p: StatusPrinter, out: string[] } {
  const out: string[] = []
  return { p: new StatusPrinter({ write: (t) => out.push(t), now: () => at }), out }
}

describe('the runner status output', () => {
  it('formats one line: time, who, trackers connected, friends online, sync, last error', () => {
    expect(shortAddress(address)).toBe('3XR2kW…togH')
    expect(statusLine(linked, at)).toBe('12:03:04 linked as 3XR2kW…togH (pi) · trackers 2/3 · friends online 4 · sync up to date · last error: none')
    expect(statusLine({ ...linked, deviceName: null, lastError: 'a handshake failed' }, at)).toBe('12:03:04 linked as 3XR2kW…togH · trackers 2/3 · friends online 4 · sync up to date · last error: a handshake failed')
    expect(statusLine({ ...linked, address: null }, at)).toMatch(/^12:03:04 starting \(no address yet\) · /)
    expect(statusLine(linked, at)).not.toContain('\n')
  })

  it('a revoked device says so, by whom and when, and nothing else', () => {
    const words = 'This device was revoked by Laptop on 2026-12-06; it no longer serves your friends or syncs. To use it again, clear this browser’s data for Kith and link it anew.'
    expect(statusLine({ ...linked, address: null, trackers: [], sync: 'not started', lastError: words }, at)).toBe(`12:03:04 ${words}`)
  })

  it('prints a report once, and again only when what it shows changes', async () => {
    const { p, out } = printer()
    expect(await p.show(linked)).toBe(true)
    expect(await p.show({ ...linked })).toBe(false)
    // Which tracker is connected is not shown, only how many.
    expect(await p.show({ ...linked, trackers: [linked.trackers[2]!, linked.trackers[0]!, linked.trackers[1]!] })).toBe(false)
    expect(await p.show({ ...linked, friendsOnline: 5 })).toBe(true)
    expect(await p.show({ ...linked, friendsOnline: 5 })).toBe(false)
    expect(await p.show({ ...linked, friendsOnline: 5, lastError: 'x' })).toBe(true)
    expect(out).toHaveLength(3)
    expect(out.every((line) => !line.includes('\n'))).toBe(true)
  })

  it('after forget() (a restarted browser) prints the same report again', async () => {
    const { p, out } = printer()
    await p.show(linked)
    p.forget()
    expect(await p.show(linked)).toBe(true)
    expect(out).toHaveLength(2)
  })

  it('shows the link code as text and as a terminal QR code, with the verification code, until linked', async () => {
    const { p, out } = printer()
    const waiting = { ...linked, address: null, linkCode: 'kith-link-3Jd8x', verificationCode: null }
    await p.show(waiting)
    expect(out[0]).toContain('  kith-link-3Jd8x')
    expect(out[0]).toContain('Devices → Link a device')
    expect(out[0]).toMatch(/[▀▄█]/) // the QR code, in half blocks
    expect(out[0]).not.toContain('Verification code')
    // Tracker changes while waiting print nothing: the code is what matters.
    expect(await p.show({ ...waiting, trackers: [] })).toBe(false)
    await p.show({ ...waiting, verificationCode: '482 913' })
    expect(out[1]).toContain('Verification code: 482 913')
    // The block is not printed a second time: only the new line.
    expect(out[1]).not.toContain('kith-link-3Jd8x')
    expect(out[1]).not.toMatch(/[▀▄█]/)
    await p.show(linked)
    expect(out[2]).toMatch(/^12:03:04 linked as 3XR2kW…togH/)
    expect(out).toHaveLength(3)
  })

  it('a new link code (an expired one replaced) prints its whole block again', async () => {
    const { p, out } = printer()
    const waiting = { ...linked, address: null, linkCode: 'kith-link-3Jd8x', verificationCode: null }
    await p.show({ ...waiting, verificationCode: '482 913' })
    await p.show({ ...waiting, linkCode: 'kith-link-9Qr2z' })
    expect(out[1]).toContain('  kith-link-9Qr2z')
    expect(out[1]).toMatch(/[▀▄█]/)
  })
})
