// A QR code as a data: SVG image (the Content-Security-Policy allows images
// from data:, and an SVG shown through <img> never runs script).
import { toString as qrToString } from 'qrcode'

/** The QR code of `text`, or null if it does not fit in one. */
export async function qrDataUrl (text: string): Promise<string | null> {
  try {
    const svg = await qrToString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  } catch {
    return null // too long for a QR code: the text still works
  }
}
