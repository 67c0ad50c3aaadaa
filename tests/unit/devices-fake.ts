// A scripted DevicesApi for the Devices tab and the link page: tests set what
// it lists and what the next link code does, drive a linking session through
// its steps, and read back every call. No DOM or Node APIs, so the browser
// harness can use it too.
import type {
  DeviceRole, DevicesApi, DeviceView, LinkApproval, LinkingSession, LinkingState
} from '../../client/api/devices-api'

const MINUTE = 60_000

export function device (over: Partial<DeviceView> & { key: string, name: string }): DeviceView {
  return { role: 'full', linkedAt: Date.now() - 30 * 86_400_000, lastSeenAt: null, online: false, thisDevice: false, revokedAt: null, pendingChanges: over.thisDevice || over.revokedAt ? null : 0, ...over }
}

/** Three devices: this laptop, an online phone, a Pi seen an hour ago; and a revoked old phone. */
export function sampleDevices (now = Date.now()): DeviceView[] {
  return [
    device({ key: 'a1'.repeat(32), name: 'Laptop', thisDevice: true, linkedAt: now - 90 * 86_400_000, lastSeenAt: now, online: true }),
    device({ key: 'b2'.repeat(32), name: 'Phone', linkedAt: now - 20 * 86_400_000, lastSeenAt: now - MINUTE, online: true }),
    device({ key: 'c3'.repeat(32), name: 'Kitchen Pi', role: 'server', linkedAt: now - 10 * 86_400_000, lastSeenAt: now - 65 * MINUTE }),
    device({ key: 'd4'.repeat(32), name: 'Old phone', linkedAt: now - 400 * 86_400_000, lastSeenAt: now - 40 * 86_400_000, revokedAt: now - 39 * 86_400_000 })
  ]
}

export class FakeApproval implements LinkApproval {
  readonly approved: Array<{ name: string, role: DeviceRole }> = []
  cancelled = 0
  /** Set to make approve() reject with this sentence. */
  approveError = ''

  constructor (readonly proposedName = 'Work laptop', readonly verificationCode = '123456', readonly serverOnly = false) {}

  async approve (opts: { name: string, role: DeviceRole }): Promise<void> {
    this.approved.push({ ...opts })
    if (this.approveError) throw new Error(this.approveError)
  }

  cancel (): void { this.cancelled++ }
}

export type NextOpen =
  | { kind: 'approval', approval: FakeApproval }
  | { kind: 'error', message: string }
  /** Never answers: only the caller's AbortSignal ends it. */
  | { kind: 'hang' }

export class FakeLinkingSession extends EventTarget implements LinkingSession {
  restarts = 0
  cancels = 0
  confirms = 0
  state: LinkingState

  constructor (state: LinkingState = { step: 'waiting', codeText: 'kith-link:3mJr7AoUXx2Wqd-9f1c2b7e4d5a6c3b', expiresAt: Date.now() + 9.5 * MINUTE }) {
    super()
    this.state = state
  }

  set (state: LinkingState): void {
    this.state = state
    this.dispatchEvent(new Event('change'))
  }

  restart (): void { this.restarts++ }
  confirm (): void { this.confirms++ }
  cancel (): void { this.cancels++ }
}

export class FakeDevicesApi extends EventTarget implements DevicesApi {
  canManageDevices = true
  rotated = false
  signingElsewhere: string | null = null
  devices: DeviceView[]
  canLink = false
  next: NextOpen = { kind: 'error', message: 'This is not a link code. Check for a typo.' }
  readonly opened: string[] = []
  readonly revoked: string[] = []
  /** How many openLinkCode calls ended because their signal aborted. */
  aborted = 0
  readonly linkedNames: string[] = []
  session = new FakeLinkingSession()

  constructor (devices: DeviceView[] = sampleDevices()) {
    super()
    this.devices = devices
  }

  changed (): void { this.dispatchEvent(new Event('change')) }

  async listDevices (): Promise<DeviceView[]> {
    return this.devices.map((d) => ({ ...d }))
  }

  openLinkCode (input: string, signal?: AbortSignal): Promise<LinkApproval> {
    this.opened.push(input)
    const next = this.next
    return new Promise((resolve, reject) => {
      if (next.kind === 'approval') resolve(next.approval)
      else if (next.kind === 'error') reject(new Error(next.message))
      signal?.addEventListener('abort', () => {
        this.aborted++
        reject(new DOMException('cancelled', 'AbortError'))
      }, { once: true })
    })
  }

  async revokeDevice (key: string): Promise<void> {
    this.revoked.push(key)
    this.devices = this.devices.map((d) => d.key === key ? { ...d, revokedAt: Date.now(), online: false } : d)
    this.changed()
  }

  readonly renamed: string[] = []
  async renameThisDevice (name: string): Promise<void> {
    this.renamed.push(name)
    this.devices = this.devices.map((d) => d.thisDevice ? { ...d, name } : d)
    this.changed()
  }

  async canLinkThisDevice (): Promise<boolean> { return this.canLink }

  /** When recovery words were set up; the public keys given to setUpRecovery. */
  recoveryAt: number | null = null
  readonly recoveryKeys: Uint8Array[] = []
  async recoverySince (): Promise<number | null> { return this.recoveryAt }
  async setUpRecovery (recoveryKey: Uint8Array): Promise<void> {
    if (!this.canManageDevices) throw new Error('Recovery words are set up on a full device (your laptop or phone), not on a server device.')
    this.recoveryKeys.push(recoveryKey)
    this.recoveryAt = Date.now()
    this.changed()
  }

  /** The words rotate() takes (any others are refused, as the node does); the choices it was given. */
  rotationWords = ''
  readonly rotations: Array<{ keep: string[], revoke: string[] }> = []
  async rotate (words: string, choice: { keep: string[], revoke: string[] }): Promise<void> {
    if (words.trim().split(/\s+/).join(' ') !== this.rotationWords) throw new Error('These are not your recovery words: they do not match the ones you set up.')
    this.rotations.push({ keep: [...choice.keep], revoke: [...choice.revoke] })
    this.rotated = true
    this.devices = this.devices.map((d) => choice.revoke.includes(d.key) ? { ...d, revokedAt: Date.now(), online: false } : d)
    this.changed()
  }

  linkThisDevice (deviceName: string): LinkingSession {
    this.linkedNames.push(deviceName)
    return this.session
  }
}
