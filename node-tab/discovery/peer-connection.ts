// Waiting on an RTCPeerConnection (ICE gathering, the data channel opening,
// connecting again after a restart) and reading what it says about the path
// (relay candidates, TURN in use, why it failed), for webrtc.ts: the only
// code that makes peer connections.
import { KithError } from '../../shared/wire/errors'
import type { SessionBinding } from '../../shared/wire/transport'
import { sdpFingerprint } from '../../shared/rendezvous/rendezvous'

const GATHER_TIMEOUT_MS = 3_000
export const OPEN_TIMEOUT_MS = 15_000

export function waitForGathering (pc: RTCPeerConnection, rtcConfig: RTCConfiguration): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  const servers = usesIceServers(rtcConfig)
  const quietMs = servers ? 150 : 15
  // With a TURN server, wait for its relay candidate too: it is the one that
  // gets through a symmetric NAT, and comes a round trip after the STUN one.
  const wantRelay = usesTurn(rtcConfig)
  return new Promise((resolve) => {
    const cap = setTimeout(finish, GATHER_TIMEOUT_MS)
    let quiet: ReturnType<typeof setTimeout> | null = null
    let haveReflexive = false
    let haveRelay = false
    function finish (): void {
      clearTimeout(cap)
      if (quiet) clearTimeout(quiet)
      pc.removeEventListener('icegatheringstatechange', stateChanged)
      pc.removeEventListener('icecandidate', candidate)
      resolve()
    }
    function stateChanged (): void {
      if (pc.iceGatheringState === 'complete') finish()
    }
    function candidate (ev: RTCPeerConnectionIceEvent): void {
      if (!ev.candidate) return finish()
      if (ev.candidate.type === 'srflx' || ev.candidate.type === 'relay') haveReflexive = true
      if (ev.candidate.type === 'relay') haveRelay = true
      if (servers && !haveReflexive) return
      if (wantRelay && !haveRelay) return
      if (quiet) clearTimeout(quiet)
      quiet = setTimeout(finish, quietMs)
    }
    pc.addEventListener('icegatheringstatechange', stateChanged)
    pc.addEventListener('icecandidate', candidate)
  })
}

export function waitForOpen (pc: RTCPeerConnection, channel: RTCDataChannel, signal?: AbortSignal, timeoutMs = OPEN_TIMEOUT_MS, waitThroughFailure = false): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(iceFailed(pc) ? null : 'the peer connection did not open in time'), timeoutMs)
    function cleanup (): void {
      clearTimeout(timer)
      channel.removeEventListener('open', opened)
      pc.removeEventListener('connectionstatechange', stateChanged)
      signal?.removeEventListener('abort', aborted)
    }
    /** null: ICE found no path between the two sides (see unreachable()). */
    function fail (message: string | null): void {
      cleanup()
      reject(message === null ? unreachable(pc) : new KithError('CLOSED', message))
    }
    function opened (): void {
      cleanup()
      resolve()
    }
    function stateChanged (): void {
      if (pc.connectionState === 'failed' && !waitThroughFailure) fail(null)
      else if (pc.connectionState === 'closed') fail('the peer connection closed')
    }
    function aborted (): void { fail('cancelled') }
    channel.addEventListener('open', opened)
    pc.addEventListener('connectionstatechange', stateChanged)
    signal?.addEventListener('abort', aborted)
  })
}

/** Resolves when ICE has a path again; rejects if it fails or is given up. */
export function waitForConnected (pc: RTCPeerConnection, signal: AbortSignal): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve()
  return new Promise((resolve, reject) => {
    function cleanup (): void {
      pc.removeEventListener('connectionstatechange', changed)
      signal.removeEventListener('abort', aborted)
    }
    function changed (): void {
      if (pc.connectionState === 'connected') { cleanup(); resolve() } else if (pc.connectionState === 'closed') { cleanup(); reject(new KithError('CLOSED', 'closed')) }
    }
    function aborted (): void { cleanup(); reject(new KithError('CLOSED', 'the ICE restart timed out')) }
    pc.addEventListener('connectionstatechange', changed)
    signal.addEventListener('abort', aborted)
  })
}

/** Chromium can deliver the answerer's first message to the offerer before
 *  the channel's 'open' event; listen from the start so none is lost. */
export function captureEarlyMessages (channel: RTCDataChannel): Uint8Array[] {
  const early: Uint8Array[] = []
  channel.binaryType = 'arraybuffer'
  channel.onmessage = (ev) => {
    if (ev.data instanceof ArrayBuffer) early.push(new Uint8Array(ev.data))
  }
  return early
}

export function usesIceServers (rtcConfig: RTCConfiguration): boolean {
  return (rtcConfig.iceServers ?? []).length > 0
}

export function usesTurn (rtcConfig: RTCConfiguration): boolean {
  return (rtcConfig.iceServers ?? []).some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)))
}

/** ICE checked every pair of addresses and none answered, or is still
 *  checking when we stop waiting (Chromium takes ~30 s to call it failed). */
export function iceFailed (pc: RTCPeerConnection): boolean {
  return pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'checking' ||
    (pc.iceConnectionState === 'new' && pc.remoteDescription !== null)
}

export function hasRelayCandidate (sdp: string | undefined): boolean {
  return /^a=candidate:.* typ relay/m.test(sdp ?? '')
}

/** Why no path was found, in words the person can act on: without a relay
 *  on either side, two NATs that pick a new port per destination (or
 *  firewalls that drop UDP) cannot reach each other; with one, the relay
 *  itself was out of reach. */
export function unreachable (pc: RTCPeerConnection): KithError {
  if (!hasRelayCandidate(pc.localDescription?.sdp) && !hasRelayCandidate(pc.remoteDescription?.sdp)) {
    return new KithError('NEEDS_RELAY', NEEDS_RELAY_MESSAGE)
  }
  return new KithError('CLOSED', 'No network path to this friend, not even through the TURN relay: check the TURN server in Network settings.')
}

export const NEEDS_RELAY_MESSAGE = 'Your network needs a relay to reach this friend; add a TURN server in Network settings.'

export function bindingOf (pc: RTCPeerConnection, role: SessionBinding['role']): SessionBinding {
  const local = pc.localDescription ? sdpFingerprint(pc.localDescription.sdp) : null
  const remote = pc.remoteDescription ? sdpFingerprint(pc.remoteDescription.sdp) : null
  if (!local || !remote) throw new KithError('BAD_REQUEST', 'an SDP without a DTLS fingerprint')
  return { role, localFingerprint: local, remoteFingerprint: remote }
}

/** The offering side: an SDP to seal and send, then complete() with the answer. */
