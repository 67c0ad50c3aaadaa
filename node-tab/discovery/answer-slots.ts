// How many offers are being answered at once. Each answer holds an
// RTCPeerConnection until it connects or times out, so the count is bounded:
// per kind of swarm, so that strangers (the address swarm) and invite holders
// have pools of their own and offers that never complete cannot keep friends
// out; and per swarm, so that one friend (or a leaked invite) cannot take a
// whole pool either.
import type { MeetingKind } from '../../shared/rendezvous/meetings'

export type AnswerSlotLimits = Record<MeetingKind, number> & { perSwarm: number }

/** A dialler sends 3 offers per attempt into a swarm, so 6 per swarm leaves
 *  room for a new attempt while the last one's answers still time out. Far
 *  below Chromium's 500 RTCPeerConnections per page. */
export const DEFAULT_ANSWER_SLOTS: AnswerSlotLimits = { pair: 24, invite: 8, address: 6, link: 4, device: 8, perSwarm: 6 }

export class AnswerSlots {
  private readonly inUse: Record<MeetingKind, number> = { pair: 0, invite: 0, address: 0, link: 0, device: 0 }
  private readonly perSwarm = new Map<string, number>()
  private readonly limits: AnswerSlotLimits

  constructor (limits: Partial<AnswerSlotLimits> = {}) {
    this.limits = { ...DEFAULT_ANSWER_SLOTS, ...limits }
  }

  /** A release function when a slot was free, else null. Release it once. */
  take (kind: MeetingKind, topic: string): (() => void) | null {
    const inSwarm = this.perSwarm.get(topic) ?? 0
    if (this.inUse[kind] >= this.limits[kind] || inSwarm >= this.limits.perSwarm) return null
    this.inUse[kind]++
    this.perSwarm.set(topic, inSwarm + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.inUse[kind]--
      const left = (this.perSwarm.get(topic) ?? 1) - 1
      if (left > 0) this.perSwarm.set(topic, left)
      else this.perSwarm.delete(topic)
    }
  }

  busy (kind: MeetingKind): number {
    return this.inUse[kind]
  }
}
