// A friend's file gets its type from its bytes and a name that cannot hide
// a path, reverse text or climb out of the downloads folder.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { cleanFileName, DOWNLOAD_TYPE, MAX_NAME_CHARS, safeTypeFor, sniffRasterType, SNIFF_BYTES } from '../../client/files/safe-file'

const bytes = (...parts: Array<string | number[]>): Uint8Array => {
  const out: number[] = []
  for (const p of parts) out.push(...(typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p))
  return new Uint8Array(out)
}
const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]

const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13], 'IHDR')
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF')
const GIF = bytes('GIF89a', [1, 0, 1, 0])
const WEBP = bytes('RIFF', [36, 0, 0, 0], 'WEBPVP8 ')
const AVIF = bytes(u32(28), 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf')
const AVIF_COMPAT = bytes(u32(32), 'ftypmif1', [0, 0, 0, 0], 'mif1miafMA1Bavif')
const HEIC = bytes(u32(24), 'ftypheic', [0, 0, 0, 0], 'mif1heic')

describe('sniffRasterType: the bytes decide, not the sender', () => {
  it('recognises the five raster formats from their magic numbers', () => {
    expect(sniffRasterType(PNG)).toBe('image/png')
    expect(sniffRasterType(JPEG)).toBe('image/jpeg')
    expect(sniffRasterType(GIF)).toBe('image/gif')
    expect(sniffRasterType(bytes('GIF87a'))).toBe('image/gif')
    expect(sniffRasterType(WEBP)).toBe('image/webp')
    expect(sniffRasterType(AVIF)).toBe('image/avif')
    expect(sniffRasterType(AVIF_COMPAT)).toBe('image/avif')
  })

  it('gives every active or unknown document the download type', () => {
    const hostile = [
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      '<!doctype html><script>alert(1)</script>',
      '<html><body>hi</body></html>',
      '<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="#"?><x/>',
      '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
      '%PDF-1.7',
      '',
      // Near misses: a magic number cut short, or in the wrong place.
      'GIF89',
      'RIFF\0\0\0\0WAVE',
      ' \x89PNG\r\n\x1a\n'
    ]
    for (const text of hostile) {
      expect(sniffRasterType(bytes(text)), text).toBeNull()
      expect(safeTypeFor(bytes(text)), text).toBe(DOWNLOAD_TYPE)
    }
    expect(sniffRasterType(bytes([0x89, 0x50, 0x4e, 0x47]))).toBeNull()
    expect(sniffRasterType(HEIC)).toBeNull()
    expect(sniffRasterType(bytes(u32(8), 'ftypavif'))).toBeNull() // a box too short to hold a brand
  })

  it('needs no more than SNIFF_BYTES bytes', () => {
    for (const head of [PNG, JPEG, GIF, WEBP, AVIF, AVIF_COMPAT]) {
      const padded = new Uint8Array(4096)
      padded.set(head)
      expect(sniffRasterType(padded.subarray(0, SNIFF_BYTES))).toBe(sniffRasterType(head))
    }
  })

  it('only ever answers a raster type or nothing, whatever the bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const t = safeTypeFor(b)
      expect(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', DOWNLOAD_TYPE]).toContain(t)
    }))
  })
})

/** A test of examples: each name (of a file of that type, if given) is cleaned to the one beside it. */
function cleans (test: string, examples: Array<[name: unknown, cleaned: string, mime?: Parameters<typeof cleanFileName>[1]]>): void {
  it(test, () => {
    for (const [name, cleaned, mime] of examples) expect(mime === undefined ? cleanFileName(name) : cleanFileName(name, mime)).toBe(cleaned)
  })
}

describe('cleanFileName', () => {
  cleans('keeps an ordinary name as it is', [['Holiday photo.jpg', 'Holiday photo.jpg'], ['report.2024.tar.gz', 'report.2024.tar.gz'], ['Größe – café.pdf', 'Größe – café.pdf']])

  it('removes path separators and leading dots, so it cannot climb out of a folder or hide', () => {
    expect(cleanFileName('../../.bashrc')).not.toMatch(/[/\\]|^\./)
    expect(cleanFileName('..\\..\\windows\\system32\\evil.dll')).not.toMatch(/[/\\]|^\./)
    expect(cleanFileName('/etc/passwd')).toBe('_etc_passwd')
    expect(cleanFileName('.htaccess')).toBe('htaccess')
    expect(cleanFileName('...')).toBe('file')
  })

  // "invoice<RLO>fdp.exe" displays as "invoiceexe.pdf".
  cleans('removes control characters, bidi overrides and zero-width characters', [['invoice\u202Efdp.exe', 'invoicefdp.exe'], ['a\u2066b\u2069c\u200Bd\u200Fe.txt', 'abcde.txt'], ['line\nbreak\r\t\u0000\u007f\u0085.txt', 'line break.txt']])
  cleans('replaces characters Windows refuses and renames reserved device names', [['a<b>c:d"e|f?g*h.txt', 'a_b_c_d_e_f_g_h.txt'], ['CON', '_CON'], ['nul.txt', '_nul.txt'], ['com1.tar.gz', '_com1.tar.gz'], ['console.txt', 'console.txt']])
  cleans('drops trailing dots and spaces, and falls back to a plain name', [['notes.txt. . ', 'notes.txt'], ['', 'file'], [undefined, 'file'], [{ toString: () => 'x.html' }, 'file'], ['\u202E\u202E', 'file']])

  it('bounds the length but keeps the extension', () => {
    const long = `${'a'.repeat(500)}.jpeg`
    const clean = cleanFileName(long)
    expect(Array.from(clean).length).toBeLessThanOrEqual(MAX_NAME_CHARS)
    expect(clean.endsWith('.jpeg')).toBe(true)
    // An emoji at the cut is not split into half a surrogate pair.
    const emoji = cleanFileName(`${'😀'.repeat(300)}.png`)
    expect(Array.from(emoji).length).toBeLessThanOrEqual(MAX_NAME_CHARS)
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
  })

  cleans('does not take a long or odd tail as an extension', [['archive.verylongextension', 'archive.verylongextension'], ['photo.j p g', 'photo.j p g']])
  cleans('gives a raster image with no extension the one its bytes say', [['photo', 'photo.png', 'image/png'], ['photo.jpeg', 'photo.jpeg', 'image/png'], ['', 'file.webp', 'image/webp']])

  it('never yields a name with a separator, a control or format character, or a leading dot', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 40 }), (a, b) => {
      const clean = cleanFileName(a + b)
      expect(clean).not.toMatch(/[/\\:*?"<>|\p{Cc}\p{Cf}]/u)
      expect(clean).not.toMatch(/^[.\s]|[.\s]$/)
      expect(clean.length).toBeGreaterThan(0)
      expect(Array.from(clean).length).toBeLessThanOrEqual(MAX_NAME_CHARS)
    }))
  })
})
