// How the app's files are served (`npm start`, the headless runner): build
// files whose names carry their content hash are kept by the browser for a
// year; everything else is revalidated each time (a new build is found at
// once); text goes compressed (Brotli or gzip copies made at build).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'
import { precompressFolder } from '../../scripts/lib/precompress.mjs'

const SCRIPT = `export const x = ${JSON.stringify('kith '.repeat(2000))}\n`

describe('serving the built app', () => {
  let server: Awaited<ReturnType<typeof startStaticServer>>
  /** The response as sent (fetch would unpack it): status, headers, raw bytes. */
  const get = (path: string, encoding = 'identity', extra: Record<string, string> = {}): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: Buffer }> =>
    new Promise((resolve, reject) => {
      http.get(`${server.url}${path}`, { headers: { 'accept-encoding': encoding, ...extra } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      }).on('error', reject)
    })

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kith-serve-'))
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'index.html'), `<!doctype html><title>Kith</title>${'<!-- padding -->'.repeat(100)}`)
    writeFileSync(join(root, 'assets', 'index-DVdA8l6H.js'), SCRIPT)
    writeFileSync(join(root, 'assets', 'tiny-Ab12Cd34.js'), 'export {}\n')
    writeFileSync(join(root, 'sw.js'), SCRIPT)
    writeFileSync(join(root, 'assets', 'index-DVdA8l6H.js.map'), '{"version":3,"sources":["../client/secret-comments.ts"]}')
    writeFileSync(join(root, 'sw.js.map'), '{"version":3}')
    precompressFolder(root)
    server = await startStaticServer({ root, sourceMaps: false })
    withMaps = await startStaticServer({ root, sourceMaps: true })
  })
  let withMaps: Awaited<ReturnType<typeof startStaticServer>>
  afterAll(async () => { await server.close(); await withMaps.close() })

  it('source maps are not served unless asked for', async () => {
    for (const path of ['/assets/index-DVdA8l6H.js.map', '/sw.js.map', '/assets/index-DVdA8l6H.js.map?x=1', '/assets/index-DVdA8l6H.js.map.gz', '/assets/index-DVdA8l6H.js.map.br', '/assets/index-DVdA8l6H.js.MAP']) {
      const res = await get(path, 'gzip, br')
      expect(res.status, path).toBe(404)
      expect(res.body.toString(), path).not.toContain('secret-comments')
    }
    const asked = await fetch(`${withMaps.url}/assets/index-DVdA8l6H.js.map`)
    expect(asked.status).toBe(200)
    expect(await asked.text()).toContain('secret-comments')
  })

  it('a content-hashed file is kept a year; the page and the service worker are revalidated', async () => {
    expect((await get('/assets/index-DVdA8l6H.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable')
    for (const path of ['/', '/index.html', '/sw.js']) expect((await get(path)).headers['cache-control'], path).toBe('no-cache')
    const page = await get('/', 'br')
    const again = await get('/', 'br', { 'if-none-match': String(page.headers.etag) })
    expect(again.status).toBe(304)
  })

  it('text goes compressed when the browser takes it, the same bytes once unpacked; as is otherwise', async () => {
    const br = await get('/assets/index-DVdA8l6H.js', 'gzip, deflate, br')
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toMatch(/Accept-Encoding/i)
    expect(br.body.length).toBeLessThan(SCRIPT.length / 10)
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT)
    const gz = await get('/assets/index-DVdA8l6H.js', 'gzip')
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT)
    const plain = await get('/assets/index-DVdA8l6H.js')
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.toString()).toBe(SCRIPT)
    // Too small to be worth it: no copies made, sent as is.
    expect((await get('/assets/tiny-Ab12Cd34.js', 'br')).headers['content-encoding']).toBeUndefined()
  })
})
