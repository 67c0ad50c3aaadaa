// The answering ends of live sessions that an ICE restart may reach, by the
// tag only the two ends of a session can compute (shared/rendezvous/ice-restart-tag.ts).
// The listener hands a restart offer to the one its tag names; an offer
// whose tag names no live session is ignored like any unproven offer.
import { toHex } from '../../shared/util/bytes'

export interface RestartableSession {
  /** The DTLS fingerprint the session's peer proved in the handshake: a
   *  restart offer with any other is refused (it would be another peer). */
  remoteFingerprint: string
  /** Applies the offer to the session's own RTCPeerConnection and resolves
   *  with the answer SDP. */
  answerRestart (offerSdp: string): Promise<string>
}

export class RestartRegistry {
  private readonly sessions = new Map<string, RestartableSession>()

  register (tag: Uint8Array, session: RestartableSession): () => void {
    const key = toHex(tag)
    this.sessions.set(key, session)
    return () => { if (this.sessions.get(key) === session) this.sessions.delete(key) }
  }

  find (tag: Uint8Array): RestartableSession | null {
    return this.sessions.get(toHex(tag)) ?? null
  }

  get size (): number { return this.sessions.size }
}

/** The page's one registry: every WebRTC transport that answered registers
 *  here once authenticated, and every listener looks here. */
export const liveSessions = new RestartRegistry()
