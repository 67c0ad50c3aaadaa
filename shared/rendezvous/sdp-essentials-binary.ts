// SDP essentials (sdp-essentials.ts) as compact bytes for a connection code,
// and back. Every field read back is bounded and checked: ufrag and
// password hold ICE characters only, the fingerprint is 32 bytes, each
// candidate is a flags byte, a 4- or 16-byte address and a port, so no
// field can carry text of its own (no line breaks) into the rebuilt SDP,
// and a hostile code cannot make us allocate more than its own length.
//
// Layout: ufrag length, ufrag, password length, password, fingerprint (32),
// setup (1), max-message-size (uint32), candidate count (1), candidates.
// A candidate's flags byte: bits 0–1 type (host, srflx, prflx, relay),
// bits 2–3 address kind (IPv4, IPv6, mDNS name), bits 4–5 TCP type (0 for
// UDP, else active, passive, so), bits 6–7 zero.
import {
  FINGERPRINT_BYTES, iceCredentialsValid, MAX_CANDIDATES, type CandidateType, type DtlsSetup, type IceCandidate, type SdpEssentials, type TcpType
} from './sdp-essentials'
import { ByteReader, ByteWriter } from '../util/byte-reader'
import { addressBytes, addressText, type AddressKind } from './candidate-address'

const TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay']
const SETUPS: readonly DtlsSetup[] = ['actpass', 'active', 'passive']
const TCP_TYPES: readonly TcpType[] = ['active', 'passive', 'so']
const KINDS: readonly AddressKind[] = ['ipv4', 'ipv6', 'mdns']
const ADDRESS_BYTES: Record<AddressKind, number> = { ipv4: 4, ipv6: 16, mdns: 16 }

function ascii (text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0))
}

/** My essentials as bytes; candidates whose address cannot be written are left out. */
export function packEssentials (e: SdpEssentials): Uint8Array {
  if (!iceCredentialsValid(e.ufrag, e.pwd) || e.fingerprint.length !== FINGERPRINT_BYTES) throw new Error('essentials of an unexpected form')
  const w = new ByteWriter()
  w.u8(e.ufrag.length).bytes(ascii(e.ufrag)).u8(e.pwd.length).bytes(ascii(e.pwd))
  w.bytes(e.fingerprint).u8(SETUPS.indexOf(e.setup)).u32(e.maxMessageSize)
  const candidates = e.candidates.flatMap((c) => {
    const address = addressBytes(c.address)
    return address === null ? [] : [{ c, address }]
  }).slice(0, MAX_CANDIDATES)
  w.u8(candidates.length)
  for (const { c, address } of candidates) {
    const tcp = c.tcpType === undefined ? 0 : TCP_TYPES.indexOf(c.tcpType) + 1
    w.u8(TYPES.indexOf(c.type) | KINDS.indexOf(address.kind) << 2 | tcp << 4).bytes(address.bytes).u16(c.port)
  }
  return w.done()
}

/** Essentials read back from a code that has opened (so made by the friend);
 *  null when anything in them is out of form. */
export function unpackEssentials (bytes: Uint8Array): SdpEssentials | null {
  const r = new ByteReader(bytes)
  try {
    const ufrag = r.ascii(r.u8())
    const pwd = r.ascii(r.u8())
    if (!iceCredentialsValid(ufrag, pwd)) return null
    const fingerprint = r.bytes(FINGERPRINT_BYTES)
    const setup = SETUPS[r.u8()]
    const maxMessageSize = r.u32()
    const count = r.u8()
    if (setup === undefined || count > MAX_CANDIDATES) return null
    const candidates: IceCandidate[] = []
    for (let i = 0; i < count; i++) {
      const flags = r.u8()
      const kind = KINDS[flags >> 2 & 3]
      const tcp = flags >> 4 & 3
      if (kind === undefined || flags >> 6 !== 0) return null
      const candidate: IceCandidate = { type: TYPES[flags & 3]!, address: addressText(kind, r.bytes(ADDRESS_BYTES[kind])), port: r.u16() }
      if (candidate.port === 0) return null
      if (tcp > 0) candidate.tcpType = TCP_TYPES[tcp - 1]
      candidates.push(candidate)
    }
    if (!r.atEnd()) return null
    return { ufrag, pwd, fingerprint, setup, maxMessageSize, candidates }
  } catch {
    return null // ran past the end
  }
}
