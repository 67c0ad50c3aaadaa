// Attack: an offer whose SDP carries no DTLS fingerprint (so no handshake
// can be bound to it). The answering side must close the RTCPeerConnection
// it made rather than leave it open: each one counts against the page's
// ~500. RTCPeerConnection is replaced by a stand-in that counts closes.
import { afterEach, describe, expect, it } from 'vitest'
import { answerOffer } from '../../node-tab/discovery/webrtc'

class FakePeerConnection {
  static made: FakePeerConnection[] = []
  closed = false
  iceGatheringState = 'complete'
  localDescription: { sdp: string } | null = null
  remoteDescription: { sdp: string } | null = null
  constructor () { FakePeerConnection.made.push(this) }
  async setRemoteDescription (d: { sdp: string }): Promise<void> { this.remoteDescription = d }
  async createAnswer (): Promise<{ type: string, sdp: string }> { return { type: 'answer', sdp: 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n' } }
  async setLocalDescription (d: { sdp: string }): Promise<void> { this.localDescription = d }
  addEventListener (): void {}
  removeEventListener (): void {}
  close (): void { this.closed = true }
}

const original = (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection
afterEach(() => {
  (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = original
  FakePeerConnection.made = []
})

describe('attack: an offer that cannot be bound to a handshake', () => {
  it('gets no answer, and its RTCPeerConnection is closed', async () => {
    (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = FakePeerConnection
    await expect(answerOffer({ iceServers: [] }, 'v=0\r\ns=no fingerprint here\r\n')).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(FakePeerConnection.made).toHaveLength(1)
    expect(FakePeerConnection.made[0]!.closed).toBe(true)
  })

  it('an offer with a fingerprint is answered (control)', async () => {
    (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = FakePeerConnection
    const answer = await answerOffer({ iceServers: [] }, 'v=0\r\na=fingerprint:sha-256 CC:DD\r\n')
    expect(answer.sdp).toContain('fingerprint')
    expect(FakePeerConnection.made[0]!.closed).toBe(false)
    FakePeerConnection.made[0]!.close()
  })
})
