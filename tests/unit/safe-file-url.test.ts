// The UI's object URLs for files: typed from the first bytes only, so a large
// Blob is never read whole just to decide how to show it.
import { resolveObjectURL } from 'node:buffer'
import { afterEach, describe, expect, it } from 'vitest'
import { safeFileUrl } from '../../client/elements/safe-file-url'
import { SNIFF_BYTES } from '../../client/files/safe-file'

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const made: string[] = []
afterEach(() => { for (const u of made.splice(0)) URL.revokeObjectURL(u) })

/** A Blob that refuses to be read whole and records how it was sliced. */
class WatchedBlob extends Blob {
  slices: Array<[number | undefined, number | undefined, string | undefined]> = []
  override slice (start?: number, end?: number, type?: string): Blob {
    this.slices.push([start, end, type])
    return super.slice(start, end, type)
  }

  override arrayBuffer (): Promise<ArrayBuffer> { throw new Error('read whole') }
  override text (): Promise<string> { throw new Error('read whole') }
  override stream (): ReturnType<Blob['stream']> { throw new Error('read whole') }
}

describe('safeFileUrl', () => {
  it('gives HTML claiming to be a PNG the download type, reading only its head', async () => {
    const blob = new WatchedBlob(['<!doctype html><script>alert(1)</script>', 'x'.repeat(100_000)], { type: 'image/png' })
    const f = await safeFileUrl(blob, '../holiday\u202Egnp.html')
    made.push(f.url)
    expect(f.type).toBe('application/octet-stream')
    expect(f.previewable).toBe(false)
    expect(f.name).toBe('_holidaygnp.html')
    expect(blob.slices).toEqual([[0, SNIFF_BYTES, undefined], [0, blob.size, 'application/octet-stream']])
    const served = resolveObjectURL(f.url)!
    expect(served.type).toBe('application/octet-stream')
    expect(served.size).toBe(blob.size)
  })

  it('previews a real PNG, from a Blob or from bytes', async () => {
    const bytes = new Uint8Array([...PNG_HEAD, ...new Array(40).fill(0)])
    for (const data of [new Blob([bytes], { type: 'text/html' }), bytes]) {
      const f = await safeFileUrl(data, 'photo')
      made.push(f.url)
      expect(f).toMatchObject({ type: 'image/png', previewable: true, name: 'photo.png' })
      expect(resolveObjectURL(f.url)!.type).toBe('image/png')
    }
  })

  it('types an SVG given as bytes as a download, whatever its name says', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    const f = await safeFileUrl(svg, 'cat.svg')
    made.push(f.url)
    expect(f).toMatchObject({ type: 'application/octet-stream', previewable: false, name: 'cat.svg' })
    expect(resolveObjectURL(f.url)!.size).toBe(svg.length)
  })
})
