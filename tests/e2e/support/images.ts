// Real, decodable images for browser tests, made here (no binary fixtures).
import { crc32, deflateSync } from 'node:zlib'

/** An 8-bit RGB PNG of w×h pixels coloured by `rgbAt`, with a text chunk of
 *  `padBytes` that decoders skip (a large file that is still a small photo). */
export function png (w: number, h: number, rgbAt: (x: number, y: number) => number[], padBytes = 0): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set(rgbAt(x, y).map((v) => Math.round(v)), y * (w * 3 + 1) + 1 + x * 3)
  }
  const pad = padBytes > 0 ? [chunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(padBytes, 0x61)]))] : []
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...pad, chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

/** A PNG of w×h pixels: a sky-to-sea gradient with a sun, so a thumbnail
 *  and its full-size view look like a photo in screenshots. */
export function gradientPng (w: number, h: number, padBytes = 0): Buffer {
  const [sx, sy, sr] = [w * 0.7, h * 0.3, Math.min(w, h) * 0.12]
  return png(w, h, (x, y) => {
    if ((x - sx) ** 2 + (y - sy) ** 2 < sr ** 2) return [250, 210, 80]
    const t = y / h
    return y > h * 0.6 ? [20, 80 + 60 * t, 140 + 60 * t] : [120 + 100 * t, 170 + 60 * t, 235]
  }, padBytes)
}
