// The only code that makes RTCPeerConnections (peer-connection.ts holds the
// helpers that wait on one). Signalling is not trickled (the WebSocket
// tracker protocol carries one offer and one answer), so each side waits for
// ICE gathering before its SDP is sealed and sent.
import { KithError } from '../../shared/wire/errors'
import { sdpFingerprint } from '../../shared/rendezvous/rendezvous'
import { restartTag } from '../../shared/rendezvous/ice-restart-tag'
import { TransportEvents, type SessionBinding, type Transport } from '../../shared/wire/transport'
import { liveSessions } from './ice-restarts'
import { networkMayHaveChanged } from './network-watch'
import { bindingOf, captureEarlyMessages, hasRelayCandidate, iceFailed, OPEN_TIMEOUT_MS, unreachable, usesIceServers, usesTurn, waitForConnected, waitForGathering, waitForOpen } from './peer-connection'

export { NEEDS_RELAY_MESSAGE } from './peer-connection'

const CHANNEL_LABEL = 'kith'
/** Chromium's data channels carry messages up to 256 KiB. */
const MAX_FRAME = 256 * 1024
const LOW_WATER = 256 * 1024
/** A path 'disconnected' this long is given up on and restarted: ICE itself
 *  may still find it again for a while, but an uplink that went away and
 *  came back (new NAT mapping, new address) is found faster by a restart. */
export const RESTART_AFTER_DISCONNECTED_MS = 2_000
/** A restart that has not reconnected by then (no tracker, the friend gone)
 *  ends the session, and whoever needs it dials afresh. */
export const RESTART_TIMEOUT_MS = 8_000
/** How long the answering end keeps a failed connection, waiting for the
 *  offerer's restart (which begins at once on 'failed'), before closing. */
const ANSWERER_WAITS_FOR_RESTART_MS = RESTART_TIMEOUT_MS + 2_000

/** Carries an ICE restart offer to the peer (sealed, through the swarm the
 *  session was dialled in) and resolves with their answer SDP. */
export type RestartSignal = (offerSdp: string, tag: Uint8Array, signal: AbortSignal) => Promise<string>

export class WebRtcTransport implements Transport {
  readonly binding: SessionBinding
  readonly maxFrameSize: number
  private readonly events = new TransportEvents()
  private isClosed = false
  /** Set by the dialler: how this (offering) end sends a restart offer. Only
   *  the side that dialled restarts, so the two never restart at once. */
  restartVia: RestartSignal | null = null
  /** ICE restarts that reconnected this session (for diagnostics). */
  restarts = 0
  private tag: Uint8Array | null = null
  private restarting = false
  private lastRestartOffer: string | null = null
  private unregister: (() => void) | null = null
  private lostPathTimer: ReturnType<typeof setTimeout> | null = null

