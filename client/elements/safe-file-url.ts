// Turns a file's content into something the UI may show: an object URL typed
// from the bytes themselves (a raster image to preview, or a download), and a
// cleaned name. The sender's MIME type and name never choose the blob's type.
import { cleanFileName, safeTypeFor, sniffRasterType, SNIFF_BYTES, DOWNLOAD_TYPE, type SafeType } from '../files/safe-file'

export interface SafeFileUrl {
  /** An object URL; revoke it (URL.revokeObjectURL) when it is no longer shown. */
  url: string
  /** The blob's type: a verified raster image type, or application/octet-stream. */
  type: SafeType
  /** True only for a raster image recognised from its bytes. */
  previewable: boolean
  /** The name to save it under and to show. */
  name: string
}

/** Reads only the first SNIFF_BYTES bytes, so a 1 GB Blob stays where it is. */
async function headOf (data: Blob | Uint8Array): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data.subarray(0, SNIFF_BYTES)
  return new Uint8Array(await data.slice(0, SNIFF_BYTES).arrayBuffer())
}

export async function safeFileUrl (data: Blob | Uint8Array, claimedName: string): Promise<SafeFileUrl> {
  const head = await headOf(data)
  const type = safeTypeFor(head)
  // A Blob is re-typed by slicing it whole: no copy of its content is made.
  const blob = data instanceof Uint8Array
    ? new Blob([data as Uint8Array<ArrayBuffer>], { type })
    : data.slice(0, data.size, type)
  return {
    url: URL.createObjectURL(blob),
    type,
    previewable: type !== DOWNLOAD_TYPE,
    name: cleanFileName(claimedName, sniffRasterType(head))
  }
}
