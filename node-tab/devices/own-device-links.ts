// Keeps a session open with each of the person's other devices, so they can
// sync (DESIGN §6a). Each device dials every other one it has no session
// with (each waits in its own device swarm), so a device that comes online
// reaches the others at once, rather than when their next attempt comes
// round. Two devices dialling each other at the same moment may end up with
// two sessions: the node keeps one (see KithNode.keepOneDeviceSession). A
// revoked device is never dialled.
import { fromHex, toHex } from '../../shared/bytes'
import type { KnownDevice } from '../storage/devices-store'

export interface OwnDeviceLinksOptions {
  myDeviceKey: Uint8Array
  devices: () => Promise<KnownDevice[]>
  isOpen: (deviceHex: string) => boolean
  connect: (deviceKey: Uint8Array, signal: AbortSignal) => Promise<unknown>
  /** How often to look again at which devices need a dial. */
  checkEveryMs?: number
}

export class OwnDeviceLinks {
  private readonly dialling = new Map<string, AbortController>()
  private timer: ReturnType<typeof setInterval> | null = null
  private readonly me: string

  constructor (private readonly opts: OwnDeviceLinksOptions) {
    this.me = toHex(opts.myDeviceKey)
  }

  start (): void {
    if (this.timer) return
    this.timer = setInterval(() => this.kick(), this.opts.checkEveryMs ?? 15_000)
    this.kick()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (const controller of this.dialling.values()) controller.abort()
    this.dialling.clear()
  }

  /** Dials every device that should be dialled and is not connected. */
  kick (): void {
    if (!this.timer) return
    this.opts.devices().then((devices) => {
      const wanted = new Set(devices.filter((d) => !d.revocation && d.key !== this.me).map((d) => d.key))
      for (const [key, controller] of this.dialling) {
        if (!wanted.has(key)) { controller.abort(); this.dialling.delete(key) }
      }
      for (const key of wanted) if (!this.opts.isOpen(key) && !this.dialling.has(key)) this.dial(key)
    }, () => { /* closing */ })
  }

  private dial (key: string): void {
    const controller = new AbortController()
    this.dialling.set(key, controller)
    this.opts.connect(fromHex(key), controller.signal)
      .catch(() => { /* tried again at the next check */ })
      .finally(() => { if (this.dialling.get(key) === controller) this.dialling.delete(key) })
  }

  /** Stops dialling a device at once (it was revoked). */
  forget (key: string): void {
    this.dialling.get(key)?.abort()
    this.dialling.delete(key)
  }
}
