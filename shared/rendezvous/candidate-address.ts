// An ICE candidate's address as bytes and back: IPv4 (4 bytes), IPv6
// (16 bytes) or the mDNS name a browser uses to hide a local address
// (`<uuid>.local`, 16 bytes). Text comes back in one canonical form built
// from digits, hex, dots and colons only.

export type AddressKind = 'ipv4' | 'ipv6' | 'mdns'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const MDNS = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\.local$/i

function hexBytes (hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16))
}

function ipv4 (text: string): Uint8Array | null {
  const parts = text.match(IPV4)?.slice(1).map(Number)
  return parts && parts.every((p) => p <= 255) ? Uint8Array.from(parts) : null
}

function ipv6 (text: string): Uint8Array | null {
  if (!/^[0-9a-f:]{2,39}$/i.test(text)) return null
  const halves = text.split('::')
  if (halves.length > 2) return null
  const groups = halves.map((h) => h === '' ? [] : h.split(':'))
  const missing = 8 - groups.flat().length
  const all = halves.length === 2 ? [...groups[0]!, ...Array<string>(missing).fill('0'), ...groups[1]!] : groups[0]!
  if (all.length !== 8 || (halves.length === 2 && missing < 1) || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null
  return hexBytes(all.map((g) => g.padStart(4, '0')).join(''))
}

/** The address as bytes, or null if it is none of the three kinds. */
export function addressBytes (text: string): { kind: AddressKind, bytes: Uint8Array } | null {
  const v4 = ipv4(text)
  if (v4) return { kind: 'ipv4', bytes: v4 }
  const v6 = ipv6(text)
  if (v6) return { kind: 'ipv6', bytes: v6 }
  const mdns = text.match(MDNS)
  return mdns ? { kind: 'mdns', bytes: hexBytes(mdns.slice(1).join('')) } : null
}

/** RFC 5952: the longest run of two or more zero groups becomes `::`. */
function ipv6Text (groups: string[]): string {
  let best = { at: -1, length: 1 }
  for (let at = 0; at < 8; at++) {
    let length = 0
    while (at + length < 8 && groups[at + length] === '0') length++
    if (length > best.length) best = { at, length }
  }
  if (best.at < 0) return groups.join(':')
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`
}

/** The canonical text of an address (IPv6 as RFC 5952 writes it, mDNS lower-case). */
export function addressText (kind: AddressKind, bytes: Uint8Array): string {
  if (kind === 'ipv4') return [...bytes].join('.')
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
  if (kind === 'ipv6') return ipv6Text(hex.match(/..../g)!.map((g) => g.replace(/^0+(?=.)/, '')))
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.local`
}
