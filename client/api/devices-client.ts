// The Devices tab's view of the node (DESIGN §6a): my devices, linking a new
// one from this (full) device, revoking, and turning this browser into a
// device of an identity I already have.
import { toHex } from '../../shared/util/bytes'
import type { KithNode } from '../../node-tab/node'
import { storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { servedTo } from '../../node-tab/sync/cursors'
import type { DevicesApi, DeviceView, LinkApproval, LinkingSession } from './devices-api'
import { LazyLinkingSession } from './lazy-linking'
import { dismissGuide } from '../browser/guide-dismissed'

/** How long "Linked" stays on screen before the page opens as the person's device. */
const RELOAD_AFTER_LINK_MS = 1500

export class NodeDevicesApi extends EventTarget implements DevicesApi {
  constructor (private readonly node: KithNode, private readonly reload: () => void = reopenHome) {
    super()
    node.addEventListener('change', () => this.dispatchEvent(new Event('change')))
  }

  get canManageDevices (): boolean {
    return this.node.role === 'full'
  }

  get rotated (): boolean {
    return this.node.rotations.rotated > 0
  }

  get signingElsewhere (): string | null {
    const { rotations } = this.node
    return rotations.rotated > 0 && !rotations.holdsSigningKey ? this.node.ownDevices.signingElsewhere('manage') : null
  }

  async listDevices (): Promise<DeviceView[]> {
    const me = toHex(this.node.credentials.device.publicKey)
    const views = await Promise.all((await this.node.devices.list()).map(async (d): Promise<DeviceView> => ({
      key: d.key,
      name: d.certificate.name,
      role: d.certificate.role,
      linkedAt: d.certificate.issuedAt,
      lastSeenAt: d.key === me ? null : this.node.devices.lastSeenAt(d.key),
      online: d.key === me || this.node.deviceSessions.isOnline(d.key),
      thisDevice: d.key === me,
      revokedAt: d.revocation?.revokedAt ?? null,
      pendingChanges: d.key === me || d.revocation ? null : await changesNotPulledBy(this.node, d.key)
    })))
    // This device first, then the others by when they were linked.
    return views.sort((a, b) => Number(b.thisDevice) - Number(a.thisDevice) || a.linkedAt - b.linkedAt)
  }

  async openLinkCode (input: string, signal?: AbortSignal): Promise<LinkApproval> {
    const step = await this.node.openLinkCode(input, signal)
    return {
      proposedName: step.proposedName,
      verificationCode: step.verificationCode,
      serverOnly: step.serverOnly,
      approve: async (opts) => {
        await step.approve(opts)
        this.dispatchEvent(new Event('change'))
      },
      cancel: () => step.cancel()
    }
  }

  revokeDevice (key: string): Promise<void> {
    return this.node.revokeDevice(key)
  }

  async renameThisDevice (name: string): Promise<void> {
    await this.node.renameThisDevice(name)
    this.dispatchEvent(new Event('change'))
  }

  /** Only a browser with nothing of its own yet: linking replaces its identity. */
  async canLinkThisDevice (): Promise<boolean> {
    const node = this.node
    const [items, friends, devices, invites] = await Promise.all([
      node.items.listMine({ limit: 1 }), node.friends.list(), node.devices.count(), node.invites.list()
    ])
    return items.length === 0 && friends.length === 0 && devices <= 1 && invites.length === 0
  }

  recoverySince (): Promise<number | null> {
    return this.node.recoverySince()
  }

  async setUpRecovery (recoveryKey: Uint8Array): Promise<void> {
    await this.node.setUpRecovery(recoveryKey)
    this.dispatchEvent(new Event('change'))
  }

  async rotate (words: string, choice: { keep: string[], revoke: string[] }): Promise<void> {
    await this.node.rotate(words, choice)
    this.dispatchEvent(new Event('change'))
  }

  linkThisDevice (deviceName: string): LinkingSession {
    const node = this.node
    // new-device.ts (a listener, the handshake) loads only now.
    return new LazyLinkingSession(async () => new (await import('../../node-tab/linking/new-device')).NewDeviceLink({
      name: deviceName,
      serverOnly: false,
      trackers: node.trackerUrls,
      rtcConfig: node.rtcConfig,
      onLinked: async (linked) => {
        if (!await this.canLinkThisDevice()) throw new Error('This browser has friends or items of its own now; it was not linked.')
        node.stopListening()
        await storeLinkedIdentity(node.db, linked)
        setTimeout(this.reload, RELOAD_AFTER_LINK_MS)
      }
    }))
  }
}

/** How many of my change log's entries this device has not asked for yet. */
async function changesNotPulledBy (node: KithNode, deviceHex: string): Promise<number> {
  const served = await servedTo(node.db, deviceHex)
  return node.db.syncLog.where('seq').above(served).count()
}

/** Opens the app's home as the linked device (not #/link again); not the
 *  guided start, which is for people new to Kith. */
export function reopenHome (): void {
  dismissGuide()
  history.replaceState(null, '', '#/')
  location.reload()
}
