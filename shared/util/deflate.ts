// Raw DEFLATE through the platform's CompressionStream (browsers and Node
// alike), for text that travels by hand and should be short (connection
// codes). Inflating stops at a size limit: a small input must not grow into
// a large one (a "zip bomb").

export const TOO_LARGE = 'too large'

async function drain (stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      return TOO_LARGE
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.length }
  return out
}

function through (bytes: Uint8Array, stream: CompressionStream | DecompressionStream): ReadableStream<Uint8Array> {
  const writer = stream.writable.getWriter()
  // Errors surface on the readable side; the writer's own promises are not awaited.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {})
  writer.close().catch(() => {})
  return stream.readable as ReadableStream<Uint8Array>
}

export async function deflateRaw (bytes: Uint8Array): Promise<Uint8Array> {
  return await drain(through(bytes, new CompressionStream('deflate-raw')), Number.MAX_SAFE_INTEGER) as Uint8Array
}

/** The inflated bytes; TOO_LARGE once they would exceed `maxBytes`; null
 *  when they are not valid raw DEFLATE. */
export async function inflateRaw (bytes: Uint8Array, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE | null> {
  try {
    return await drain(through(bytes, new DecompressionStream('deflate-raw')), maxBytes)
  } catch {
    return null
  }
}
