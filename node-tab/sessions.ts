// Open sessions by the peer's key, so any part of the node can reuse a live
// connection to a friend (to deliver a notice, to sync) instead of dialling
// again, and can close them all when a friend is removed.
import { toHex } from '../shared/bytes'
import type { NodeMethods } from '../shared/protocol'
import type { Session } from '../shared/session'

export type NodeSession = Session<NodeMethods, NodeMethods>

export class SessionRegistry extends EventTarget {
  private readonly byKey = new Map<string, Set<NodeSession>>()

  get size (): number {
    let n = 0
    for (const set of this.byKey.values()) n += set.size
    return n
  }

  add (keyHex: string, session: NodeSession): void {
    let set = this.byKey.get(keyHex)
    if (!set) this.byKey.set(keyHex, set = new Set())
    set.add(session)
    session.transport.onClose(() => {
      set.delete(session)
      if (set.size === 0 && this.byKey.get(keyHex) === set) this.byKey.delete(keyHex)
      this.dispatchEvent(new CustomEvent('closed', { detail: keyHex }))
    })
    this.dispatchEvent(new CustomEvent('opened', { detail: keyHex }))
  }

  /** A live session with this peer, if there is one. */
  get (keyHex: string): NodeSession | null {
    for (const session of this.byKey.get(keyHex) ?? []) if (!session.rpc.closed) return session
    return null
  }

  /** Every live session with this peer (one per device of theirs). */
  openSessions (keyHex: string): NodeSession[] {
    return [...(this.byKey.get(keyHex) ?? [])].filter((session) => !session.rpc.closed)
  }

  /** The peers with a live session now. */
  onlineKeys (): string[] {
    return [...this.byKey.keys()].filter((key) => this.isOnline(key))
  }

  isOnline (keyHex: string): boolean {
    return this.get(keyHex) !== null
  }

  closeAll (keyHex: string, reason: string): void {
    for (const session of [...(this.byKey.get(keyHex) ?? [])]) session.rpc.close(reason)
  }

  /** Closes this person's sessions served by one of their devices. */
  closeDevice (keyHex: string, deviceHex: string, reason: string): void {
    for (const session of [...(this.byKey.get(keyHex) ?? [])]) {
      if (toHex(session.remoteDevice.deviceKey) === deviceHex) session.rpc.close(reason)
    }
  }

  closeEverything (reason: string): void {
    for (const key of [...this.byKey.keys()]) this.closeAll(key, reason)
  }
}