  constructor (private readonly pc: RTCPeerConnection, private readonly channel: RTCDataChannel, binding: SessionBinding, early: Uint8Array[], private readonly rtcConfig: RTCConfiguration = {}) {
    this.binding = binding
    const remoteMax = pc.sctp?.maxMessageSize
    this.maxFrameSize = Math.min(MAX_FRAME, remoteMax && remoteMax > 0 ? remoteMax : MAX_FRAME)
    channel.bufferedAmountLowThreshold = LOW_WATER
    for (const frame of early.splice(0)) this.events.emitMessage(frame)
    channel.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) this.events.emitMessage(new Uint8Array(ev.data))
    }
    channel.onclose = () => this.shutDown('the other side closed the connection')
    pc.addEventListener('connectionstatechange', () => this.pathChanged())
  }

  private pathChanged (): void {
    const state = this.pc.connectionState
    // A path lost (uplink down, network switched, machine slept) is the
    // first sign of a network change anyone here gets: the tracker
    // sockets check themselves at once, so a restart or redial finds them working.
    if (state === 'disconnected' || state === 'failed') networkMayHaveChanged('a peer connection lost its path')
    if (state === 'closed') return this.shutDown('the connection was lost')
    if (state === 'connected') return this.clearLostPathTimer()
    if (state === 'disconnected') {
      if (this.canRestart() && !this.lostPathTimer) this.lostPathTimer = setTimeout(() => { this.lostPathTimer = null; this.restartIce() }, RESTART_AFTER_DISCONNECTED_MS)
      return
    }
    if (state !== 'failed') return
    this.clearLostPathTimer()
    if (this.canRestart()) return this.restartIce()
    if (this.binding.role === 'answerer' && this.tag) {
      // The offerer is restarting (or has given up and will dial afresh).
      this.lostPathTimer = setTimeout(() => {
        this.lostPathTimer = null
        if (this.pc.connectionState !== 'connected') this.shutDown('the connection was lost')
      }, ANSWERER_WAITS_FOR_RESTART_MS)
      return
    }
    this.shutDown('the connection was lost')
  }

  private clearLostPathTimer (): void {
    if (this.lostPathTimer) clearTimeout(this.lostPathTimer)
    this.lostPathTimer = null
  }

  private canRestart (): boolean {
    return this.binding.role === 'offerer' && this.restartVia !== null && this.tag !== null && !this.isClosed
  }

  /** Handshake done: this session can now be restarted, by its tag. */
  authenticated (transcript: Uint8Array): void {
    if (this.tag || this.isClosed) return
    this.tag = restartTag(transcript)
    if (this.binding.role === 'answerer') {
      this.unregister = liveSessions.register(this.tag, {
        remoteFingerprint: this.binding.remoteFingerprint,
        answerRestart: (sdp) => this.answerRestart(sdp)
      })
    }
  }

  /** The offering end: a new ICE offer on the same connection (same DTLS,
   *  so the session and its handshake stand), sent sealed to the peer; if it
   *  has not reconnected within RESTART_TIMEOUT_MS the session ends. */
  private restartIce (): void {
    if (this.restarting || !this.canRestart()) return
    if (this.pc.connectionState === 'connected') return
    this.restarting = true
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), RESTART_TIMEOUT_MS)
    const attempt = async (): Promise<void> => {
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }))
      await waitForGathering(this.pc, this.rtcConfig)
      const offerSdp = this.pc.localDescription!.sdp
      if (sdpFingerprint(offerSdp) !== this.binding.localFingerprint) throw new KithError('BAD_REQUEST', 'the restart changed our certificate')
      const answerSdp = await this.restartVia!(offerSdp, this.tag!, abort.signal)
      // Another certificate would be another peer: the handshake bound this one.
      if (sdpFingerprint(answerSdp) !== this.binding.remoteFingerprint) throw new KithError('BAD_REQUEST', 'the restart answer carries another certificate')
      if (this.isClosed) return
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp })
      await waitForConnected(this.pc, abort.signal)
    }
    attempt().then(() => {
      this.restarts++
    }, () => {
      this.shutDown('the connection was lost, and an ICE restart did not bring it back')
    }).finally(() => {
      clearTimeout(timer)
      this.restarting = false
    })
  }

  /** The answering end: a restart offer (tag and certificate already
   *  checked by the listener) applied to this same connection. */
  private async answerRestart (offerSdp: string): Promise<string> {
    if (this.isClosed || this.binding.role !== 'answerer') throw new KithError('CLOSED', 'the connection is closed')
    if (this.pc.signalingState !== 'stable') throw new KithError('BAD_REQUEST', 'a restart is already being answered')
    // The same offer again (sent into two epochs' swarms near midnight): answered once.
    if (offerSdp === this.lastRestartOffer) throw new KithError('BAD_REQUEST', 'this restart was already answered')
    this.lastRestartOffer = offerSdp
    if (sdpFingerprint(offerSdp) !== this.binding.remoteFingerprint) throw new KithError('BAD_REQUEST', 'the restart offer carries another certificate')
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    await this.pc.setLocalDescription(await this.pc.createAnswer())
    await waitForGathering(this.pc, this.rtcConfig)
    const sdp = this.pc.localDescription!.sdp
    if (sdpFingerprint(sdp) !== this.binding.localFingerprint) throw new KithError('BAD_REQUEST', 'the restart changed our certificate')
    // Give the offerer its full restart time to reach us before closing.
    if (this.lostPathTimer) {
      this.clearLostPathTimer()
      this.lostPathTimer = setTimeout(() => {
        this.lostPathTimer = null
        if (this.pc.connectionState !== 'connected') this.shutDown('the connection was lost')
      }, ANSWERER_WAITS_FOR_RESTART_MS)
    }
    return sdp
  }

  get mayRestart (): boolean {
    return !this.isClosed && this.tag !== null && (this.binding.role === 'answerer' || this.restartVia !== null)
  }

  get bufferedAmount (): number { return this.channel.bufferedAmount }
  get closed (): boolean { return this.isClosed }

  send (frame: Uint8Array): void {
    if (this.isClosed || this.channel.readyState !== 'open') throw new KithError('CLOSED', 'the connection is closed')
    if (frame.length > this.maxFrameSize) throw new KithError('TOO_LARGE', `frame of ${frame.length} bytes exceeds ${this.maxFrameSize}`)
    this.channel.send(frame as Uint8Array<ArrayBuffer>)
  }

  drain (): Promise<void> {
    if (this.isClosed || this.channel.bufferedAmount <= this.channel.bufferedAmountLowThreshold) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        this.channel.removeEventListener('bufferedamountlow', done)
        this.channel.removeEventListener('close', done)
        resolve()
      }
      this.channel.addEventListener('bufferedamountlow', done)
      this.channel.addEventListener('close', done)
    })
  }

  onMessage (listener: (frame: Uint8Array) => void): () => void { return this.events.onMessage(listener) }
  onClose (listener: (reason: string) => void): () => void { return this.events.onClose(listener) }

  close (reason = 'closed'): void {
    this.shutDown(reason)
  }

  private shutDown (reason: string): void {
    if (this.isClosed) return
    this.isClosed = true
    this.clearLostPathTimer()
    this.unregister?.()
    this.unregister = null
    try { this.channel.close() } catch { /* already closed */ }
    try { this.pc.close() } catch { /* already closed */ }
    this.events.emitClose(reason)
  }
}

