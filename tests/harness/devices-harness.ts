// The Devices tab and the link page on their own, with the scripted
// DevicesApi of the unit tests, for browser tests and screenshots. Exposes
// window.devicesHarness for Playwright; the page carries the app's CSP.
import '../../client/boot.css'
import './devices-harness.css'
import '../../client/elements/kith-devices'
import '../../client/elements/kith-link-this-device'
import type { DeviceView, LinkingState } from '../../client/api/devices-api'
import { FakeApproval, FakeDevicesApi, FakeLinkingSession, sampleDevices } from '../unit/devices-fake'

const root = document.getElementById('root')!

export const devicesHarness = {
  api: new FakeDevicesApi(),
  session: new FakeLinkingSession(),
  approval: null as FakeApproval | null,
  /** A fresh Devices tab over a fresh fake api. */
  showDevices (opts: { canManage?: boolean, canLink?: boolean, devices?: DeviceView[] } = {}): void {
    const api = new FakeDevicesApi(opts.devices ?? sampleDevices())
    api.canManageDevices = opts.canManage ?? true
    api.canLink = opts.canLink ?? false
    this.api = api
    const el = document.createElement('kith-devices')
    el.api = api
    root.replaceChildren(el)
  },
  /** The next link code opens this approval. */
  nextApproval (proposedName: string, verificationCode: string, serverOnly: boolean): void {
    this.approval = new FakeApproval(proposedName, verificationCode, serverOnly)
    this.api.next = { kind: 'approval', approval: this.approval }
  },
  nextError (message: string): void { this.api.next = { kind: 'error', message } },
  nextHang (): void { this.api.next = { kind: 'hang' } },
  /** The link page over a fresh session in `state` (default: waiting, 9½ minutes left). */
  showLinkThisDevice (state?: LinkingState): void {
    this.session = new FakeLinkingSession(state)
    const el = document.createElement('kith-link-this-device')
    el.session = this.session
    root.replaceChildren(el)
  },
  /** Every button without a name a screen reader could say, across shadow roots. */
  unnamedButtons (): string[] {
    const out: string[] = []
    const walk = (node: ParentNode): void => {
      for (const el of node.querySelectorAll('*')) {
        if (el.shadowRoot) walk(el.shadowRoot)
        if (el.tagName !== 'BUTTON') continue
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim()
        if (!name) out.push(el.outerHTML.slice(0, 120))
      }
    }
    walk(document)
    return out
  }
}

declare global { interface Window { devicesHarness: typeof devicesHarness } }
window.devicesHarness = devicesHarness
