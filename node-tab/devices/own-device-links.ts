// Keeps a session open with each of the person's other devices, so they can
// sync (DESIGN §6a). Each device dials every other one it has no session
// with (each waits in its own device swarm), so a device that comes online
// reaches the others at once, rather than when their next attempt comes
// round. Two devices dialling each other at the same moment may end up with
// two sessions: the node keeps one (see Connections.keepOneDeviceSession). A
// revoked device is never dialled. A device that stays away is looked for
// less and less often (a dial is offers, ICE gathering and tracker
// messages): it dials us itself when it comes back.
import { fromHex, toHex } from '../../shared/util/bytes'
import type { KnownDevice } from '../storage/devices-store'

export interface OwnDeviceLinksOptions {
  myDeviceKey: Uint8Array
  devices: () => Promise<KnownDevice[]>
  isOpen: (deviceHex: string) => boolean
  connect: (deviceKey: Uint8Array, signal: AbortSignal) => Promise<unknown>
  /** How often to look again at which devices need a dial. */
  checkEveryMs?: number
  now?: () => number
}

/** One dial looks this long before it gives up. */
export const DEVICE_DIAL_MS = 60_000
/** After a dial that found nothing, the next waits this long, doubling each time up to the cap. */
const FIRST_PAUSE_MS = 30_000
const MAX_PAUSE_MS = 5 * 60_000

export class OwnDeviceLinks {
  private readonly dialling = new Map<string, AbortController>()
  /** Devices not found lately: when to look again, and how long the last pause was. */
  private readonly away = new Map<string, { retryAt: number, pauseMs: number }>()
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
      const now = this.now()
      for (const key of wanted) {
        if (this.opts.isOpen(key)) { this.away.delete(key); continue }
        if (!this.dialling.has(key) && (this.away.get(key)?.retryAt ?? 0) <= now) this.dial(key)
      }
    }, () => { /* closing */ })
  }

  private now (): number { return (this.opts.now ?? Date.now)() }

  private dial (key: string): void {
    const controller = new AbortController()
    this.dialling.set(key, controller)
    const giveUp = setTimeout(() => controller.abort(), DEVICE_DIAL_MS)
    this.opts.connect(fromHex(key), controller.signal)
      .then(() => { this.away.delete(key) }, () => {
        const pauseMs = Math.min(MAX_PAUSE_MS, (this.away.get(key)?.pauseMs ?? FIRST_PAUSE_MS / 2) * 2)
        this.away.set(key, { retryAt: this.now() + pauseMs, pauseMs })
      })
      .finally(() => {
        clearTimeout(giveUp)
        if (this.dialling.get(key) === controller) this.dialling.delete(key)
      })
  }

  /** Stops dialling a device at once (it was revoked). */
  forget (key: string): void {
    this.dialling.get(key)?.abort()
    this.dialling.delete(key)
    this.away.delete(key)
  }

  /** A session with this device just closed: look for it again now. */
  lost (key: string): void {
    this.away.delete(key)
    this.kick()
  }
}
