// The facts of a data-channel SDP a connection code carries, and the SDP
// rebuilt from them: the same ICE credentials, certificate, DTLS role and
// candidates (nothing added: "Hide my IP address" still sends relay
// candidates alone), in a form no field can break out of.
import { describe, expect, it } from 'vitest'
import { rebuildSdp, sdpEssentials, UnexpectedSdp } from '../../shared/rendezvous/sdp-essentials'
import { packEssentials, unpackEssentials } from '../../shared/rendezvous/sdp-essentials-binary'
import { addressBytes, addressText } from '../../shared/rendezvous/candidate-address'
import { sdpFingerprint } from '../../shared/rendezvous/rendezvous'
import { CHROMIUM_ANSWER, CHROMIUM_HOME_OFFER, CHROMIUM_OFFER } from './chromium-sdp'

const through = (sdp: string): string => rebuildSdp(unpackEssentials(packEssentials(sdpEssentials(sdp)))!)

describe('SDP essentials', () => {
  it('survive packing and rebuilding: credentials, certificate, role, message size and every candidate', () => {
    for (const sdp of [CHROMIUM_OFFER, CHROMIUM_HOME_OFFER, CHROMIUM_ANSWER]) {
      const rebuilt = through(sdp)
      expect(sdpEssentials(rebuilt)).toEqual(sdpEssentials(sdp))
      // The handshake binds the session to this fingerprint (webrtc.ts).
      expect(sdpFingerprint(rebuilt)).toBe(sdpFingerprint(sdp))
    }
    const e = sdpEssentials(CHROMIUM_OFFER)
    expect(e.candidates.map((c) => `${c.type} ${c.tcpType ?? 'udp'} ${c.address} ${c.port}`)).toEqual([
      'host udp 192.168.1.23 54321', 'host udp 10.8.0.2 49876', 'host active 192.168.1.23 9', 'srflx udp 203.0.113.7 54321', 'relay udp 198.51.100.9 62001'
    ])
    expect(e).toMatchObject({ ufrag: 'Zs3T', pwd: 'q8Fa0bGQ9iL8DkRk2yWc3Jx7', setup: 'actpass', maxMessageSize: 262144 })
  })

  it('an offer with relay candidates alone (Hide my IP address) is rebuilt with relay candidates alone', () => {
    const relayOnly = CHROMIUM_OFFER.split('\r\n').filter((l) => !l.startsWith('a=candidate:') || l.includes(' typ relay ')).join('\r\n')
    const rebuilt = through(relayOnly)
    expect(rebuilt.match(/^a=candidate:.*$/gm)).toEqual([expect.stringMatching(/ 198\.51\.100\.9 62001 typ relay /)])
    // The relay's own view of my address (raddr) is not carried either.
    expect(rebuilt).not.toContain('203.0.113.7')
  })

  it('keeps the order of candidates, so the preferred ones stay preferred', () => {
    const priorities = [...through(CHROMIUM_OFFER).matchAll(/^a=candidate:\S+ 1 \w+ (\d+) /gm)].map((m) => Number(m[1]))
    const hosts = priorities.slice(0, 2)
    expect(hosts[0]).toBeGreaterThan(hosts[1]!)
    expect(priorities[3]).toBeGreaterThan(priorities[4]!) // srflx above relay
  })

  it('leaves out candidates it cannot write (a second component, an unknown protocol, a host name)', () => {
    const odd = CHROMIUM_HOME_OFFER.replace('a=ice-ufrag', [
      'a=candidate:9 2 udp 2122260222 192.168.1.23 50124 typ host generation 0',
      'a=candidate:9 1 sctp 2122260222 192.168.1.23 50124 typ host generation 0',
      'a=candidate:9 1 udp 2122260222 evil.example 50124 typ host generation 0',
      'a=candidate:9 1 udp 2122260222 192.168.1.300 50124 typ host generation 0',
      'a=candidate:9 1 udp 2122260222 192.168.1.23 50124 typ bogus generation 0',
      'a=ice-ufrag'
    ].join('\r\n'))
    expect(sdpEssentials(through(odd)).candidates).toEqual(sdpEssentials(CHROMIUM_HOME_OFFER).candidates)
  })

  it('refuse an SDP that is not one data channel as Kith makes it', () => {
    const notOurs = [
      CHROMIUM_OFFER.replace('a=sctp-port:5000', 'a=sctp-port:5001'),
      CHROMIUM_OFFER.replace('a=mid:0', 'a=mid:data'),
      CHROMIUM_OFFER + 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n',
      CHROMIUM_OFFER.replace(/a=fingerprint:sha-256/, 'a=fingerprint:sha-1'),
      CHROMIUM_OFFER.replace('a=setup:actpass', 'a=setup:holdconn'),
      CHROMIUM_OFFER.replace('a=ice-pwd:q8Fa0bGQ9iL8DkRk2yWc3Jx7', 'a=ice-pwd:short')
    ]
    for (const sdp of notOurs) expect(() => sdpEssentials(sdp)).toThrow(UnexpectedSdp)
  })

  it('addresses: IPv4, IPv6 (written as RFC 5952 does) and mDNS names round-trip; anything else has no bytes', () => {
    for (const [text, canonical] of [['192.0.2.1', '192.0.2.1'], ['2001:db8::1', '2001:db8::1'], ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::1', '::1'], ['fe80::', 'fe80::'], ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
      ['5F4C2A1E-9B3D-4C7E-8A21-0D6E3F9B7C12.local', '5f4c2a1e-9b3d-4c7e-8a21-0d6e3f9b7c12.local']]) {
      const b = addressBytes(text!)!
      expect(addressText(b.kind, b.bytes)).toBe(canonical)
    }
    for (const text of ['host.example', '1.2.3', '1.2.3.256', '1::2::3', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.4', 'x.local', '']) {
      expect(addressBytes(text)).toBeNull()
    }
  })
})
