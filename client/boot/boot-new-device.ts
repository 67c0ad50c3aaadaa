// A browser that starts as a new device of someone, without an identity of
// its own: the headless runner's first start (always a server) before it is
// linked. It shows the link code until a full device approves, stores the
// link, and reopens as the person's device. A code that expires is replaced
// by itself: nobody is there to press "New code" on a headless box, nor to
// confirm a link, so it is confirmed without asking, for the runner's
// owner (--owner) only when one was given.
import { fetchHostConfig, mergeConfig, rtcConfigOf } from '../../node-tab/person/config'
import { NewDeviceLink } from '../../node-tab/linking/new-device'
import type { NodeDatabase } from '../../node-tab/storage/db'
import { storeLinkedIdentity } from '../../node-tab/storage/identity-store'
import { MAX_DEVICE_NAME, normalizeDeviceName } from '../../shared/identity/device-certificate'
import { reopenHome } from '../api/devices-client'
import '../elements/kith-link-this-device'

export interface NewDeviceBoot {
  db: NodeDatabase
  name: string
  serverOnly: boolean
  /** The only address that may link this device (the runner's --owner). */
  owner?: string | null
  root: HTMLElement
}

export async function bootNewDevice (opts: NewDeviceBoot): Promise<NewDeviceLink> {
  const config = mergeConfig(await fetchHostConfig())
  const link = new NewDeviceLink({
    name: usableName(opts.name),
    serverOnly: opts.serverOnly,
    autoConfirm: true,
    owner: opts.owner ?? null,
    trackers: config.trackers,
    rtcConfig: rtcConfigOf(config),
    onLinked: async (linked) => {
      await storeLinkedIdentity(opts.db, linked)
      setTimeout(reopenHome, 1500)
    }
  })
  link.addEventListener('change', () => {
    if (link.state.step === 'failed' && /expired/.test(link.state.message)) link.restart()
  })
  const page = document.createElement('kith-link-this-device')
  page.session = link
  opts.root.classList.remove('boot')
  opts.root.replaceChildren(page)
  return link
}

/** A host name can be anything: cleaned, cut to length, or a plain default. */
function usableName (name: string): string {
  try {
    return normalizeDeviceName(name.slice(0, MAX_DEVICE_NAME))
  } catch {
    return 'Server'
  }
}
