// What a file from someone else may become in this app: bytes and names from
// a friend (or a file the owner picked up elsewhere) are hostile until checked.
// A blob: URL runs with the app's origin, so a type the browser renders as a
// document (HTML, SVG, XML, XSL…) would let the file's script read my keys.
// Only raster images recognised from their own magic numbers are ever shown;
// everything else is typed application/octet-stream so the browser saves it.
// Pure: no DOM, no state.

/** The only types a file's bytes may be given; none of them can run script. */
export type RasterType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/avif'
export type SafeType = RasterType | 'application/octet-stream'

export const DOWNLOAD_TYPE = 'application/octet-stream'

/** How many leading bytes sniffRasterType needs: enough for an AVIF `ftyp` box with a few compatible brands. */
export const SNIFF_BYTES = 64

const RASTER_EXTENSIONS: Record<RasterType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif'
}

function startsWith (bytes: Uint8Array, at: number, ascii: string): boolean {
  if (bytes.length < at + ascii.length) return false
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false
  return true
}

function hasBytes (bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b)
}

/** AVIF is an ISO-BMFF file whose leading `ftyp` box names an AVIF brand (major or compatible). */
function isAvif (head: Uint8Array): boolean {
  if (!startsWith(head, 4, 'ftyp') || head.length < 16) return false
  const boxSize = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0
  if (boxSize < 16) return false
  const end = Math.min(boxSize, head.length)
  // Major brand at 8, minor version at 12, compatible brands from 16.
  for (let at = 8; at + 4 <= end; at += at === 8 ? 8 : 4) {
    if (startsWith(head, at, 'avif') || startsWith(head, at, 'avis')) return true
  }
  return false
}

/**
 * The raster image type the bytes really are, from their magic numbers, or
 * null. What the sender claimed (MIME type, file name) is deliberately not an
 * input. Pass at least the first SNIFF_BYTES bytes (more is fine).
 */
export function sniffRasterType (head: Uint8Array): RasterType | null {
  if (hasBytes(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (hasBytes(head, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(head, 0, 'GIF87a') || startsWith(head, 0, 'GIF89a')) return 'image/gif'
  if (startsWith(head, 0, 'RIFF') && startsWith(head, 8, 'WEBP')) return 'image/webp'
  if (isAvif(head)) return 'image/avif'
  return null
}

/** The type a file's blob gets: a verified raster type, or a download. Never the sender's word. */
export function safeTypeFor (head: Uint8Array): SafeType {
  return sniffRasterType(head) ?? DOWNLOAD_TYPE
}

export const MAX_NAME_CHARS = 120
const MAX_EXTENSION_CHARS = 10
const FALLBACK_STEM = 'file'

// Control characters (C0, DEL, C1) and Unicode format characters, which
// include the bidi overrides and isolates that make "invoice‮fdp.exe" look
// like "invoiceexe.pdf", and zero-width characters that hide parts of a name.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu
// Path separators and the characters Windows refuses in a file name.
const FORBIDDEN = /[/\\:*?"<>|]/g
// Names Windows reserves for devices, whatever the extension ("con.txt" too).
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i

function codePoints (s: string): string[] {
  return Array.from(s)
}

/** Cuts a string to at most `max` characters without splitting a surrogate pair. */
function clip (s: string, max: number): string {
  const chars = codePoints(s)
  return chars.length <= max ? s : chars.slice(0, max).join('')
}

/**
 * A file name that is safe to offer as a download and to show: no path,
 * nothing invisible or direction-changing, no leading dot (hidden files), no
 * device name, bounded length, and the extension kept where it is sensible.
 * A raster image with no extension gets the one matching its bytes.
 */
export function cleanFileName (name: unknown, detected: RasterType | null = null): string {
  let s = typeof name === 'string' ? name : ''
  // Line breaks and tabs become spaces; what is invisible goes.
  s = s.normalize('NFC').replace(/\s+/g, ' ').replace(INVISIBLE, '').replace(FORBIDDEN, '_')
  s = s.replace(/ {2,}/g, ' ').trim()
  // Leading dots hide a file (or climb a path); trailing dots and spaces are dropped by Windows.
  s = s.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '')

  const dot = s.lastIndexOf('.')
  let stem = dot > 0 ? s.slice(0, dot) : s
  let ext = dot > 0 ? s.slice(dot + 1) : ''
  if (!/^[\p{L}\p{N}]{1,10}$/u.test(ext) || codePoints(ext).length > MAX_EXTENSION_CHARS) {
    // Not an extension one would recognise: keep it as part of the name.
    stem = s
    ext = ''
  }
  if (!ext && detected) ext = RASTER_EXTENSIONS[detected]
  stem = stem.replace(/[.\s]+$/, '')
  const stemBase = stem.split('.')[0] ?? ''
  if (!stem || RESERVED.test(stemBase.trim())) stem = stem ? `_${stem}` : FALLBACK_STEM

  const room = MAX_NAME_CHARS - (ext ? codePoints(ext).length + 1 : 0)
  stem = clip(stem, room).replace(/[.\s]+$/, '') || FALLBACK_STEM
  return ext ? `${stem}.${ext}` : stem
}
