// The app's Content-Security-Policy: strict, the same in index.html's <meta>
// and in the header the static server (npm start, the tests) sends.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { APP_CSP, APP_CSP_HEADER, APP_HEADERS } from '../../scripts/lib/csp.mjs'
import { startStaticServer } from '../../scripts/lib/static-server.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const indexHtml = readFileSync(join(root, 'index.html'), 'utf8')

/** Directive name -> its sources. */
function directives (policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) out.set(name.toLowerCase(), sources)
  }
  return out
}

function metaPolicy (html: string): string | null {
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)
  return m ? m[1]! : null
}

describe('the Content-Security-Policy', () => {
  it('allows script only from the app itself, and no plugins, base or inline code', () => {
    const d = directives(APP_CSP_HEADER)
    expect(d.get('script-src')).toEqual(["'self'"])
    expect(d.get('object-src')).toEqual(["'none'"])
    expect(d.get('base-uri')).toEqual(["'none'"])
    expect(d.get('frame-ancestors')).toEqual(["'none'"])
    expect(d.get('default-src')).toEqual(["'self'"])
    expect(APP_CSP_HEADER).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|strict-dynamic|\*/)
    // Friends' bytes may only ever be images, never scripts, styles or frames.
    for (const name of ['script-src', 'style-src', 'frame-src', 'worker-src', 'default-src']) {
      expect(d.get(name), name).not.toContain('blob:')
      expect(d.get(name), name).not.toContain('data:')
    }
    // Trackers are configuration: any WebSocket host.
    expect(d.get('connect-src')).toEqual(expect.arrayContaining(["'self'", 'ws:', 'wss:']))
    expect(d.get('img-src')).toEqual(expect.arrayContaining(['blob:', 'data:']))
    // The installed app: its own service worker (sw.js) and web app manifest only.
    expect(d.get('worker-src')).toEqual(["'self'"])
    expect(d.get('manifest-src')).toEqual(["'self'"])
  })

  it('is in index.html as a <meta> before anything it must cover, without frame-ancestors', () => {
    expect(metaPolicy(indexHtml)).toBe(APP_CSP)
    expect(APP_CSP).not.toMatch(/frame-ancestors/) // ignored (with a warning) in a meta tag
    expect(APP_CSP_HEADER).toBe(`${APP_CSP}; frame-ancestors 'none'`)
    const head = indexHtml.slice(0, indexHtml.indexOf('http-equiv="Content-Security-Policy"'))
    expect(head).not.toMatch(/<script|<link|<style/i)
  })

  it('is also on the devices harness page, so the element tests run under it', () => {
    const harnessHtml = readFileSync(join(root, 'tests/harness/devices.html'), 'utf8')
    expect(metaPolicy(harnessHtml)).toBe(APP_CSP)
  })

  it('index.html has no inline script or style for it to allow', () => {
    for (const tag of indexHtml.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/\ssrc=/)
    expect(indexHtml).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i)
  })
})

describe('the static server sends the policy as a header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kith-csp-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('on the page, its files and config.json', async () => {
    const server = await startStaticServer({ root: dir, config: { trackers: [] }, headers: APP_HEADERS })
    try {
      for (const path of ['/', '/index.html', '/config.json']) {
        const res = await fetch(server.url + path)
        expect(res.status, path).toBe(200)
        expect(res.headers.get('content-security-policy'), path).toBe(APP_CSP_HEADER)
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      }
    } finally {
      await server.close()
    }
  })

  it('the hosting docs give other hosts the same policy, word for word', () => {
    const docs = readFileSync(join(root, 'docs/networks.md'), 'utf8')
    const given = [...docs.matchAll(/Content-Security-Policy:? "?([^"`\n]+?)"?(?: always;|` and|\n)/g)].map((m) => m[1])
    expect(given.length).toBeGreaterThanOrEqual(3)
    for (const policy of given) expect(policy).toBe(APP_CSP_HEADER)
  })

  it('npm start passes the app headers to the server', () => {
    const start = readFileSync(join(root, 'scripts/start.mjs'), 'utf8')
    expect(start).toMatch(/^import \{ APP_HEADERS \} from '\.\/lib\/csp\.mjs'$/m)
    expect(start).toMatch(/startStaticServer\(\{.*headers: APP_HEADERS[,}]/)
  })
})
