// How many offers of each kind of swarm are being answered at once. Each
// answer holds an RTCPeerConnection until it connects or times out, so the
// count is bounded; and strangers (the address swarm) and invite holders get
// pools of their own, so offers that never complete cannot keep friends out.
import type { MeetingKind } from '../../shared/meetings'

export type AnswerSlotLimits = Record<MeetingKind, number>

export const DEFAULT_ANSWER_SLOTS: AnswerSlotLimits = { pair: 16, invite: 4, address: 4 }

export class AnswerSlots {
  private readonly inUse: Record<MeetingKind, number> = { pair: 0, invite: 0, address: 0 }
  private readonly limits: AnswerSlotLimits

  constructor (limits: Partial<AnswerSlotLimits> = {}) {
    this.limits = { ...DEFAULT_ANSWER_SLOTS, ...limits }
  }

  /** A release function when a slot was free, else null. Release it once. */
  take (kind: MeetingKind): (() => void) | null {
    if (this.inUse[kind] >= this.limits[kind]) return null
    this.inUse[kind]++
    let released = false
    return () => {
      if (released) return
      released = true
      this.inUse[kind]--
    }
  }

  busy (kind: MeetingKind): number {
    return this.inUse[kind]
  }
}
