// What the browser itself says about its WebRTC connections, read from the
// test side only: an init script wraps RTCPeerConnection in the page so the
// test can ask every connection the app made for its stats. Nothing of this
// is in the app's build.
import type { BrowserContext, Page } from 'playwright-core'

export interface CandidateView { type: string, address: string, port: number }
export interface SelectedPair { local: CandidateView, remote: CandidateView }

export async function recordPeerConnections (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection
    const made: Array<{ pc: RTCPeerConnection, config: RTCConfiguration | undefined }> = []
    const remoteSdps: string[] = []
    class Recorded extends Native {
      constructor (config?: RTCConfiguration) {
        super(config)
        made.push({ pc: this, config })
      }

      override setRemoteDescription (description: RTCSessionDescriptionInit): Promise<void> {
        if (description.sdp) remoteSdps.push(description.sdp)
        return super.setRemoteDescription(description)
      }
    }
    Object.defineProperty(window, 'RTCPeerConnection', { value: Recorded, configurable: true, writable: true })
    Object.defineProperty(window, '__kithPeerConnections', { value: { made, remoteSdps } })
  })
}

/** The candidate pair each open connection uses, as its transport reports. */
export function selectedPairs (page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const { made } = (window as unknown as { __kithPeerConnections: { made: Array<{ pc: RTCPeerConnection }> } }).__kithPeerConnections
    const pairs: SelectedPair[] = []
    for (const { pc } of made) {
      if (pc.connectionState !== 'connected') continue
      const stats = await pc.getStats()
      const byId = new Map<string, Record<string, unknown>>()
      stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s))
      for (const s of byId.values()) {
        if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') continue
        const pair = byId.get(s.selectedCandidatePairId)
        const local = pair && byId.get(pair.localCandidateId as string)
        const remote = pair && byId.get(pair.remoteCandidateId as string)
        if (!local || !remote) continue
        const view = (c: Record<string, unknown>): CandidateView => ({ type: c.candidateType as string, address: (c.address ?? c.ip) as string, port: c.port as number })
        pairs.push({ local: view(local), remote: view(remote) })
      }
    }
    return pairs
  })
}

/** Every address the page was ever offered for the other side: candidates in
 *  remote SDPs and remote candidates in the stats of every connection. */
export function remoteAddressesSeen (page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const { made, remoteSdps } = (window as unknown as { __kithPeerConnections: { made: Array<{ pc: RTCPeerConnection }>, remoteSdps: string[] } }).__kithPeerConnections
    const seen = new Set<string>()
    for (const sdp of remoteSdps) {
      for (const m of sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ/gm)) seen.add(m[1]!)
      for (const m of sdp.matchAll(/^c=IN IP4 (\S+)/gm)) if (m[1] !== '0.0.0.0') seen.add(m[1]!)
    }
    for (const { pc } of made) {
      if (pc.connectionState === 'closed') continue
      const stats = await pc.getStats()
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'remote-candidate') seen.add((s.address ?? s.ip) as string)
      })
    }
    return [...seen]
  })
}

/** The RTCConfigurations the app created its connections with. */
export function configsUsed (page: Page): Promise<Array<RTCConfiguration | undefined>> {
  return page.evaluate(() => (window as unknown as { __kithPeerConnections: { made: Array<{ config: RTCConfiguration | undefined }> } }).__kithPeerConnections.made.map((m) => m.config))
}

export interface PeerConnectionView { state: RTCPeerConnectionState, localUfrag: string | null }

/** Every RTCPeerConnection the page made, in order: its state, and the ICE
 *  username fragment of its local description (an ICE restart changes it;
 *  a new connection is a new entry). */
export function peerConnections (page: Page): Promise<PeerConnectionView[]> {
  return page.evaluate(() => {
    const { made } = (window as unknown as { __kithPeerConnections: { made: Array<{ pc: RTCPeerConnection }> } }).__kithPeerConnections
    return made.map(({ pc }) => ({
      state: pc.connectionState,
      localUfrag: pc.localDescription?.sdp.match(/^a=ice-ufrag:(\S+)/m)?.[1] ?? null
    }))
  })
}
