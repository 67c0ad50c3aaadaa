// A small copy of a photo for the feed, so a page of large photos does not
// keep every one decoded at full size. Only ever given a Blob whose bytes
// were recognised as a raster image (safe-file-url.ts); the copy is drawn
// by the browser's own decoder onto a canvas, so it is a raster image too.
export const THUMBNAIL_EDGE = 720

/** A downscaled WebP (PNG where WebP is not available), or null when the
 *  photo is small enough already or the browser cannot decode it. */
export async function downscaledPhoto (photo: Blob, edge = THUMBNAIL_EDGE): Promise<Blob | null> {
  if (typeof createImageBitmap !== 'function' || typeof document === 'undefined') return null
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(photo)
  } catch {
    return null
  }
  try {
    const scale = edge / Math.max(bitmap.width, bitmap.height)
    if (!(scale < 1)) return null
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(bitmap.width * scale))
    canvas.height = Math.max(1, Math.round(bitmap.height * scale))
    const context = canvas.getContext('2d')
    if (!context) return null
    context.imageSmoothingQuality = 'high'
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    return await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/webp', 0.85))
  } finally {
    bitmap.close()
  }
}
