// The seam between protocol and network (after comlink's Endpoint and
// automerge-repo's NetworkAdapter): a reliable, ordered, message-oriented pipe.
// WebRTC data channels implement it in node-tab/discovery; an in-memory pair
// implements it for tests.

/** What ties an authenticated session to this very connection: the DTLS
 *  certificate fingerprints each side saw in the SDP, and who offered. */
export interface SessionBinding {
  role: 'offerer' | 'answerer'
  localFingerprint: string
  remoteFingerprint: string
}

export interface Transport {
  readonly binding: SessionBinding
  /** Largest frame send() accepts; larger messages are chunked by the RPC layer. */
  readonly maxFrameSize: number
  /** Bytes queued but not yet handed to the network. */
  readonly bufferedAmount: number
  readonly closed: boolean
  /** Throws a CLOSED KithError once the transport is closed. Takes its own
   *  copy of the bytes before returning (RTCDataChannel.send does): the
   *  caller may reuse the buffer at once. */
  send (frame: Uint8Array): void
  /** Resolves once bufferedAmount has fallen to the low-water mark (or at once). */
  drain (): Promise<void>
  /** Each frame is the listener's to keep (the RPC layer holds chunks of a
   *  large message until it is complete): never a reused buffer. */
  onMessage (listener: (frame: Uint8Array) => void): () => void
  onClose (listener: (reason: string) => void): () => void
  close (reason?: string): void
  /** Told once the handshake has proven the peer, with its transcript
   *  (which only the two ends know): a WebRTC transport derives from it the
   *  tag that lets an ICE restart find this very session (ice-restart-tag.ts). */
  authenticated? (transcript: Uint8Array): void
  /** True when, should the connection lose its path, an ICE restart may
   *  bring the same session back (it closes itself if that fails): a
   *  caller whose request timed out then waits a little instead of closing
   *  the session. */
  readonly mayRestart?: boolean
}

/** Keeps listeners for a transport implementation. Frames that arrive while
 *  nobody listens (before the handshake attaches, or in the hand-over from
 *  handshake to RPC) are held and delivered, in order, to the next listener. */
export class TransportEvents {
  private readonly messageListeners = new Set<(frame: Uint8Array) => void>()
  private readonly closeListeners = new Set<(reason: string) => void>()
  private held: Uint8Array[] = []

  onMessage (listener: (frame: Uint8Array) => void): () => void {
    this.messageListeners.add(listener)
    if (this.held.length > 0) queueMicrotask(() => this.flushHeld())
    return () => this.messageListeners.delete(listener)
  }

  private flushHeld (): void {
    while (this.held.length > 0 && this.messageListeners.size > 0) {
      const frame = this.held.shift()!
      for (const listener of this.messageListeners) listener(frame)
    }
  }

  onClose (listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  emitMessage (frame: Uint8Array): void {
    if (this.messageListeners.size === 0 || this.held.length > 0) {
      this.held.push(frame)
      this.flushHeld()
      return
    }
    for (const listener of this.messageListeners) listener(frame)
  }

  emitClose (reason: string): void {
    for (const listener of this.closeListeners) listener(reason)
    this.closeListeners.clear()
    this.messageListeners.clear()
    this.held = []
  }
}
