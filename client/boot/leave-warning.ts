// Closing the tab that serves takes the owner offline for their friends.
// The browser asks before it closes (its own words: the text of a
// beforeunload prompt is not shown any more), unless the owner has an
// always-on device (a linked server, e.g. the headless runner) that serves
// them meanwhile.
import type { DeviceView, DevicesApi } from '../api/devices-api'

export interface LeaveWarning {
  /** This tab no longer serves (taken over, or reloading for a new version). */
  stop: () => void
}

/** Leaves one second between device list reads however often the node changes. */
const RECHECK_MS = 1000

/** A linked server device that is not revoked (this tab itself aside). */
export function hasAlwaysOnDevice (devices: DeviceView[]): boolean {
  return devices.some((d) => d.role === 'server' && !d.thisDevice && d.revokedAt === null)
}

/** Asks from now on; reads the device list (which needs the cryptography
 *  code) once `listAfter` settles: until then it asks, as with no
 *  always-on device. */
export function warnBeforeLeaving (devices: DevicesApi, listAfter: Promise<void> = Promise.resolve()): LeaveWarning {
  let alwaysOn = false
  let active = true
  let queued = false
  let listing = false
  const check = (): void => {
    devices.listDevices().then((list) => { alwaysOn = hasAlwaysOnDevice(list) }, () => { /* closing: keep the last answer */ })
  }
  const recheck = (): void => {
    if (queued || !listing) return
    queued = true
    setTimeout(() => {
      queued = false
      check()
    }, RECHECK_MS)
  }
  const onBeforeUnload = (ev: BeforeUnloadEvent): void => {
    if (!active || alwaysOn) return
    ev.preventDefault()
    ev.returnValue = 'Friends will not reach you while Kith is closed.' // older browsers need a value
  }
  void listAfter.then(() => { listing = true; if (active) check() }, () => {})
  devices.addEventListener('change', recheck)
  window.addEventListener('beforeunload', onBeforeUnload)
  return {
    stop: () => {
      active = false
      devices.removeEventListener('change', recheck)
      window.removeEventListener('beforeunload', onBeforeUnload)
    }
  }
}
