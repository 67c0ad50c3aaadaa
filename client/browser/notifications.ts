// Browser notifications for new items while Kith's tab is hidden: off by
// default, asked for by the person (which asks the browser's permission),
// and never carrying content: who shared what kind, nothing more.
import type { SharedItem } from '../../shared/protocol/items'
import type { ClientDatabase } from '../cache/db'

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported'

export interface NotifyDecision {
  enabled: boolean
  /** The tab is hidden (document.visibilityState). */
  hidden: boolean
  permission: NotifyPermission
  friendName: string
  /** The items new in my cache from this friend. */
  items: ReadonlyArray<Pick<SharedItem, 'type' | 'file'>>
}

export interface NotificationText { title: string, tag: string }

/** Whether to notify, and with what words. "A photo" is said from the type
 *  the friend claimed: a word, never a reason to render anything. */
export function notificationFor (d: NotifyDecision, tag: string): NotificationText | null {
  if (!d.enabled || !d.hidden || d.permission !== 'granted' || d.items.length === 0) return null
  const name = d.friendName || 'A friend'
  if (d.items.length > 1) return { title: `${name} shared ${d.items.length} new items`, tag }
  return { title: `${name} shared ${kindWords(d.items[0]!)}`, tag }
}

function kindWords (item: Pick<SharedItem, 'type' | 'file'>): string {
  if (item.type === 'note') return 'a note'
  if (item.type === 'post') return 'a post'
  return /^image\/(png|jpeg|gif|webp|avif)$/i.test(item.file?.mime ?? '') ? 'a photo' : 'a file'
}

const PREF = 'notifications.enabled'

export function browserPermission (): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

export class Notifier {
  private enabled = false
  readonly ready: Promise<void>

  constructor (private readonly db: ClientDatabase) {
    this.ready = db.prefs.get(PREF).then((row) => { this.enabled = row?.value === true }, () => {})
  }

  /** On only while the browser still allows it. */
  get isEnabled (): boolean {
    return this.enabled && browserPermission() === 'granted'
  }

  /** Turning on asks the browser; refused, it stays off and says why. */
  async setEnabled (on: boolean): Promise<void> {
    if (on) {
      if (browserPermission() === 'unsupported') throw new Error('This browser cannot show notifications.')
      const permission = browserPermission() === 'granted' ? 'granted' : await Notification.requestPermission()
      if (permission !== 'granted') throw new Error('Notifications are blocked for Kith in this browser. Allow them in the site settings, then try again.')
    }
    await this.db.prefs.put({ key: PREF, value: on })
    this.enabled = on
  }

  newItems (friendName: string, friendKey: string, items: SharedItem[]): void {
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden'
    const text = notificationFor({ enabled: this.enabled, hidden, permission: browserPermission(), friendName, items }, `kith-${friendKey}`)
    if (!text) return
    try {
      const shown = new Notification(text.title, { tag: text.tag })
      shown.onclick = () => { window.focus(); location.hash = '#/home'; shown.close() }
    } catch { /* some browsers allow notifications only from a service worker */ }
  }
}
