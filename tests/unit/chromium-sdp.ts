// Data-channel SDPs as Chromium makes them, for connection-code tests.

/** The lines every Chromium data-channel SDP has, around what differs. */
function chromiumSdp (o: { session: string, port: number, address: string, candidates: string[], ufrag: string, pwd: string, fingerprint: string, setup: 'actpass' | 'active' }): string {
  return [
    'v=0', `o=- ${o.session} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS',
    `m=application ${o.port} UDP/DTLS/SCTP webrtc-datachannel`, `c=IN IP4 ${o.address}`,
    ...o.candidates.map((c) => `a=candidate:${c}`),
    `a=ice-ufrag:${o.ufrag}`, `a=ice-pwd:${o.pwd}`, 'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${o.fingerprint}`,
    `a=setup:${o.setup}`, 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', ''
  ].join('\r\n')
}

/** An offer with host (UDP and TCP), srflx and relay candidates. */
export const CHROMIUM_OFFER = chromiumSdp({
  session: '4611731400430051336',
  port: 54321,
  address: '203.0.113.7',
  candidates: [
    '3346253232 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 network-id 1 network-cost 10',
    '2999745851 1 udp 2122194687 10.8.0.2 49876 typ host generation 0 network-id 2 network-cost 10',
    '1510613869 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 network-id 1 network-cost 10',
    '842163049 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.23 rport 54321 generation 0 network-id 1 network-cost 10',
    '4022866446 1 udp 41885439 198.51.100.9 62001 typ relay raddr 203.0.113.7 rport 54321 generation 0 network-id 1 network-cost 10'
  ],
  ufrag: 'Zs3T',
  pwd: 'q8Fa0bGQ9iL8DkRk2yWc3Jx7',
  fingerprint: '6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CD:87:32:BE:DD:8C:66:A5:8E:50:55:EA:20:36:3F:0B:58:AA:10:C5',
  setup: 'actpass'
})

/** A typical offer from a browser at home: one mDNS host candidate, one srflx. */
export const CHROMIUM_HOME_OFFER = chromiumSdp({
  session: '8231731400430051336',
  port: 50123,
  address: '203.0.113.7',
  candidates: [
    '1467250027 1 udp 2122260223 5f4c2a1e-9b3d-4c7e-8a21-0d6e3f9b7c12.local 50123 typ host generation 0 network-id 1',
    '842163049 1 udp 1686052607 203.0.113.7 50123 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1'
  ],
  ufrag: 'Hq7e',
  pwd: 'Vb3kM9xQ2rT8yL1nW6pZ4sJc',
  fingerprint: '0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9',
  setup: 'actpass'
})

/** The answer to it: an IPv6 host candidate and a relay one. */
export const CHROMIUM_ANSWER = chromiumSdp({
  session: '1931731400430051336',
  port: 9,
  address: '0.0.0.0',
  candidates: [
    '3346253232 1 udp 2122262783 2001:db8::7:1 60001 typ host generation 0 network-id 2',
    '4022866446 1 udp 41885439 198.51.100.9 62002 typ relay raddr 203.0.113.8 rport 54321 generation 0 network-id 1'
  ],
  ufrag: 'tT9a',
  pwd: 'Pz8hR2kD5mW1cN7xB3vY6qLs',
  fingerprint: 'F0:E1:D2:C3:B4:A5:96:87:78:69:5A:4B:3C:2D:1E:0F:F0:E1:D2:C3:B4:A5:96:87:78:69:5A:4B:3C:2D:1E:0F',
  setup: 'active'
})
