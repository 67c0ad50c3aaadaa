// The few facts of a data-channel SDP the other side cannot know (so that a
// connection code is short enough for a QR code a phone reads at a glance).
// Kith's WebRTC sessions are always one data channel, so everything else in
// an offer or answer (the m-line, the mid, the SCTP port, the session lines)
// is the same every time and is rebuilt from a fixed template shaped like
// the SDP Chromium makes and takes.
//
// What travels: the ICE username fragment and password, the DTLS
// certificate's sha-256 fingerprint, the DTLS role, the largest message the
// sender takes, and the candidates as type, protocol, address and port.
// Candidate foundations and priorities are recomputed from the candidate's
// type and order (RFC 8445 §5.1.2), and raddr/rport (for diagnostics only)
// are dropped. A candidate that cannot be written this way (another
// component, an address that is neither IPv4, IPv6 nor an mDNS name) is left
// out; the browser only gathered what its ICE policy allows ("Hide my IP
// address" gathers relay candidates alone), and nothing is added here.

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'
export type TcpType = 'active' | 'passive' | 'so'
export type DtlsSetup = 'actpass' | 'active' | 'passive'

export interface IceCandidate {
  type: CandidateType
  /** Undefined for UDP. */
  tcpType?: TcpType
  /** An IPv4 or IPv6 address, or an mDNS name (`<uuid>.local`). */
  address: string
  port: number
}

export interface SdpEssentials {
  ufrag: string
  pwd: string
  /** The certificate's sha-256 digest, 32 bytes. */
  fingerprint: Uint8Array
  setup: DtlsSetup
  /** a=max-message-size; 0 when the SDP has none. */
  maxMessageSize: number
  candidates: IceCandidate[]
}

/** The SCTP port every browser uses for data channels (and Kith's only one). */
export const SCTP_PORT = 5000
export const FINGERPRINT_BYTES = 32
/** RFC 8839 ice-char: the only characters a ufrag or password may hold,
 *  so neither can carry a line break into a rebuilt SDP. */
export const ICE_CHARS = /^[A-Za-z0-9+/]+$/
export const UFRAG_LENGTH = { min: 4, max: 64 }
export const PWD_LENGTH = { min: 22, max: 64 }
export const MAX_CANDIDATES = 16

const TYPE_PREFERENCE: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 }

/** Thrown when an SDP is not the one-data-channel kind Kith makes. */
export class UnexpectedSdp extends Error {}

function attribute (sdp: string, name: string): string | undefined {
  return sdp.match(new RegExp(`^a=${name}:(.*?)\\s*$`, 'm'))?.[1]
}

/** The facts of my own offer or answer worth sending; throws UnexpectedSdp
 *  if the SDP is not one data channel as Kith makes it. */
export function sdpEssentials (sdp: string): SdpEssentials {
  const sections = sdp.match(/^m=/gm) ?? []
  if (sections.length !== 1 || !/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel\s*$/m.test(sdp)) throw new UnexpectedSdp('not one data channel')
  if (attribute(sdp, 'mid') !== '0' || attribute(sdp, 'sctp-port') !== String(SCTP_PORT)) throw new UnexpectedSdp('not the data channel Kith makes')
  const ufrag = attribute(sdp, 'ice-ufrag') ?? ''
  const pwd = attribute(sdp, 'ice-pwd') ?? ''
  if (!iceCredentialsValid(ufrag, pwd)) throw new UnexpectedSdp('ICE credentials of an unexpected form')
  const fingerprint = attribute(sdp, 'fingerprint')?.match(/^sha-256 ((?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$/)?.[1]
  if (fingerprint === undefined) throw new UnexpectedSdp('no sha-256 fingerprint')
  const setup = attribute(sdp, 'setup')
  if (setup !== 'actpass' && setup !== 'active' && setup !== 'passive') throw new UnexpectedSdp('no DTLS role')
  const maxMessageSize = Number(attribute(sdp, 'max-message-size') ?? 0)
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > 0xffffffff) throw new UnexpectedSdp('an unexpected max-message-size')
  const candidates = [...sdp.matchAll(/^a=candidate:(.*?)\s*$/gm)].map((m) => parseCandidate(m[1]!)).filter((c) => c !== null)
  return {
    ufrag,
    pwd,
    fingerprint: Uint8Array.from(fingerprint.split(':'), (h) => parseInt(h, 16)),
    setup,
    maxMessageSize,
    candidates
  }
}

export function iceCredentialsValid (ufrag: string, pwd: string): boolean {
  return ICE_CHARS.test(ufrag) && ufrag.length >= UFRAG_LENGTH.min && ufrag.length <= UFRAG_LENGTH.max &&
    ICE_CHARS.test(pwd) && pwd.length >= PWD_LENGTH.min && pwd.length <= PWD_LENGTH.max
}

/** `foundation component protocol priority address port typ type [extensions]`. */
function parseCandidate (line: string): IceCandidate | null {
  const [, component, protocol, , address, port, typ, type, ...rest] = line.split(' ')
  if (component !== '1' || typ !== 'typ' || address === undefined) return null
  if (type !== 'host' && type !== 'srflx' && type !== 'prflx' && type !== 'relay') return null
  const portNumber = Number(port)
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) return null
  const candidate: IceCandidate = { type, address, port: portNumber }
  if (protocol?.toLowerCase() === 'tcp') {
    const tcpType = rest[rest.indexOf('tcptype') + 1]
    if (!rest.includes('tcptype') || (tcpType !== 'active' && tcpType !== 'passive' && tcpType !== 'so')) return null
    candidate.tcpType = tcpType
  } else if (protocol?.toLowerCase() !== 'udp') {
    return null
  }
  return candidate
}

function candidateLine (c: IceCandidate, index: number): string {
  // RFC 8445 §5.1.2.1: type preference, then a local preference keeping the
  // sender's order (UDP before TCP), then component 1.
  const localPreference = (c.tcpType === undefined ? 65535 : 32767) - index
  const priority = TYPE_PREFERENCE[c.type] * 2 ** 24 + localPreference * 2 ** 8 + 255
  const protocol = c.tcpType === undefined ? 'udp' : 'tcp'
  const tcp = c.tcpType === undefined ? '' : ` tcptype ${c.tcpType}`
  return `a=candidate:${index + 1} 1 ${protocol} ${priority} ${c.address} ${c.port} typ ${c.type}${tcp} generation 0`
}

function fingerprintText (digest: Uint8Array): string {
  return [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
}

/** A complete SDP Chromium takes, from the essentials. Every field is checked
 *  by whoever made `e` (shared/rendezvous/sdp-essentials-binary.ts checks what
 *  came from a code) so none can add a line of its own. */
export function rebuildSdp (e: SdpEssentials): string {
  return [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    ...e.candidates.map(candidateLine),
    `a=ice-ufrag:${e.ufrag}`,
    `a=ice-pwd:${e.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprintText(e.fingerprint)}`,
    `a=setup:${e.setup}`,
    'a=mid:0',
    `a=sctp-port:${SCTP_PORT}`,
    ...(e.maxMessageSize > 0 ? [`a=max-message-size:${e.maxMessageSize}`] : []),
    ''
  ].join('\r\n')
}