/** Resolves when the SDP holds the candidates worth sending. Without trickle
 *  ICE we cannot add candidates later, but waiting for the browser to call
 *  gathering 'complete' costs ~100 ms even with no ICE servers. So: finish on
 *  'complete', or once candidates stop arriving for a moment (host candidates
 *  come at once; with STUN, wait until a server-reflexive one has come too),
 *  or after a cap, sending what we have. */
export interface PendingOffer {
  sdp: string
  complete (answerSdp: string, signal?: AbortSignal): Promise<WebRtcTransport>
  discard (): void
}

export async function createOffer (rtcConfig: RTCConfiguration): Promise<PendingOffer> {
  const pc = new RTCPeerConnection(rtcConfig)
  const channel = pc.createDataChannel(CHANNEL_LABEL, { ordered: true })
  const early = captureEarlyMessages(channel)
  try {
    await pc.setLocalDescription(await pc.createOffer())
    await waitForGathering(pc, rtcConfig)
  } catch (err) {
    pc.close()
    throw err
  }
  return {
    sdp: pc.localDescription!.sdp,
    async complete (answerSdp, signal) {
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp })
        const binding = bindingOf(pc, 'offerer')
        await waitForOpen(pc, channel, signal)
        return new WebRtcTransport(pc, channel, binding, early, rtcConfig)
      } catch (err) {
        pc.close()
        throw err instanceof KithError ? err : new KithError('BAD_REQUEST', 'the answer could not be used')
      }
    },
    discard () { pc.close() }
  }
}

/** The answering side: an answer SDP to seal and send back, and the transport
 *  once the data channel opens. */
/** `openTimeoutMs`/`waitThroughFailure`: for a connection code, whose
 *  offerer starts its side only when our answer reaches them by hand, maybe
 *  minutes later; until then our ICE checks go unanswered (and may count as
 *  failed), and recover once theirs arrive. */
export async function answerOffer (rtcConfig: RTCConfiguration, offerSdp: string, opts: { openTimeoutMs?: number, waitThroughFailure?: boolean } = {}): Promise<{ sdp: string, connected: (signal?: AbortSignal) => Promise<WebRtcTransport> }> {
  const openTimeoutMs = opts.openTimeoutMs ?? OPEN_TIMEOUT_MS
  const pc = new RTCPeerConnection(rtcConfig)
  const channelPromise = new Promise<{ channel: RTCDataChannel, early: Uint8Array[] }>((resolve) => {
    pc.addEventListener('datachannel', (ev) => {
      if (ev.channel.label === CHANNEL_LABEL) resolve({ channel: ev.channel, early: captureEarlyMessages(ev.channel) })
    }, { once: true })
  })
  let binding: SessionBinding
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
    await pc.setLocalDescription(await pc.createAnswer())
    await waitForGathering(pc, rtcConfig)
    // An offer without a DTLS fingerprint cannot be bound to a handshake:
    // its connection is closed here, not left open.
    binding = bindingOf(pc, 'answerer')
  } catch {
    pc.close()
    throw new KithError('BAD_REQUEST', 'the offer could not be used')
  }
  return {
    sdp: pc.localDescription!.sdp,
    async connected (signal) {
      try {
        let timer: ReturnType<typeof setTimeout> | undefined
        const { channel, early } = await Promise.race([
          channelPromise,
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(iceFailed(pc) ? unreachable(pc) : new KithError('CLOSED', 'the offerer never opened a channel')), openTimeoutMs)
          })
        ]).finally(() => clearTimeout(timer))
        await waitForOpen(pc, channel, signal, openTimeoutMs, opts.waitThroughFailure)
        return new WebRtcTransport(pc, channel, binding, early, rtcConfig)
      } catch (err) {
        pc.close()
        throw err
      }
    }
  }
}
