// Just enough of the pcap format (what tcpdump -w writes on an Ethernet
// interface) to list the UDP datagrams a capture holds.
export interface Datagram { src: string, srcPort: number, dst: string, dstPort: number, payload: Buffer }

export function udpDatagrams (pcap: Buffer): Datagram[] {
  const magic = pcap.readUInt32LE(0)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  if (!little && pcap.readUInt32BE(0) !== 0xa1b2c3d4 && pcap.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a pcap file')
  const u32 = (at: number): number => little ? pcap.readUInt32LE(at) : pcap.readUInt32BE(at)
  if (u32(20) !== 1) throw new Error(`expected an Ethernet capture, got link type ${u32(20)}`)
  const out: Datagram[] = []
  for (let at = 24; at + 16 <= pcap.length;) {
    const captured = u32(at + 8)
    const frame = pcap.subarray(at + 16, at + 16 + captured)
    at += 16 + captured
    if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) continue
    const ip = frame.subarray(14)
    const headerLength = (ip[0]! & 0x0f) * 4
    if (ip[9] !== 17 || ip.length < headerLength + 8) continue
    const udp = ip.subarray(headerLength)
    const addr = (b: Buffer): string => [...b].join('.')
    out.push({ src: addr(ip.subarray(12, 16)), dst: addr(ip.subarray(16, 20)), srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), payload: udp.subarray(8) })
  }
  return out
}
