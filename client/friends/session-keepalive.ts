// While this page is open, the sessions it dialled stay open. The node closes
// a session after 5 minutes without use (node-tab/connections/session-limits.ts), but a
// friend's live hints (their new items on my Home, a notification in a
// hidden tab) come over a session I hold with them: a 1-byte ping every 4
// minutes keeps those from closing as idle. Only sessions this node dialled:
// the ones friends dialled to me are theirs to keep. A node without this
// page (a headless server device delivering delete notices) lets its dials
// close when idle. The node's cap still bounds them all: at the cap, a
// session pinged only by this is "quiet" and gives way to a newcomer.
import type { KithNode } from '../../node-tab/node'

export const KEEPALIVE_MS = 4 * 60_000
const PING_TIMEOUT_MS = 15_000

export class SessionKeepalive {
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor (private readonly node: Pick<KithNode, 'sessions'>, private readonly everyMs = KEEPALIVE_MS) {
    node.sessions.addEventListener('opened', () => this.arm())
    node.sessions.addEventListener('closed', () => { if (node.sessions.size === 0) this.disarm() })
  }

  /** Pings every open session this node dialled; how many were pinged. */
  tick (): number {
    let pinged = 0
    for (const key of this.node.sessions.onlineKeys()) {
      for (const session of this.node.sessions.openSessions(key)) {
        if (session.transport.binding.role !== 'offerer') continue
        session.rpc.call('ping', { data: Uint8Array.of(0) }, { timeoutMs: PING_TIMEOUT_MS }).catch(() => { /* a dead session closes by itself */ })
        pinged++
      }
    }
    return pinged
  }

  private arm (): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.tick()
      if (this.node.sessions.size > 0) this.arm()
    }, this.everyMs)
  }

  private disarm (): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
