// PLACEHOLDER — to be replaced by the node-side DevicesApi (issue 7). It lets
// the Devices tab render before owner devices exist, and never pretends to
// succeed: it lists this device alone, every link attempt fails with a
// sentence, and revoking is refused. Delete this file once KithClient gets
// the real implementation.
import { toHex } from '../shared/bytes'
import type { DevicesApi, DeviceView, LinkApproval, LinkingSession, LinkingState } from './devices-api'

const NOT_YET = 'Linking is not available yet.'

/** A link session that has already failed: there is nothing to link with. */
class FailedLinkingSession extends EventTarget implements LinkingSession {
  readonly state: LinkingState = { step: 'failed', message: NOT_YET }
  restart (): void {}
  cancel (): void {}
}

export class PlaceholderDevicesApi extends EventTarget implements DevicesApi {
  readonly canManageDevices = true
  private readonly createdAt = Date.now()

  constructor (private readonly identityKey: Uint8Array) {
    super()
  }

  async listDevices (): Promise<DeviceView[]> {
    return [{
      key: toHex(this.identityKey),
      name: 'This browser',
      role: 'full',
      linkedAt: this.createdAt,
      lastSeenAt: null,
      online: false,
      thisDevice: true,
      revokedAt: null
    }]
  }

  async openLinkCode (): Promise<LinkApproval> {
    throw new Error(NOT_YET)
  }

  async revokeDevice (): Promise<void> {
    throw new Error('Revoking devices is not available yet.')
  }

  async canLinkThisDevice (): Promise<boolean> {
    return false
  }

  linkThisDevice (): LinkingSession {
    return new FailedLinkingSession()
  }
}
