// After a rotation, every session open on the rotating device was set up
// with a hello from before it, and friends and my other devices follow a
// rotation only from a hello (docs/security.md, "How a rotation travels").
// So they must meet this device again: the friends online now at once (this
// device closes their sessions and dials them again; a friend has no reason
// to dial by itself, and the rotation's revocations may already have gone
// out on the old session);
// each of my other devices once it has pulled everything up to the rotation
// (a pull from further on says it applied what came before), so it holds
// the devices secret the rotation's revocations replaced and can find me
// again. Both sides then dial again at once (own-device-links.ts: lost).

export const MEET_AGAIN = 'the person replaced their key: meet again'

export interface MeetAgainOptions {
  /** The last position in this device's change log (0 when empty). */
  lastPosition: () => Promise<number>
  friendSessions: { onlineKeys: () => string[], closeEverything: (reason: string) => void }
  deviceSessions: { onlineKeys: () => string[], closeAll: (deviceHex: string, reason: string) => void }
  /** Dials a friend again (in the background dial slots), given up on `signal`. */
  dial: (friendHex: string, signal: AbortSignal) => Promise<unknown>
  /** How long one such dial may look (a minute unless said). */
  dialMs?: number
}

export class MeetAgain {
  private mark = Number.POSITIVE_INFINITY
  private readonly waiting = new Set<string>()
  private friends: string[] = []

  constructor (private readonly opts: MeetAgainOptions) {}

  /** The rotation is stored and in my hello; nothing revoked yet. Friends'
   *  sessions close now, so the rotation's revocations reach them on new
   *  ones (the notice sender dials them), never on a session whose hello
   *  came before the rotation. */
  beforeRevoking (): void {
    this.friends = this.opts.friendSessions.onlineKeys()
    this.opts.friendSessions.closeEverything(MEET_AGAIN)
  }

  /** The revocations are made (and the secrets replaced): my devices meet
   *  me again once they pulled that far; the friends who were online are
   *  dialled again, should nothing be left to tell them (a rotation that
   *  revoked nothing). */
  async afterRevoking (): Promise<void> {
    this.mark = await this.opts.lastPosition()
    for (const deviceHex of this.opts.deviceSessions.onlineKeys()) this.waiting.add(deviceHex)
    for (const friendHex of this.friends.splice(0)) {
      const giveUp = new AbortController()
      const timer = setTimeout(() => giveUp.abort(), this.opts.dialMs ?? 60_000)
      // Not found now: they follow the next time they meet any of my devices.
      this.opts.dial(friendHex, giveUp.signal).catch(() => {}).finally(() => clearTimeout(timer))
    }
  }

  /** My device `deviceHex` asked for changes after `after`; true when its
   *  session was closed instead (it has everything up to the rotation). */
  pulled (deviceHex: string, after: number): boolean {
    if (after < this.mark || !this.waiting.delete(deviceHex)) return false
    this.opts.deviceSessions.closeAll(deviceHex, MEET_AGAIN)
    return true
  }
}
